// The test kit takes every option of the emulator (whose one description is the Rust
// `KitOptions`) and no other, and its typings list exactly those.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PKG_DIR, require } from './helpers.mjs';

const testing = require(join(PKG_DIR, 'lib', 'testing.js'));

test('EmulatorOptions in testing.d.ts lists exactly the emulator options', () => {
  const dts = readFileSync(join(PKG_DIR, 'testing.d.ts'), 'utf8');
  const block = dts.slice(dts.indexOf('export interface EmulatorOptions'), dts.indexOf('\n}', dts.indexOf('export interface EmulatorOptions')));
  const declared = [...block.matchAll(/^\s+(\w+)\?:/gm)].map((m) => m[1]).sort();
  const native = testing.emulatorOptions().sort();
  assert.ok(native.length >= 15);
  assert.deepEqual(declared, native);
});

test('every option reaches the emulator: refused values name their option', async () => {
  for (const name of ['tokenTtl', 'headerTimeout', 'bodyTimeout']) {
    await assert.rejects(testing.Emulator.start({ [name]: -1 }), (e) => e instanceof testing.EmulatorError && e.message.includes(name));
  }
  await assert.rejects(testing.Emulator.start({ noSuchOption: 1 }), /unknown field `noSuchOption`/);
  const emu = await testing.Emulator.start({ clientId: 'kit-id', clientSecret: 'kit-secret', rateLimit: 1 });
  try {
    assert.equal(emu.clientId, 'kit-id');
    const client = emu.client({ maxRetries: 0 });
    await client.applications.list();
    await assert.rejects(client.applications.list(), (e) => e.constructor.name === 'RateLimited');
    const { inspect } = await import('node:util');
    assert.ok(!inspect(emu).includes('kit-secret'));
    assert.ok(!JSON.stringify(emu).includes('kit-secret'));
  } finally {
    await emu.stop();
  }
});

test('the kontext-emulator bin serves on a port', async () => {
  const { spawn } = await import('node:child_process');
  const { createInterface } = await import('node:readline');
  const child = spawn(process.execPath, [join(PKG_DIR, 'bin', 'kontext-emulator.js'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const first = await new Promise((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    assert.match(first, /^listening on http:\/\/127\.0\.0\.1:\d+$/);
    const sdk = require(PKG_DIR);
    const client = new sdk.KontextManagementClient({
      baseUrl: first.split(' ').at(-1),
      credentials: { clientId: testing.DEFAULT_CLIENT_ID, clientSecret: testing.DEFAULT_CLIENT_SECRET },
    });
    assert.deepEqual((await client.applications.list()).items, []);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});
