// The three Node contenders doing the same calls on the same emulator:
// - kontext-node:   this package (native Rust core)
// - fetch:          Node's global fetch (undici), token fetched once, JSON by hand
// - openapi-fetch:  a client generated from our spec (openapi-typescript types +
//                   openapi-fetch), token fetched once
// Each exposes: get(id), create(input), page({ limit, cursor }) -> { items, nextCursor },
// and setup() / close().
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const CLIENT_ID = process.env.KONTEXT_CLIENT_ID || 'sa_11111111-1111-4111-8111-111111111111';
export const CLIENT_SECRET = process.env.KONTEXT_CLIENT_SECRET || 'kontext-emulator-secret';

async function fetchToken(url) {
  const res = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: 'management:all',
      audience: `${url}/api/v1`,
    }),
  });
  if (!res.ok) throw new Error(`token: ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}

export function kontext(url) {
  const { KontextManagementClient } = require(join(here, '..'));
  const client = new KontextManagementClient({ baseUrl: url, credentials: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } });
  return {
    name: 'kontext-node',
    setup: () => client.refreshToken(),
    get: (id) => client.applications.get(id),
    create: (input) => client.applications.create(input),
    page: (params) => client.applications.list(params),
    async *all(limit) {
      yield* client.applications.listAll({ limit });
    },
    close() {},
  };
}

export function plainFetch(url) {
  const api = `${url}/api/v1`;
  let headers;
  async function call(method, path, body) {
    const res = await fetch(api + path, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  }
  return {
    name: 'fetch',
    async setup() {
      headers = { authorization: `Bearer ${await fetchToken(url)}`, accept: 'application/json' };
    },
    get: (id) => call('GET', `/applications/${encodeURIComponent(id)}`),
    create: (input) => call('POST', '/applications', input),
    page: ({ limit, cursor }) =>
      call('GET', `/applications?${new URLSearchParams(cursor ? { limit: String(limit), cursor } : { limit: String(limit) })}`),
    async *all(limit) {
      let cursor;
      do {
        const page = await this.page({ limit, cursor });
        yield* page.items;
        cursor = page.nextCursor;
      } while (cursor);
    },
    close() {},
  };
}

export function openapiFetch(url) {
  const createClient = require('openapi-fetch').default;
  /** @type {import('openapi-fetch').Client<import('./.gen/schema').paths>} */
  let client;
  const unwrap = ({ data, error, response }) => {
    if (error !== undefined || !response.ok) throw new Error(`${response.status} ${JSON.stringify(error)}`);
    return data;
  };
  return {
    name: 'openapi-fetch',
    async setup() {
      const token = await fetchToken(url);
      client = createClient({ baseUrl: `${url}/api/v1`, headers: { authorization: `Bearer ${token}` } });
    },
    get: (id) => client.GET('/applications/{id}', { params: { path: { id } } }).then(unwrap),
    create: (input) => client.POST('/applications', { body: input }).then(unwrap),
    page: ({ limit, cursor }) => client.GET('/applications', { params: { query: { limit, cursor } } }).then(unwrap),
    async *all(limit) {
      let cursor;
      do {
        const page = await this.page({ limit, cursor });
        yield* page.items;
        cursor = page.nextCursor;
      } while (cursor);
    },
    close() {},
  };
}

export const CONTENDERS = { 'kontext-node': kontext, fetch: plainFetch, 'openapi-fetch': openapiFetch };
