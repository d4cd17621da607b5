// The client against a hostile server (`kontext-hostile`, crates/kontext-mgmt-hostile) over
// loopback HTTP: huge and endless bodies, extreme numbers, a hanging token endpoint,
// repeating cursors, bodies that are not JSON, a password in the base URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { inspect } from 'node:util';
import { sdk, PKG_DIR, startServer } from './helpers.mjs';

let child;
let url;

before(async () => {
  ({ url, child } = await startServer('kontext-hostile'));
});

after(() => child.kill('SIGKILL'));

const make = (scenario, extra = {}) =>
  new sdk.KontextManagementClient({
    baseUrl: `${url}/${scenario}`,
    credentials: { clientId: 'id', clientSecret: 'secret' },
    ...extra,
  });

test('huge and endless bodies reject with ResponseTooLarge', async () => {
  for (const scenario of ['body-2000000000', 'chunked-40000000', 'endless']) {
    await assert.rejects(make(scenario).applications.list(), (e) => {
      assert.ok(e instanceof sdk.ResponseTooLarge && e instanceof sdk.KontextError, String(e));
      assert.match(e.message, /33554432-byte limit/);
      assert.equal(e.code, 'kontext_response_too_large');
      return true;
    });
  }
  await assert.rejects(make('chunked-3000', { maxBodyBytes: 2000 }).applications.list(), sdk.ResponseTooLarge);
  await assert.rejects(make('token-endless').applications.list(), /max_token_body_bytes/);
  assert.throws(() => make('x', { maxBodyBytes: 2 ** 40 }), sdk.InvalidInput);
});

for (const scenario of ['chunked-2000000000', 'endless']) {
  test(`peak memory against ${scenario} stays near the limit`, () => {
    const script = `
      const sdk = require(${JSON.stringify(PKG_DIR)});
      const rss = (f) => Number(require('fs').readFileSync('/proc/self/status', 'utf8').split(String.fromCharCode(10)).find((l) => l.startsWith(f + ':')).replace(/[^0-9]/g, '')) * 1024;
      (async () => {
        const c = new sdk.KontextManagementClient({ baseUrl: process.argv[1], token: 't' });
        await c.applications.list({ limit: 1 }).catch(() => {});
        const before = rss('VmRSS');
        await c.applications.list().then(() => process.exit(2), (e) => {
          if (!(e instanceof sdk.ResponseTooLarge)) process.exit(3);
          console.log(rss('VmHWM') - before);
        });
      })();`;
    const out = execFileSync(process.execPath, ['-e', script, `${url}/${scenario}`], { encoding: 'utf8' });
    const growth = Number(out.trim());
    console.log(`${scenario}: peak RSS growth ${(growth / 1e6).toFixed(1)} MB`);
    assert.ok(growth < 2 * 32 * 1024 * 1024 + 50e6, String(growth));
  });
}

test('extreme Retry-After values never crash', async () => {
  for (const header of ['retry-after-1e30', 'retry-after-ms-1e30', 'retry-after-ms-1e300']) {
    await assert.rejects(make(`status-404+${header}`).applications.get('x'), sdk.NotFound);
    await assert.rejects(make(`status-429+${header}`).applications.list(), (e) => {
      assert.ok(e instanceof sdk.RateLimited, String(e));
      assert.equal(e.retryAfter, 86400);
      return true;
    });
  }
});

test('extreme expires_in values never crash', async () => {
  for (const v of ['1e300', '18446744073709551615', '1e19', '-1']) {
    assert.deepEqual((await make(`token-expires-${v}`).applications.list()).items, []);
  }
});

test('extreme timeouts are clamped or refused', async () => {
  assert.deepEqual((await make('x', { timeout: 1e300 }).applications.list()).items, []);
  assert.deepEqual((await make('x').applications.list({}, { timeout: 1e300 })).items, []);
  assert.throws(() => make('x', { timeout: 1e-300 }), sdk.InvalidInput);
  await assert.rejects(make('x').applications.list({}, { timeout: 1e-300 }), sdk.InvalidInput);
});

test('a hanging token endpoint rejects with TimeoutError at the timeout', async () => {
  const started = Date.now();
  await assert.rejects(make('token-hang', { timeout: 3000 }).applications.list(), sdk.TimeoutError);
  const took = (Date.now() - started) / 1000;
  console.log(`hanging token endpoint, timeout=3000: TimeoutError after ${took.toFixed(2)}s`);
  assert.ok(took < 4, String(took));
});

test('an empty or missing access_token is a DecodeError', async () => {
  for (const scenario of ['token-empty', 'token-missing']) {
    await assert.rejects(make(scenario).applications.list(), sdk.DecodeError);
  }
});

test('Basic credentials are form-urlencoded', async () => {
  const c = new sdk.KontextManagementClient({
    baseUrl: `${url}/basic-sa%3A1:p%2Bss%2541word`,
    credentials: { clientId: 'sa:1', clientSecret: 'p+ss%41word' },
  });
  assert.deepEqual((await c.applications.list()).items, []);
});

test('a repeated cursor ends listAll with a DecodeError', async () => {
  await assert.rejects(async () => {
    for await (const _ of make('cursor-repeat-empty').applications.listAll());
  }, sdk.DecodeError);
});

test('2xx bodies that are not JSON or not UTF-8 are DecodeErrors', async () => {
  for (const scenario of ['invalid-utf8', 'not-json']) {
    await assert.rejects(make(scenario).applications.list(), sdk.DecodeError);
  }
});

test('a password in the base URL is masked', () => {
  const c = new sdk.KontextManagementClient({ baseUrl: 'http://user:hunter2@127.0.0.1:9', token: 't' });
  for (const shown of [inspect(c), JSON.stringify(c), c.baseUrl]) {
    assert.ok(!shown.includes('hunter2'), shown);
  }
});
