// Single pages (`{ items, nextCursor }`), lazy auto-pagination with `for await`, resuming
// from a cursor, offset pagination, and errors in the middle of a walk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWithApplications, sdk, uuid } from './helpers.mjs';

const N = 53;
let emu;
let client;
let ids;

before(async () => {
  const names = Array.from({ length: N }, (_, i) => `paged-${String(i).padStart(3, '0')}`);
  ({ emu, client, ids } = await startWithApplications(names));
});
after(() => emu.stop());

async function apiRequests(path) {
  return (await emu.requests(1000)).filter((r) => r.path === path);
}

test('one page: { items, nextCursor }, and the cursor leads to the next page', async () => {
  const first = await client.applications.list({ limit: 20 });
  assert.equal(first.items.length, 20);
  assert.equal(typeof first.nextCursor, 'string');
  const second = await client.applications.list({ limit: 20, cursor: first.nextCursor });
  assert.equal(second.items.length, 20);
  const overlap = second.items.filter((a) => first.items.some((b) => b.id === a.id));
  assert.equal(overlap.length, 0);
  const third = await client.applications.list({ limit: 20, cursor: second.nextCursor });
  assert.equal(third.items.length, N - 40);
  assert.ok(third.nextCursor === undefined || third.nextCursor === null, 'no cursor on the last page');
});

test('listAll walks every item exactly once, in order', async () => {
  const seen = [];
  for await (const app of client.applications.listAll({ limit: 7 })) seen.push(app.id);
  assert.equal(seen.length, N);
  assert.deepEqual([...seen].sort(), [...ids].sort());
  const paged = [];
  let cursor;
  do {
    const page = await client.applications.list({ limit: 7, cursor });
    paged.push(...page.items.map((a) => a.id));
    cursor = page.nextCursor;
  } while (cursor);
  assert.deepEqual(seen, paged, 'same order as walking the pages by hand');
});

test('listAll fetches pages lazily', async () => {
  await emu.reset();
  await emu.seed({ applications: ids.map((id, i) => ({ id, name: `lazy-${i}` })) });
  const c = emu.client();
  const iter = c.applications.listAll({ limit: 10 });
  assert.equal((await apiRequests('/api/v1/applications')).length, 0, 'nothing is fetched before iterating');
  let n = 0;
  for await (const app of iter) {
    assert.equal(typeof app.id, 'string');
    if (++n === 12) break;
  }
  assert.equal((await apiRequests('/api/v1/applications')).length, 2, 'two pages for twelve items');
});

test('listAll resumes from a cursor in params', async () => {
  const first = await client.applications.list({ limit: 25 });
  const rest = [];
  for await (const app of client.applications.listAll({ limit: 10, cursor: first.nextCursor })) rest.push(app.id);
  assert.equal(rest.length, N - 25);
  assert.equal(rest.some((id) => first.items.some((a) => a.id === id)), false);
});

test('offset pagination (traces) walks every page', async () => {
  const userId = `pager_${process.pid}`;
  const traces = Array.from({ length: 23 }, (_, i) => ({
    traceId: uuid(),
    sessionId: `s${i}`,
    ownerUserId: userId,
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
  }));
  await emu.seed({ traces });
  const seen = [];
  for await (const t of client.traces.listAll({ userId, limit: 5 })) seen.push(t.traceId);
  assert.equal(seen.length, 23);
  assert.deepEqual([...seen].sort(), traces.map((t) => t.traceId).sort());
  const byOffset = await client.traces.list({ userId, limit: 5, offset: 20 });
  assert.equal(byOffset.items.length, 3);
});

test('an error in the middle of a walk is thrown by the iterator', async () => {
  const iter = client.applications.listAll({ limit: 10 });
  const first = await iter.next();
  assert.equal(first.done, false);
  for (let i = 0; i < 9; i++) await iter.next();
  await emu.faults({ script: [{ method: 'GET', path: '/api/v1/applications', status: 404, count: 1 }] });
  await assert.rejects(iter.next(), sdk.NotFound);
  await emu.faults(null);
  assert.deepEqual(await iter.next(), { value: undefined, done: true }, 'a failed walk is over');
});

test('many walks in parallel do not interfere', async () => {
  const walks = Array.from({ length: 8 }, async (_, k) => {
    const got = [];
    for await (const app of client.applications.listAll({ limit: 3 + k })) got.push(app.id);
    return got.length;
  });
  const counts = await Promise.all(walks);
  const total = (await client.applications.list({ limit: 200 })).items.length;
  assert.deepEqual(counts, Array(8).fill(total));
});
