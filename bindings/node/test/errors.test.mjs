// Every error class, raised by real answers (or real transport failures) of the emulator;
// no secret in any error text or `util.inspect` output; panics in the native module never
// crash Node.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import util from 'node:util';
import { startEmulator, sdk, unique, uuid, CLIENT_ID, CLIENT_SECRET } from './helpers.mjs';

const {
  KontextManagementClient,
  KontextError,
  ApiError,
  BadRequest,
  Unauthorized,
  Forbidden,
  NotFound,
  Conflict,
  RateLimited,
  ServerError,
  ConnectionError,
  TimeoutError,
  DecodeError,
  InvalidInput,
} = sdk;

let emu;
let client;
before(async () => {
  emu = await startEmulator();
  client = emu.client();
});
afterEach(() => emu.faults(null));
after(() => emu.stop());

/** Everything a user could print about an error. */
function texts(e) {
  return [e.message, String(e), e.stack, util.inspect(e), util.inspect(e, { showHidden: true, depth: 10 }), JSON.stringify(e)];
}

function assertNoSecret(e, ...secrets) {
  for (const s of [CLIENT_SECRET, ...secrets]) {
    for (const t of texts(e)) assert.equal(String(t).includes(s), false, `secret leaked in: ${t}`);
  }
}

async function caught(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected the call to fail');
}

function script(entry) {
  return emu.faults({ script: [{ count: 1, ...entry }] });
}

test('the class hierarchy and names', () => {
  for (const cls of [BadRequest, Unauthorized, Forbidden, NotFound, Conflict, RateLimited, ServerError]) {
    assert.equal(Object.getPrototypeOf(cls), ApiError);
  }
  for (const cls of [ApiError, ConnectionError, TimeoutError, DecodeError, InvalidInput]) {
    assert.equal(Object.getPrototypeOf(cls), KontextError);
  }
  assert.equal(Object.getPrototypeOf(KontextError), Error);
  assert.equal(new NotFound('x').name, 'NotFound');
  assert.equal(new KontextError('x').name, 'KontextError');
});

test('400 BadRequest with the server message', async () => {
  const e = await caught(client.applications.create({ name: '', oauth: { redirectUris: ['not a url'] } }));
  assert.ok(e instanceof BadRequest && e instanceof ApiError && e instanceof KontextError && e instanceof Error);
  assert.equal(e.name, 'BadRequest');
  assert.equal(e.statusCode, 400);
  assert.equal(e.status, 400);
  assert.equal(e.code, 'kontext_validation_error');
  assert.equal(typeof e.requestId, 'string');
  assert.ok(e.message.length > 0);
  assert.equal(e.body.statusCode, 400);
  assertNoSecret(e);
});

test('401 Unauthorized: a bad token, and bad client credentials', async () => {
  const badToken = 'not-a-valid-token-abcdef';
  const withToken = new KontextManagementClient({ baseUrl: emu.url, token: badToken, maxRetries: 0 });
  const e = await caught(withToken.applications.list());
  assert.ok(e instanceof Unauthorized);
  assert.equal(e.statusCode, 401);
  assert.equal(e.code, 'kontext_authorization_required');
  assertNoSecret(e, badToken);

  const wrongSecret = 'wrong-secret-value-123456';
  const withCreds = new KontextManagementClient({
    baseUrl: emu.url,
    credentials: { clientId: CLIENT_ID, clientSecret: wrongSecret },
    maxRetries: 0,
  });
  const e2 = await caught(withCreds.applications.list());
  assert.ok(e2 instanceof Unauthorized, `got ${e2.name}: ${e2.message}`);
  assertNoSecret(e2, wrongSecret);
  assert.equal(util.inspect(withCreds).includes(wrongSecret), false);
});

test('403 Forbidden: a token without the management scope', async () => {
  const token = await emu.mintToken({ scope: 'openid' });
  const c = new KontextManagementClient({ baseUrl: emu.url, token });
  const e = await caught(c.applications.list());
  assert.ok(e instanceof Forbidden);
  assert.equal(e.statusCode, 403);
  assert.equal(e.code, 'kontext_policy_denied');
  assertNoSecret(e, token);
  assert.equal(util.inspect(c).includes(token), false);
  assert.equal(JSON.stringify(c).includes(token), false);
});

test('404 NotFound', async () => {
  const id = uuid();
  const e = await caught(client.applications.get(id));
  assert.ok(e instanceof NotFound);
  assert.equal(e.statusCode, 404);
  assert.equal(e.code, 'kontext_not_found');
  assert.match(e.message, /not found/i);
  assert.equal(e.body.message, e.message);
});

test('409 Conflict', async () => {
  const name = unique('dup');
  const input = { name, oauth: { type: 'public', redirectUris: ['http://localhost/cb'] } };
  await client.applications.create(input);
  const e = await caught(client.applications.create(input));
  assert.ok(e instanceof Conflict);
  assert.equal(e.statusCode, 409);
  assert.equal(e.code, 'kontext_conflict');
});

test('429 RateLimited carries retryAfter (seconds)', async () => {
  await script({ method: 'GET', path: '/api/v1/applications', status: 429, retryAfter: 7 });
  const e = await caught(client.applications.list({}, { maxRetries: 0 }));
  assert.ok(e instanceof RateLimited);
  assert.equal(e.statusCode, 429);
  assert.equal(e.retryAfter, 7);
  assert.equal(e.code, 'kontext_rate_limited');
});

test('a rate limit above the retry cap is handed to the caller at once', async () => {
  await script({ method: 'GET', path: '/api/v1/applications', status: 429, retryAfter: 3600 });
  const t0 = Date.now();
  const e = await caught(client.applications.list());
  assert.ok(e instanceof RateLimited);
  assert.equal(e.retryAfter, 3600);
  assert.ok(Date.now() - t0 < 5000);
});

test('5xx ServerError, and a retried 503 that then succeeds', async () => {
  await script({ method: 'GET', path: '/api/v1/applications', status: 500 });
  const e = await caught(client.applications.list({}, { maxRetries: 0 }));
  assert.ok(e instanceof ServerError);
  assert.equal(e.statusCode, 500);
  assert.equal(e.code, 'kontext_server_error');

  await script({ method: 'GET', path: '/api/v1/applications', status: 503, retryAfter: 0 });
  const page = await client.applications.list({ limit: 1 });
  assert.ok(Array.isArray(page.items), 'the retry of the core made the call succeed');
});

test('another status is a plain ApiError', async () => {
  await script({ method: 'GET', path: '/api/v1/applications', status: 418 });
  const e = await caught(client.applications.list({}, { maxRetries: 0 }));
  assert.equal(e.constructor, ApiError);
  assert.equal(e.statusCode, 418);
  assert.equal(e.code, 'kontext_api_error');
});

test('ConnectionError when nothing listens', async () => {
  const c = new KontextManagementClient({ baseUrl: 'http://127.0.0.1:1', token: 'x', maxRetries: 0 });
  const e = await caught(c.applications.list());
  assert.ok(e instanceof ConnectionError && e instanceof KontextError);
  assert.ok(!(e instanceof ApiError));
  assert.equal(e.statusCode, undefined);
  assert.equal(e.code, 'kontext_connection_error');
});

test('TimeoutError from the per-call timeout', async () => {
  await script({ method: 'GET', path: '/api/v1/applications', delayMs: 3000 });
  const t0 = Date.now();
  const e = await caught(client.applications.list({}, { timeout: 200, maxRetries: 0 }));
  assert.ok(e instanceof TimeoutError, `got ${e.name}: ${e.message}`);
  assert.equal(e.code, 'kontext_timeout');
  assert.ok(Date.now() - t0 < 2500, 'the call gave up before the server answered');
});

test('withOptions makes a client with other call defaults', async () => {
  await script({ method: 'GET', path: '/api/v1/applications', delayMs: 3000 });
  const hasty = client.withOptions({ timeout: 200, maxRetries: 0 });
  assert.ok(hasty instanceof KontextManagementClient);
  assert.equal(typeof hasty.applications.list, 'function');
  const e = await caught(hasty.applications.list());
  assert.ok(e instanceof TimeoutError);
  // the original client is unchanged and shares the token
  assert.ok(Array.isArray((await client.applications.list({ limit: 1 })).items));
});

test('Forbidden says which scopes are missing; a 400 joins its list of messages', async () => {
  await script({
    method: 'GET',
    path: '/api/v1/applications',
    status: 403,
    mergePatch: { message: null, statusCode: null, error: 'insufficient_scope', missingScopes: ['traces:read'], hint: 'Ask an admin.' },
  });
  const e = await caught(client.applications.list({}, { maxRetries: 0 }));
  assert.ok(e instanceof Forbidden, `got ${e.name}: ${e.message}`);
  assert.deepEqual(e.missingScopes, ['traces:read']);
  assert.equal(e.message, 'insufficient_scope; missing scopes: traces:read; hint: Ask an admin.');
  assert.deepEqual(e.body.missingScopes, ['traces:read']);
  await script({ method: 'GET', path: '/api/v1/applications', status: 400, mergePatch: { message: ['a is wrong', 'b is wrong'] } });
  const bad = await caught(client.applications.list({}, { maxRetries: 0 }));
  assert.ok(bad instanceof BadRequest);
  assert.equal(bad.message, 'a is wrong; b is wrong');
  assert.deepEqual(bad.validationErrors, ['a is wrong', 'b is wrong']);
  assert.deepEqual(bad.missingScopes, []);
});

test('a required field missing from an answer is a DecodeError naming it; optional ones are undefined', async () => {
  const { application } = await client.applications.create({ name: unique('req'), oauth: { type: 'public', redirectUris: [] } });
  // A merge patch's null removes the key.
  const path = `/api/v1/applications/${application.id}`;
  await script({ method: 'GET', path, mergePatch: { application: { name: null, description: null, extra: { nested: 1 } } } });
  const e = await caught(client.applications.get(application.id));
  assert.ok(e instanceof DecodeError, `got ${e.name}: ${e.message}`);
  assert.match(e.message, /Application has no `name`, a required field/);
  assert.ok(e.body.includes(application.id) && !e.body.includes('"name"'), e.body);
  // In a walk too, and in a nested model.
  await script({ method: 'GET', path: '/api/v1/applications', mergePatch: { items: [{ id: 'x' }] } });
  const walked = await caught((async () => {
    for await (const _ of client.applications.listAll()) {
      // nothing: the page fails before its first item
    }
  })());
  assert.ok(walked instanceof DecodeError && /has no `name`/.test(walked.message), `${walked}`);
  await script({ method: 'GET', path, mergePatch: { application: { description: null, extra: 1 } } });
  const lenient = await client.applications.get(application.id);
  assert.equal(lenient.application.description, undefined);
  assert.equal(lenient.application.extra, 1);
});

test('DecodeError on a malformed 2xx body', async () => {
  await script({ method: 'GET', path: '/api/v1/applications', malformed: true });
  const e = await caught(client.applications.list({}, { maxRetries: 0 }));
  assert.ok(e instanceof DecodeError, `got ${e.name}: ${e.message}`);
  assert.equal(e.code, 'kontext_decode_error');
});

test('InvalidInput is raised before anything is sent', async () => {
  await client.applications.list({ limit: 1 }); // token fetched
  const before = (await emu.requests(1000)).length;
  const cases = [
    [() => client.applications.list({ limit: 500 }), /limit/],
    [() => client.applications.list({ limit: 0 }), /limit/],
    [() => client.applications.get(''), /must not be empty/],
    [() => client.applications.get(undefined), /must not be empty/],
    [() => client.applications.get({ id: 1 }), /must be a string/],
    [() => client.applications.create(undefined), /body/],
    [() => client.applications.list({ nope: 1 }), /unknown query parameter/],
    [() => client.applications.list('limit=1'), /params must be an object/],
    [() => client.applications.list({}, { timeout: -1 }), /timeout/],
    [() => client.applications.list({}, { maxRetries: 1.5 }), /maxRetries/],
  ];
  for (const [call, re] of cases) {
    const e = await caught(call());
    assert.ok(e instanceof InvalidInput, `got ${e && e.name}: ${e && e.message}`);
    assert.equal(e.code, 'kontext_invalid_input');
    assert.match(e.message, re);
  }
  const walk = client.applications.listAll({ limit: 1000 });
  assert.ok((await caught(walk.next())) instanceof InvalidInput);
  assert.equal((await emu.requests(1000)).length, before, 'no request reached the server');
});

test('bad constructor options throw InvalidInput synchronously', () => {
  assert.throws(() => new KontextManagementClient({ baseUrl: 'ftp://example.com', token: 't' }), InvalidInput);
  assert.throws(() => new KontextManagementClient({ baseUrl: 'http://x', credentials: { clientId: 'only-id' } }), InvalidInput);
  assert.throws(() => new KontextManagementClient({ baseUrl: 'http://x', token: 't', timeout: 0 }), InvalidInput);
  assert.throws(() => new KontextManagementClient({ baseUrl: 42, token: 't' }), InvalidInput);
  const secret = 'constructor-secret-987654';
  try {
    new KontextManagementClient({ baseUrl: 'nope', credentials: { clientId: 'a', clientSecret: secret } });
    assert.fail('expected InvalidInput');
  } catch (e) {
    assert.ok(e instanceof InvalidInput);
    assertNoSecret(e, secret);
  }
});

test('secrets in responses are masked by util.inspect but readable', async () => {
  const created = await client.applications.create({
    name: unique('secret'),
    oauth: { type: 'confidential', redirectUris: ['https://example.com/cb'] },
  });
  const secret = created.oauth.clientSecret;
  assert.equal(typeof secret, 'string');
  for (const shown of [util.inspect(created, { depth: 10 }), util.inspect(created.oauth), util.format('%o', created)]) {
    assert.equal(shown.includes(secret), false, shown);
    assert.ok(shown.includes('********'));
  }
  assert.ok(JSON.stringify(created).includes(secret), 'JSON keeps the value (the caller must store it)');
  assert.deepEqual({ ...created.oauth }.clientSecret, secret);

  const sa = await client.serviceAccounts.create({ name: unique('sa') });
  assert.equal(util.inspect(sa, { depth: 10 }).includes(sa.credentials.clientSecret), false);
  const rotated = await client.applications.rotateSecret(created.application.id);
  assert.equal(util.inspect(rotated, { depth: 10 }).includes(rotated.oauth.clientSecret), false);
});

test('clients never show credentials', () => {
  const secret = 'client-inspect-secret-24680';
  const c = new KontextManagementClient({ baseUrl: emu.url, credentials: { clientId: CLIENT_ID, clientSecret: secret } });
  for (const t of [util.inspect(c), util.inspect(c, { showHidden: true, depth: 10 }), JSON.stringify(c), String(c)]) {
    assert.equal(t.includes(secret), false, t);
  }
  assert.match(util.inspect(c), /KontextManagementClient/);
  assert.match(util.inspect(c), /client credentials/);
});

test('a panic in the native module rejects or throws instead of crashing Node', async () => {
  const key = (name) => Object.getOwnPropertySymbols(client).find((s) => s.description === name);
  const native = client[key('kontext-mgmt.native')];
  const dispatch = client[key('kontext-mgmt.dispatch')];
  const r = await dispatch.run((id) => native._panicForTest(id, true));
  assert.equal(r.kind, 'KontextError');
  assert.match(r.message, /internal error/);
  assert.throws(() => native._panicForTest(0, false), /panic/);
  // and the client still works afterwards
  assert.ok(Array.isArray((await client.applications.list({ limit: 1 })).items));
});
