// The package loads with `require` (CommonJS) and with `import` (ESM), and both give the
// same classes; `require` itself is cheap (the native module loads on the first client).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const PKG = path.resolve(__dirname, '..');

test('require() exposes the client, the error classes and the operation table', () => {
  const sdk = require(PKG);
  assert.equal(typeof sdk.KontextManagementClient, 'function');
  assert.equal(sdk.default, sdk.KontextManagementClient);
  assert.equal(sdk.__esModule, true, 'transpiled `import Client from` gets the class');
  for (const name of ['KontextError', 'ApiError', 'BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'Conflict',
    'RateLimited', 'ServerError', 'ConnectionError', 'TimeoutError', 'DecodeError', 'InvalidInput']) {
    assert.equal(typeof sdk[name], 'function', name);
    assert.equal(sdk[name].name, name);
  }
  assert.ok(sdk.OPERATIONS.length >= 39);
  assert.equal(typeof sdk.API_VERSION, 'string');
});

test('import() gives the very same objects (one module instance)', async () => {
  const esm = await import(`${PKG}/index.mjs`);
  const cjs = require(PKG);
  assert.equal(esm.KontextManagementClient, cjs.KontextManagementClient);
  assert.equal(esm.default, cjs.KontextManagementClient);
  assert.equal(esm.NotFound, cjs.NotFound);
  // the package can import itself by name (self-reference through "exports")
  const byName = await import('kontext-mgmt');
  assert.equal(byName.KontextManagementClient, cjs.KontextManagementClient);
  assert.equal(require('kontext-mgmt'), cjs);
});

test('the exports map resolves both conditions by package name', () => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { createRequire } from 'node:module';
    import * as esm from 'kontext-mgmt';
    const require = createRequire(process.cwd() + '/');
    const cjs = require('kontext-mgmt');
    console.log(esm.KontextManagementClient === cjs.KontextManagementClient, typeof esm.default,
      require.resolve('kontext-mgmt').endsWith('index.js'), import.meta.resolve('kontext-mgmt').endsWith('index.mjs'));
  `], { encoding: 'utf8', cwd: PKG });
  assert.equal(out.trim(), 'true function true true');
});

test('require() does not load the native module', () => {
  const out = execFileSync(process.execPath, ['-e', `
    require(${JSON.stringify(PKG)});
    const loaded = Object.keys(require.cache).some((f) => f.endsWith('.node'));
    console.log(loaded);
  `], { encoding: 'utf8' });
  assert.equal(out.trim(), 'false');
});
