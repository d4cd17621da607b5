// A user's test suite, written against the test kit only (`kontext-mgmt/testing`): it must
// also pass from the installed npm package, with nothing of this repository around it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KontextManagementClient, ServerError, Forbidden } from 'kontext-mgmt';
import { Emulator, EmulatorError } from 'kontext-mgmt/testing';

// -- the "user automation" under test ---------------------------------------------------

/** Creates an application and attaches a new MCP integration to it; the app's id. */
async function provisionReviewer(client, mcpUrl) {
  const { application } = await client.applications.create({ name: 'PR Reviewer', oauth: { type: 'public', redirectUris: [] } });
  const { integration } = await client.integrations.create({ name: 'GitHub', url: mcpUrl });
  await client.applications.attachIntegration(application.id, integration.id);
  return application.id;
}

// -- tests ----------------------------------------------------------------------------

/** Runs `body` with a fresh emulator and always stops it (`await using` where Node has it). */
async function withEmulator(options, body) {
  const emu = await Emulator.start(options);
  try {
    return await body(emu);
  } finally {
    await emu[Symbol.asyncDispose]();
  }
}

test('the automation runs as a provisioned service account', () =>
  withEmulator(undefined, async (emu) => {
    const { credentials } = await emu.createServiceAccount('ci-bot');
    const client = emu.client({ credentials: { clientId: credentials.clientId, clientSecret: credentials.clientSecret } });
    const appId = await provisionReviewer(client, 'https://mcp.example.com/sse');
    const { integrationIds } = await client.applications.listIntegrations(appId);
    assert.equal(integrationIds.length, 1);

    const calls = emu.requests().filter((r) => r.path.startsWith('/api/')).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(calls.slice(-4), [
      'POST /api/v1/applications',
      'POST /api/v1/integrations',
      `POST /api/v1/applications/${appId}/integrations/${integrationIds[0]}`,
      `GET /api/v1/applications/${appId}/integrations`,
    ]);
    const posted = emu.requests().filter((r) => r.path === '/api/v1/integrations').at(-1);
    assert.deepEqual(posted.body, { name: 'GitHub', url: 'https://mcp.example.com/sse' });
    assert.equal(emu.stats().requests['POST /api/v1/applications'], 1);
  }));

test('the SDK retries a 503 burst', () =>
  withEmulator(undefined, async (emu) => {
    emu.setFaults({ script: [{ method: 'POST', path: '/api/v1/applications', status: 503, count: 2 }] });
    const appId = await provisionReviewer(emu.client({ maxRetries: 2 }), 'https://mcp.example.com/sse');
    const statuses = emu.requests().filter((r) => r.path === '/api/v1/applications').map((r) => r.status);
    assert.deepEqual(statuses, [503, 503, 201]);
    assert.equal((await emu.client().applications.get(appId)).application.name, 'PR Reviewer');
  }));

test('a 503 burst longer than the retries is a ServerError', () =>
  withEmulator({ faults: { script: [{ path: '/api/v1/applications', status: 503, count: 5 }] } }, async (emu) => {
    await assert.rejects(emu.client({ maxRetries: 1 }).applications.list(), (e) => e instanceof ServerError && e.statusCode === 503);
  }));

test('seeded state', () =>
  withEmulator({ seed: { applications: [{ name: 'seeded-one' }, { name: 'seeded-two' }] } }, async (emu) => {
    const names = [];
    for await (const app of emu.client().applications.listAll()) names.push(app.name);
    assert.deepEqual(names.sort(), ['seeded-one', 'seeded-two']);
  }));

test('two emulators at once share nothing', async () => {
  const [first, second] = await Promise.all([Emulator.start(), Emulator.start()]);
  try {
  assert.notEqual(first.baseUrl, second.baseUrl);
  const work = async (emu, name) => {
    const client = emu.client();
    await client.applications.create({ name, oauth: { type: 'public', redirectUris: [] } });
    return (await client.applications.list()).items.map((a) => a.name);
  };
  assert.deepEqual(await Promise.all([work(first, 'only-in-first'), work(second, 'only-in-second')]), [
    ['only-in-first'],
    ['only-in-second'],
  ]);
  await first.stop();
  assert.equal(first.running, false);
  assert.equal(second.running, true);
  } finally {
    await Promise.all([first.stop(), second.stop()]);
  }
});

test('reset, and a token without management scope', () =>
  withEmulator(undefined, async (emu) => {
    await emu.client().applications.create({ name: 'temp', oauth: { type: 'public', redirectUris: [] } });
    emu.reset();
    assert.deepEqual((await emu.client().applications.list()).items, []);
    const token = emu.mintToken({ scope: 'mcp:invoke' });
    await assert.rejects(emu.client({ token }).applications.list(), Forbidden);
  }));

test('bad options and seeds are EmulatorErrors', async () => {
  await assert.rejects(Emulator.start({ faults: 'error_rate=7' }), (e) => e instanceof EmulatorError && /faults/.test(e.message));
  await assert.rejects(Emulator.start({ seed: { applications: [{ description: 'no name' }] } }), EmulatorError);
  await withEmulator(undefined, async (emu) => {
    assert.throws(() => emu.seed({ applications: [{ description: 'no name' }] }), (e) => e instanceof EmulatorError && e.statusCode === 400);
    assert.ok(new KontextManagementClient({ baseUrl: emu.baseUrl, token: 't' }));
  });
});
