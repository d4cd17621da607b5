// Calls that must NOT type-check: each line carries `@ts-expect-error`, so `tsc` fails if the
// declarations ever accept it (for instance if a method degraded to `any`).
import { KontextManagementClient } from 'kontext-mgmt';
import type { Application, OAuthClientType } from 'kontext-mgmt';

export async function misuse(client: KontextManagementClient): Promise<void> {
  // @ts-expect-error: ids are strings
  await client.applications.get(42);
  // @ts-expect-error: update needs a body
  await client.applications.update('id');
  // @ts-expect-error: unknown method
  await client.applications.delete('id');
  // @ts-expect-error: unknown namespace
  await client.widgets.list();
  // @ts-expect-error: limit is a number
  await client.applications.list({ limit: '20' });
  // @ts-expect-error: unknown query parameter
  await client.applications.list({ page: 2 });
  // @ts-expect-error: `name` is required
  await client.applications.create({ oauth: { redirectUris: [] } });
  // @ts-expect-error: attachIntegration takes two ids
  await client.applications.attachIntegration('app');
  // @ts-expect-error: archive resolves to void
  const archived: { application: Application } = await client.applications.archive('id');
  // @ts-expect-error: an enum is a string, not a number
  const t: OAuthClientType = 1;
  // @ts-expect-error: the official option is `credentials: { clientId, clientSecret }`
  new KontextManagementClient({ baseUrl: 'x', clientSecret: 's' });
  // @ts-expect-error: items are Applications
  for await (const app of client.applications.listAll()) { const n: number = app.name; console.log(n); }
  console.log(archived, t);
}
