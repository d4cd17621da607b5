// The whole surface of `kontext-mgmt`, typed: `tsc --strict --noEmit -p examples` must accept
// it (the test suite runs that). It is also a runnable tour: compile it and run it against an
// emulator with KONTEXT_BASE_URL / KONTEXT_CLIENT_ID / KONTEXT_CLIENT_SECRET set.
import KontextManagementClientDefault, {
  API_VERSION,
  ApiError,
  BadRequest,
  Conflict,
  ConnectionError,
  DecodeError,
  Forbidden,
  InvalidInput,
  KontextError,
  KontextManagementClient,
  NotFound,
  OPERATIONS,
  RateLimited,
  ServerError,
  TimeoutError,
  Unauthorized,
} from 'kontext-mgmt';
import type {
  AccessGraph,
  AgentSessionsListParams,
  Application,
  ApplicationList,
  ApplicationOAuth,
  ConnectionState,
  CreateApplicationInput,
  CreateApplicationResponse,
  Integration,
  IntegrationIdList,
  KontextManagementClientOptions,
  McpEventList,
  OAuthClientType,
  PolicyRule,
  PolicySettings,
  RequestOptions,
  RevokeSessionsResult,
  ServiceAccount,
  ServiceAccountWithCredentials,
  Session,
  Trace,
  TraceDetail,
  TraceStats,
} from 'kontext-mgmt';

// Constructed exactly as the official SDK's docs show.
const options: KontextManagementClientOptions = {
  baseUrl: process.env.KONTEXT_BASE_URL ?? 'https://api.kontext.dev',
  credentials: {
    clientId: process.env.KONTEXT_CLIENT_ID ?? '',
    clientSecret: process.env.KONTEXT_CLIENT_SECRET ?? '',
  },
  apiVersion: 'v1',
  tokenUrl: `${process.env.KONTEXT_BASE_URL ?? 'https://api.kontext.dev'}/oauth2/token`,
  scopes: ['management:all'],
  audience: `${process.env.KONTEXT_BASE_URL ?? 'https://api.kontext.dev'}/api/v1`,
  timeout: 30_000,
  maxRetries: 2,
};
const client = new KontextManagementClient(options);
const same: KontextManagementClient = new KontextManagementClientDefault({ token: 'a-token' });
const hasty: KontextManagementClient = client.withOptions({ timeout: 1_000, maxRetries: 0 });
const perCall: RequestOptions = { timeout: 5_000, signal: AbortSignal.timeout(10_000) };

// Enums are string-literal unions that still accept values a newer server may send.
const kind: OAuthClientType = 'confidential';
const future: OAuthClientType = 'some-future-type';
const state: ConnectionState = 'connected';

async function tour(): Promise<void> {
  console.log(API_VERSION, OPERATIONS.length, same.baseUrl, hasty.baseUrl, future, state);
  await client.refreshToken();
  client.clearToken();

  // applications
  const input: CreateApplicationInput = {
    name: 'typed-example',
    description: 'made by examples/typed.ts',
    oauth: { type: kind, redirectUris: ['https://example.com/callback'], pkceRequired: true },
  };
  const created: CreateApplicationResponse = await client.applications.create(input);
  const app: Application = created.application;
  const oauth: ApplicationOAuth = created.oauth;
  const secret: string | undefined = oauth.clientSecret;
  const page: ApplicationList = await client.applications.list({ limit: 20 });
  const next: string | null | undefined = page.nextCursor;
  await client.applications.list({ limit: 20, cursor: next ?? undefined, all: true }, perCall);
  const controller = new AbortController();
  for await (const a of client.applications.listAll({ limit: 50 }, { signal: controller.signal })) {
    if (a.name === 'stop') controller.abort();
  }
  for await (const a of client.applications.listAll({ limit: 200 })) {
    const name: string = a.name;
    const description: string | null | undefined = a.description;
    console.log(name, description, a.sessions?.active);
  }
  const { application } = await client.applications.get(app.id);
  await client.applications.update(application.id, { name: 'renamed', description: null });
  await client.applications.getOAuth(app.id);
  await client.applications.updateOAuth(app.id, { redirectUris: ['https://example.com/other'] });
  const rotated: { oauth: ApplicationOAuth } = await client.applications.rotateSecret(app.id);
  const graph: AccessGraph = await client.applications.accessGraph();
  for (const n of graph.nodes) console.log(n.id, n.type);

  // integrations
  const { integration } = await client.integrations.create({
    name: 'GitHub',
    url: 'https://mcp.github.com/sse',
    authMode: 'oauth',
    category: 'gateway_remote_mcp',
    oauth: { provider: 'github', scopes: ['repo'] },
  });
  const i: Integration = integration;
  await client.integrations.get(i.id);
  await client.integrations.update(i.id, { name: 'GitHub (work)' });
  await client.integrations.list({ limit: 50 });
  for await (const it of client.integrations.listAll()) console.log(it.url, it.validationStatus);
  const validation = await client.integrations.validate(i.id);
  console.log(validation.status, validation.message);
  await client.integrations.setOAuthConfig(i.id, {
    clientId: 'id',
    clientSecret: 'secret',
    authorizationUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
  });
  const cfg = await client.integrations.getOAuthConfig(i.id);
  const configured: boolean = cfg.oauth.clientSecretConfigured;
  await client.integrations.deleteOAuthConfig(i.id);
  await client.integrations.addConnection(i.id, { token: 'user-token', displayName: 'me' });
  const conn = await client.integrations.getConnectionStatus(i.id);
  const connected: boolean = conn.connection.connected;
  await client.integrations.revokeConnection(i.id);

  const ids: IntegrationIdList = await client.applications.setIntegrations(app.id, { integrationIds: [i.id] });
  await client.applications.listIntegrations(app.id);
  await client.applications.attachIntegration(app.id, i.id);
  // biome-ignore lint/suspicious/noConfusingVoidType: the example checks that the method's type is void
  const nothing: void = await client.applications.detachIntegration(app.id, i.id);

  // service accounts
  const sa: ServiceAccountWithCredentials = await client.serviceAccounts.create({ name: 'ci-bot', description: 'CI' });
  const account: ServiceAccount = (await client.serviceAccounts.get(sa.serviceAccount.id)).serviceAccount;
  await client.serviceAccounts.list({ limit: 10 });
  for await (const s of client.serviceAccounts.listAll()) console.log(s.lastUsedAt);
  const newSecret: string = (await client.serviceAccounts.rotateSecret(account.id)).credentials.clientSecret;
  await client.serviceAccounts.revoke(account.id);

  // agent sessions
  const filter: AgentSessionsListParams = { status: 'all', limit: 100, includeInactive: true };
  const sessions: Session[] = (await client.agentSessions.list(app.id, filter)).items;
  if (sessions[0]) {
    const { session } = await client.agentSessions.get(app.id, sessions[0].id);
    console.log(session.derivedStatus, session.clientInfo);
  }
  const revoked: RevokeSessionsResult = await client.agentSessions.revokeAll(app.id);
  console.log(revoked.disconnectedCount);

  // traces, events, policies
  const traces: Trace[] = (await client.traces.list({ userId: 'u', limit: 10, offset: 0 })).items;
  for await (const t of client.traces.listAll({ applicationId: app.id })) console.log(t.traceId);
  if (traces[0]) {
    const detail: TraceDetail = await client.traces.get(traces[0].traceId, { userId: 'u' });
    console.log(detail.events.map((e) => e.toolName));
  }
  const stats: TraceStats = await client.traces.stats({ period: '7d' });
  const p95: number = stats.latency.p95;
  const events: McpEventList = await client.events.list({ limit: 50 });
  const settings: PolicySettings = await client.policies.getSettings();
  const rules: PolicyRule[] = await client.policies.listRules();

  await client.applications.archive(app.id);
  await client.integrations.archive(i.id);
  console.log(secret, rotated, configured, connected, ids, nothing, newSecret, p95, events, settings, rules);
}

// Errors: one hierarchy, with the official SDK's fields.
async function errors(): Promise<void> {
  try {
    await client.applications.get('00000000-0000-4000-8000-000000000000');
  } catch (e) {
    if (e instanceof NotFound) {
      const status: number = e.statusCode;
      const requestId: string | undefined = e.requestId;
      console.log(status, requestId, e.code, e.body);
    } else if (e instanceof RateLimited) {
      const wait: number | undefined = e.retryAfter;
      console.log(wait);
    } else if (e instanceof BadRequest) {
      console.log(e.validationErrors?.join('; '));
    } else if (e instanceof ApiError) {
      console.log(e.status);
    } else if (
      e instanceof ConnectionError ||
      e instanceof TimeoutError ||
      e instanceof DecodeError ||
      e instanceof InvalidInput
    ) {
      console.log(e.name, e.message);
    } else if (e instanceof KontextError) {
      console.log(e.code);
    }
    const classes = [Unauthorized, Forbidden, Conflict, ServerError];
    console.log(classes.map((c) => c.name));
  }
}

tour()
  .then(errors)
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
