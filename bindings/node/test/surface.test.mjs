// Every namespace and every method of the generated surface, against the emulator, with
// the documented return shapes. A final test checks that each operation of the spec was
// called at least once here (the list comes from the generated OPERATIONS table).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, sdk, unique, uuid } from './helpers.mjs';

let emu;
let client;
const called = new Set();

before(async () => {
  emu = await startEmulator();
  client = emu.client();
  // Record which generated methods run (wrapping the instances, not the package).
  for (const op of sdk.OPERATIONS) {
    const ns = client[op.namespace];
    for (const name of op.paginated ? [op.method, `${op.method}All`] : [op.method]) {
      const original = ns[name];
      assert.equal(typeof original, 'function', `${op.namespace}.${name} exists`);
      ns[name] = function (...args) {
        called.add(op.id);
        return original.apply(this, args);
      };
    }
  }
});
after(() => emu.stop());

const isoDate = (s) => typeof s === 'string' && !Number.isNaN(Date.parse(s));

async function newIntegration(extra = {}) {
  const { integration } = await client.integrations.create({
    name: unique('int'),
    url: 'https://mcp.example.com/sse',
    authMode: 'none',
    category: 'gateway_remote_mcp',
    ...extra,
  });
  return integration;
}

test('applications: create, get, update, list, OAuth, secrets, archive', async () => {
  const name = unique('app');
  const created = await client.applications.create({
    name,
    description: 'made by the node tests',
    oauth: { type: 'confidential', redirectUris: ['https://example.com/callback'] },
  });
  assert.deepEqual(Object.keys(created).sort(), ['application', 'oauth']);
  const app = created.application;
  assert.equal(app.name, name);
  assert.equal(app.description, 'made by the node tests');
  assert.ok(isoDate(app.createdAt));
  assert.equal(created.oauth.type, 'confidential');
  assert.equal(typeof created.oauth.clientSecret, 'string');
  assert.ok(created.oauth.clientSecret.length > 10);

  const got = await client.applications.get(app.id);
  assert.deepEqual(Object.keys(got), ['application']);
  assert.equal(got.application.id, app.id);

  const updated = await client.applications.update(app.id, { description: 'changed' });
  assert.equal(updated.application.description, 'changed');
  assert.equal(updated.application.name, name);

  const page = await client.applications.list({ limit: 200 });
  assert.ok(Array.isArray(page.items));
  assert.ok(page.items.some((a) => a.id === app.id));

  const oauth = await client.applications.getOAuth(app.id);
  assert.deepEqual(Object.keys(oauth), ['oauth']);
  assert.equal(oauth.oauth.clientSecret, undefined, 'the secret is only shown on create/rotate');
  assert.deepEqual(oauth.oauth.redirectUris, ['https://example.com/callback']);

  const changed = await client.applications.updateOAuth(app.id, { redirectUris: ['https://example.com/other'] });
  assert.deepEqual(changed.oauth.redirectUris, ['https://example.com/other']);

  const rotated = await client.applications.rotateSecret(app.id);
  assert.equal(typeof rotated.oauth.clientSecret, 'string');
  assert.notEqual(rotated.oauth.clientSecret, created.oauth.clientSecret);

  const graph = await client.applications.accessGraph();
  assert.ok(Array.isArray(graph.nodes) && Array.isArray(graph.edges));
  assert.ok(graph.nodes.some((n) => n.id === app.id && n.type === 'application'));

  assert.equal(await client.applications.archive(app.id), undefined, 'archive resolves to void');
  await assert.rejects(client.applications.get(app.id), sdk.NotFound);
});

test('applications: integrations attach, detach, set, list', async () => {
  const { application: app } = await client.applications.create({
    name: unique('app'),
    oauth: { type: 'public', redirectUris: ['http://localhost/cb'] },
  });
  const a = await newIntegration();
  const b = await newIntegration();
  assert.deepEqual(await client.applications.listIntegrations(app.id), { integrationIds: [] });
  const attached = await client.applications.attachIntegration(app.id, a.id);
  assert.deepEqual(attached.integrationIds, [a.id]);
  const set = await client.applications.setIntegrations(app.id, { integrationIds: [a.id, b.id] });
  assert.deepEqual([...set.integrationIds].sort(), [a.id, b.id].sort());
  assert.equal(await client.applications.detachIntegration(app.id, a.id), undefined);
  assert.deepEqual((await client.applications.listIntegrations(app.id)).integrationIds, [b.id]);
});

test('integrations: create, get, update, list, validate, OAuth config, connections, archive', async () => {
  const integ = await newIntegration();
  assert.equal(integ.authMode, 'none');
  assert.ok(isoDate(integ.updatedAt));
  assert.equal((await client.integrations.get(integ.id)).integration.id, integ.id);
  const renamed = unique('renamed');
  assert.equal((await client.integrations.update(integ.id, { name: renamed })).integration.name, renamed);
  const page = await client.integrations.list({ limit: 200 });
  assert.ok(page.items.some((i) => i.id === integ.id));
  const v = await client.integrations.validate(integ.id);
  assert.ok(['valid', 'invalid', 'error'].includes(v.status) || typeof v.status === 'string');

  const oauthInt = await newIntegration({ authMode: 'oauth', oauth: { provider: 'github' } });
  const set = await client.integrations.setOAuthConfig(oauthInt.id, {
    clientId: 'gh-client',
    clientSecret: 'gh-secret-value',
    authorizationUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    scopes: ['repo'],
  });
  assert.equal(set.oauth.clientId, 'gh-client');
  assert.equal(set.oauth.clientSecretConfigured, true);
  assert.equal(JSON.stringify(set).includes('gh-secret-value'), false, 'the override secret is never echoed');
  assert.equal((await client.integrations.getOAuthConfig(oauthInt.id)).oauth.tokenUrl, 'https://github.com/login/oauth/access_token');
  assert.equal(await client.integrations.deleteOAuthConfig(oauthInt.id), undefined);
  await assert.rejects(client.integrations.getOAuthConfig(oauthInt.id), sdk.NotFound);

  const userInt = await newIntegration({ authMode: 'user_token' });
  const before = await client.integrations.getConnectionStatus(userInt.id);
  assert.equal(before.connection.connected, false);
  const added = await client.integrations.addConnection(userInt.id, { token: 'user-token-value', displayName: 'me' });
  assert.equal(added.connection.connected, true);
  assert.equal(added.connection.integrationId, userInt.id);
  assert.equal((await client.integrations.getConnectionStatus(userInt.id)).connection.status, 'connected');
  assert.equal(await client.integrations.revokeConnection(userInt.id), undefined);
  assert.equal((await client.integrations.getConnectionStatus(userInt.id)).connection.connected, false);

  assert.equal(await client.integrations.archive(integ.id), undefined);
  await assert.rejects(client.integrations.get(integ.id), sdk.NotFound);
});

test('serviceAccounts: create, get, list, rotateSecret, revoke', async () => {
  const name = unique('sa');
  const created = await client.serviceAccounts.create({ name, description: 'bot' });
  assert.deepEqual(Object.keys(created).sort(), ['credentials', 'serviceAccount']);
  assert.equal(created.serviceAccount.name, name);
  assert.equal(created.credentials.clientId, created.serviceAccount.clientId);
  assert.equal(typeof created.credentials.clientSecret, 'string');

  // The new credentials work: a second client authenticates with them.
  const other = new sdk.KontextManagementClient({ baseUrl: emu.url, credentials: created.credentials });
  assert.equal((await other.serviceAccounts.get(created.serviceAccount.id)).serviceAccount.id, created.serviceAccount.id);

  const page = await client.serviceAccounts.list({ limit: 200 });
  assert.ok(page.items.some((s) => s.id === created.serviceAccount.id));
  const rotated = await client.serviceAccounts.rotateSecret(created.serviceAccount.id);
  assert.notEqual(rotated.credentials.clientSecret, created.credentials.clientSecret);
  assert.equal(await client.serviceAccounts.revoke(created.serviceAccount.id), undefined);
  await assert.rejects(client.serviceAccounts.get(created.serviceAccount.id), sdk.NotFound);
});

test('agentSessions: list (status filter), get, revokeAll', async () => {
  const { application: app } = await client.applications.create({
    name: unique('agent'),
    oauth: { type: 'public', redirectUris: ['http://localhost/cb'] },
  });
  const [s1, s2, s3] = [uuid(), uuid(), uuid()];
  await emu.seed({
    sessions: [
      { id: s1, agentId: app.id, name: 'one', status: 'active', hostname: 'laptop' },
      { id: s2, agentId: app.id, name: 'two', status: 'active' },
      { id: s3, agentId: app.id, name: 'three', status: 'disconnected' },
    ],
  });
  const active = await client.agentSessions.list(app.id);
  assert.deepEqual(active.items.map((s) => s.id).sort(), [s1, s2].sort());
  const all = await client.agentSessions.list(app.id, { status: 'all', limit: 10 });
  assert.equal(all.items.length, 3);
  const one = await client.agentSessions.get(app.id, s1);
  assert.deepEqual(Object.keys(one), ['session']);
  assert.equal(one.session.hostname, 'laptop');
  const revoked = await client.agentSessions.revokeAll(app.id);
  assert.equal(revoked.success, true);
  assert.equal(revoked.disconnectedCount, 2);
  assert.equal((await client.agentSessions.list(app.id)).items.length, 0);
});

test('traces, events and policies: list, get, stats, settings, rules', async () => {
  const traceId = uuid();
  const userId = `user_${process.pid}`;
  await emu.seed({
    events: [
      { id: uuid(), traceId, status: 'ok', toolName: 'search', durationMs: 12, authenticatedUserId: userId },
      { id: uuid(), traceId, status: 'error_remote', toolName: 'search', durationMs: 30, authenticatedUserId: userId },
    ],
    traces: [{ traceId, sessionId: 'sess-1', ownerUserId: userId }],
    policy: { policyEnabled: true, rules: [{ action: 'deny', scope: 'tool', level: 'org', toolName: 'rm' }] },
  });
  const list = await client.traces.list({ userId, limit: 10 });
  assert.ok(list.items.some((t) => t.traceId === traceId));
  const detail = await client.traces.get(traceId, { userId });
  assert.equal(detail.trace.traceId, traceId);
  assert.equal(detail.trace.eventCount, 2);
  assert.equal(detail.events.length, 2);
  const stats = await client.traces.stats({ period: '7d' });
  assert.equal(typeof stats.totalTraces, 'number');
  assert.equal(typeof stats.latency.p50, 'number');
  const events = await client.events.list({ limit: 100 });
  assert.ok(Array.isArray(events.items));
  assert.equal((await client.policies.getSettings()).policyEnabled, true);
  const rules = await client.policies.listRules();
  assert.ok(Array.isArray(rules));
  assert.deepEqual(rules, [{ action: 'deny', scope: 'tool', level: 'org', toolName: 'rm' }]);
});

test('listAll iterators exist for every paginated operation and walk it', async () => {
  for (const op of sdk.OPERATIONS.filter((o) => o.paginated)) {
    const iter = client[op.namespace][`${op.method}All`]();
    assert.equal(typeof iter[Symbol.asyncIterator], 'function', `${op.namespace}.${op.method}All`);
    let n = 0;
    for await (const item of iter) {
      assert.equal(typeof item, 'object');
      if (++n >= 3) break;
    }
  }
});

test('refreshToken and clearToken', async () => {
  const fresh = emu.client();
  const before = (await emu.stats()).tokensMinted;
  await fresh.refreshToken();
  assert.equal((await emu.stats()).tokensMinted, before + 1, 'refreshToken fetches a token now');
  await fresh.applications.list({ limit: 1 });
  assert.equal((await emu.stats()).tokensMinted, before + 1, 'the cached token is reused');
  fresh.clearToken();
  await fresh.applications.list({ limit: 1 });
  assert.equal((await emu.stats()).tokensMinted, before + 2, 'clearToken makes the next call fetch one');
});

test('policies: the Cedar policy with ETags, versions, templates, actions, replay, blocked', async () => {
  const checked = await client.policies.validate({ policyText: 'permitt(principal, action, resource);' });
  assert.equal(checked.valid, false);
  assert.deepEqual([checked.diagnostics[0].start, checked.diagnostics[0].end], [0, 7]);
  const written = await client.policies.putPolicy({ policyText: 'permit(principal, action, resource);' }, { ifNoneMatch: '*' });
  assert.match(written.etag, /^".+"$/);
  const read = await client.policies.getPolicy();
  assert.equal(read.etag, written.etag);
  assert.equal((await client.policies.getVersion(written.policyVersionId)).id, written.policyVersionId);
  const { items: templates } = await client.policies.listRuleTemplates();
  const deployment = await client.policies.getDeployment();
  const added = await client.policies.applyAction({ action: 'add', templateId: templates[0].id }, { ifMatch: deployment.etag });
  assert.notEqual(added.etag, deployment.etag);
  const policyId = added.observing.policies.at(-1).policyId;
  await assert.rejects(
    client.policies.applyAction({ action: 'enforce', policyId }, { ifMatch: deployment.etag }),
    (e) => e instanceof sdk.PreconditionFailed && e.statusCode === 412,
  );
  await assert.rejects(
    client.policies.applyAction({ action: 'enforce', policyId }),
    (e) => e instanceof sdk.PreconditionRequired && e.statusCode === 428,
  );
  const enforced = await client.policies.applyAction({ action: 'enforce', policyId }, { ifMatch: added.etag });
  assert.ok(enforced.enforced.policies.some((p) => p.policyId === policyId));
  const versions = [];
  for await (const v of client.policies.listVersionsAll({ limit: 2 })) versions.push(v.id);
  assert.ok(versions.length >= 3);
  assert.equal((await client.policies.listVersions({ limit: 1 })).items.length, 1);
  assert.equal((await client.policies.replay({ days: 7 })).days, 7);
  assert.ok(Array.isArray((await client.policies.listBlocked({ days: 7 })).items));
  const current = await client.policies.getPolicy();
  await assert.rejects(
    client.policies.putPolicy({ policyText: 'permitt(principal, action, resource);' }, { ifMatch: current.etag }),
    (e) => e instanceof sdk.UnprocessableEntity && e.diagnostics.length > 0 && e.diagnostics[0].policyId === 'policy0',
  );
});

test('settings, decisions, releases, install and SCIM tokens, directory', async () => {
  const settings = await client.policies.getSettings();
  const changed = await client.policies.updateSettings({ payloadCaptureMode: 'metadata', expectedUpdatedAt: settings.updatedAt });
  assert.equal(changed.payloadCaptureMode, 'metadata');
  const page = await client.decisions.list({ limit: 3, provider: 'github' });
  assert.ok(page.items.every((d) => d.provider === 'github'));
  assert.equal((await client.decisions.get(page.items[0].id)).decision.id, page.items[0].id);
  const denied = [];
  for await (const d of client.decisions.listAll({ limit: 50, decisionResult: 'deny' })) denied.push(d.decisionResult);
  assert.ok(denied.length > 0 && denied.every((r) => r === 'deny'));
  const releases = [];
  for await (const r of client.releases.listAll({ limit: 2 })) releases.push(r.version);
  const { release } = await client.releases.getLatest();
  assert.ok(releases.includes(release.version));
  const url = await client.releases.createDownloadUrl(release.version, 'package');
  assert.match(url.url, /^http/);
  const created = await client.installTokens.create({ label: 'ci' });
  assert.equal(typeof created.token, 'string');
  const listed = await client.installTokens.list();
  assert.ok(listed.items.some((t) => t.sha256 === created.installToken.sha256));
  assert.ok((await client.installTokens.revoke(created.installToken.sha256)).installToken.revokedAt);
  const scim = await client.directory.createScimToken({ label: 'entra-prod' });
  assert.ok((await client.directory.listScimTokens()).items.some((t) => t.sha256 === scim.scimToken.sha256));
  assert.ok((await client.directory.getStatus()).activeTokenCount >= 1);
  await client.directory.revokeScimToken(scim.scimToken.sha256);
  const groups = [];
  for await (const g of client.directory.listGroupsAll({ limit: 5 })) groups.push(g.id);
  assert.ok(groups.length > 0);
  const states = (await client.directory.getReconciliation()).items.map((i) => i.state);
  assert.ok(states.includes('matched') && states.includes('unmatched'));
});

test('every operation of the spec was called', () => {
  const missing = sdk.OPERATIONS.map((o) => o.id).filter((id) => !called.has(id));
  assert.deepEqual(missing, []);
  assert.equal(sdk.OPERATIONS.length >= 39, true);
});
