// Client options that no emulator answer shows: what reaches the wire, and what is refused
// before anything is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { sdk } from './helpers.mjs';

async function recorder() {
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"statusCode": 404, "message": "nothing here"}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close: () => server.close() };
}

test('userAgent is appended to the SDK’s own User-Agent', async () => {
  const r = await recorder();
  try {
    const client = new sdk.KontextManagementClient({ baseUrl: r.url, token: 't0ken', userAgent: 'my-tool/2.1' });
    await assert.rejects(client.applications.get('a1'), sdk.NotFound);
    const agent = r.seen.at(-1)['user-agent'];
    assert.ok(agent.endsWith(' my-tool/2.1'), agent);
    assert.match(agent, /node\//);
  } finally {
    r.close();
  }
});

for (const value of [0, -1, Number.NaN, '5']) {
  test(`connectTimeout ${String(value)} is refused before anything is sent`, () => {
    assert.throws(
      () => new sdk.KontextManagementClient({ baseUrl: 'http://127.0.0.1:9', token: 't0ken', connectTimeout: value }),
      (e) => e instanceof sdk.InvalidInput && /connectTimeout/.test(e.message),
    );
  });
}
