// The API-change round trip, with no hand edit: copy the spec, add an operation with a new
// schema, `cargo xtask regen --spec NEW --out TMP`, rebuild the native module from the new
// spec (KONTEXT_SPEC), assemble the package from the hand-written files plus the regenerated
// ones, and call the new method from Node. The emulator does not know the route and answers
// 404: the request must have reached it (method, path, body) and surfaced as `NotFound`, and
// the method and its types must be in the regenerated `index.d.ts` (checked by `tsc`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, writeFile, mkdir, copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, PKG_DIR, REPO, CLIENT_ID, CLIENT_SECRET, require, uuid } from './helpers.mjs';

const run = promisify(execFile);
const { platformNames } = require(join(PKG_DIR, 'lib', 'native.js'));

let emu;
let work;
before(async () => {
  emu = await startEmulator();
  work = await mkdtemp(join(tmpdir(), 'kontext-mgmt-roundtrip-'));
});
after(async () => {
  await emu.stop();
  if (!process.env.KONTEXT_KEEP_TMP) await rm(work, { recursive: true, force: true });
});

const NEW_PATH = `  /widgets/{widgetId}/spin:
    post:
      tags: [widgets]
      operationId: widgets_spin
      summary: Spin a widget
      parameters:
        - name: widgetId
          in: path
          required: true
          schema: {type: string}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/SpinRequest'}
      responses:
        '200':
          description: The widget after spinning.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/SpinResult'}
        '404': {$ref: '#/components/responses/NotFound'}
`;

const NEW_SCHEMAS = `    SpinRequest:
      type: object
      required: [speed]
      properties:
        speed: {type: integer, description: Turns per second.}
        direction: {$ref: '#/components/schemas/SpinDirection'}
    SpinDirection:
      type: string
      enum: [clockwise, counterclockwise]
    SpinResult:
      type: object
      required: [widgetId, rpm]
      properties:
        widgetId: {type: string}
        rpm: {type: number}
`;

function insertAfter(text, marker, addition) {
  const at = text.indexOf(marker);
  assert.ok(at >= 0 && text.indexOf(marker, at + 1) < 0, `exactly one ${JSON.stringify(marker)} in the spec`);
  return text.slice(0, at + marker.length) + addition + text.slice(at + marker.length);
}

test('a new operation goes from the spec to a typed Node method with no hand edit', { timeout: 900_000 }, async () => {
  // 1. the changed spec
  const original = await readFile(join(REPO, 'openapi', 'kontext-management.yaml'), 'utf8');
  let spec = insertAfter(original, '\npaths:\n', NEW_PATH);
  spec = insertAfter(spec, '\n  schemas:\n', NEW_SCHEMAS);
  spec = insertAfter(spec, '\ntags:\n', '  - name: widgets\n    description: Widgets (round-trip drill).\n');
  const specFile = join(work, 'spec.yaml');
  await writeFile(specFile, spec);

  // 2. regenerate everything into a scratch directory
  const out = join(work, 'out');
  const cargo = process.env.CARGO || 'cargo';
  await run(cargo, ['xtask', 'regen', '--spec', specFile, '--out', out], { cwd: REPO, maxBuffer: 1 << 24 });
  const dts = await readFile(join(out, 'bindings', 'node', 'index.d.ts'), 'utf8');
  assert.match(dts, /export interface WidgetsApi \{/);
  assert.match(dts, /spin\(widgetId: string, data: SpinRequest, options\?: RequestOptions\): Promise<SpinResult>;/);
  assert.match(dts, /export interface SpinRequest \{/);
  assert.match(dts, /export type SpinDirection = 'clockwise' \| 'counterclockwise' \| \(string & \{\}\);/);
  assert.match(dts, /readonly widgets: WidgetsApi;/);

  // 3. rebuild the native module from the regenerated spec
  const regenerated = join(out, 'openapi', 'kontext-management.yaml');
  const targetDir = process.env.CARGO_TARGET_DIR || join(REPO, 'target');
  await run(cargo, ['build', '-p', 'kontext-mgmt-node'], {
    cwd: REPO,
    env: { ...process.env, KONTEXT_SPEC: regenerated },
    maxBuffer: 1 << 26,
  });
  const lib = { darwin: 'libkontext_mgmt_node.dylib', win32: 'kontext_mgmt_node.dll' }[process.platform] || 'libkontext_mgmt_node.so';

  // 4. the package: hand-written files from the repository, generated ones from the scratch dir
  const pkg = join(work, 'pkg');
  await mkdir(join(pkg, 'lib'), { recursive: true });
  for (const f of ['package.json', 'index.js', 'index.mjs', 'lib/base.js', 'lib/base.d.ts', 'lib/native.js']) {
    await copyFile(join(PKG_DIR, f), join(pkg, f));
  }
  for (const f of ['index.d.ts', 'lib/generated.js']) {
    await copyFile(join(out, 'bindings', 'node', f), join(pkg, f));
  }
  await copyFile(join(targetDir, 'debug', lib), join(pkg, `kontext-mgmt.${platformNames()[0]}.node`));

  // 5. call it from a fresh Node process
  const widgetId = uuid();
  const script = `
    const sdk = require(${JSON.stringify(pkg)});
    const client = new sdk.KontextManagementClient({ baseUrl: process.argv[1], credentials: { clientId: process.argv[2], clientSecret: process.argv[3] } });
    console.log(JSON.stringify({ ops: sdk.OPERATIONS.filter((o) => o.namespace === 'widgets') }));
    client.widgets.spin(process.argv[4], { speed: 3, direction: 'clockwise' }).then(
      (r) => console.log(JSON.stringify({ resolved: r })),
      (e) => console.log(JSON.stringify({ name: e.name, notFound: e instanceof sdk.NotFound, status: e.statusCode, code: e.code })),
    );
  `;
  const env = { ...process.env };
  delete env.KONTEXT_MGMT_NATIVE;
  const { stdout } = await run(process.execPath, ['-e', script, emu.url, CLIENT_ID, CLIENT_SECRET, widgetId], { env });
  const [ops, result] = stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(ops.ops.map((o) => [o.id, o.httpMethod, o.path]), [['widgets_spin', 'POST', '/widgets/{widgetId}/spin']]);
  assert.deepEqual(result, { name: 'NotFound', notFound: true, status: 404, code: 'kontext_not_found' });

  // 6. the request reached the emulator as the spec says
  const reqs = await emu.requests(20);
  const hit = reqs.filter((r) => r.path === `/api/v1/widgets/${widgetId}/spin`);
  assert.equal(hit.length, 1, JSON.stringify(reqs));
  assert.equal(hit[0].method, 'POST');
  assert.equal(hit[0].status, 404);
  assert.deepEqual(hit[0].body, { speed: 3, direction: 'clockwise' });

  // 7. the new types check under --strict
  await writeFile(
    join(pkg, 'check.ts'),
    `import { KontextManagementClient, NotFound } from './index';
     import type { SpinRequest, SpinResult, SpinDirection } from './index';
     export async function spin(c: KontextManagementClient): Promise<number> {
       const d: SpinDirection = 'clockwise';
       const req: SpinRequest = { speed: 3, direction: d };
       try {
         const r: SpinResult = await c.widgets.spin('w', req);
         return r.rpm;
       } catch (e) {
         if (e instanceof NotFound) return e.statusCode;
         throw e;
       }
     }
     // @ts-expect-error: speed is required
     export const bad: SpinRequest = { direction: 'clockwise' };
    `,
  );
  const tsc = join(PKG_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = await run(process.execPath, [tsc, '--strict', '--noEmit', '--skipLibCheck', 'false', join(pkg, 'check.ts')]).catch((e) => e);
  assert.equal(r.code ?? 0, 0, `${r.stdout}${r.stderr}`);
});
