// `tsc --strict --noEmit` on examples/typed.ts (the whole surface) and examples/misuse.ts
// (calls the declarations must reject, each marked `@ts-expect-error`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { PKG_DIR } from './helpers.mjs';

const run = promisify(execFile);

test('tsc --strict accepts the typed example and rejects misuse', { timeout: 120_000 }, async () => {
  const tsc = join(PKG_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = await run(process.execPath, [tsc, '-p', join(PKG_DIR, 'examples')], { cwd: PKG_DIR }).catch((e) => e);
  assert.equal(r.code ?? 0, 0, `${r.stdout}${r.stderr}`);
});
