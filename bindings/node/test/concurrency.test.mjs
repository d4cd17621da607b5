// 64 requests in flight, answers matched to their calls, and the event loop free while
// requests wait on the network (timings compared only as ratios).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWithApplications, sdk, PKG_DIR, CLIENT_ID, CLIENT_SECRET } from './helpers.mjs';

const run = promisify(execFile);

let emu;
let client;
let ids;

before(async () => {
  ({ emu, client, ids } = await startWithApplications(Array.from({ length: 64 }, (_, i) => `conc-${i}`)));
  await client.applications.list({ limit: 1 }); // token and a first connection
});
after(() => emu.stop());

test('64 concurrent calls each get their own answer', async () => {
  const results = await Promise.all(ids.map((id) => client.applications.get(id)));
  results.forEach((r, i) => {
    assert.equal(r.application.id, ids[i]);
  });
  // and a larger burst of mixed operations
  const mixed = await Promise.all(
    Array.from({ length: 512 }, (_, i) =>
      i % 2 ? client.applications.get(ids[i % 64]).then((r) => r.application.id) : client.policies.getSettings().then(() => 'ok'),
    ),
  );
  mixed.forEach((v, i) => {
    assert.equal(v, i % 2 ? ids[i % 64] : 'ok');
  });
});

test('64 in flight overlap: they take far less than 8 sequential calls', async () => {
  const latencyMs = 150;
  await emu.faults({ latencyMs, paths: '/api/v1/applications/*' });
  try {
    let t0 = performance.now();
    for (const id of ids.slice(0, 8)) await client.applications.get(id);
    const sequential8 = performance.now() - t0;

    t0 = performance.now();
    await Promise.all(ids.map((id) => client.applications.get(id)));
    const concurrent64 = performance.now() - t0;

    // 8x the requests in less than half the time of 8 sequential ones.
    assert.ok(concurrent64 < sequential8 / 2, `64 concurrent: ${concurrent64.toFixed(0)} ms, 8 sequential: ${sequential8.toFixed(0)} ms`);
  } finally {
    await emu.faults(null);
  }
});

test('the event loop keeps running while requests wait', async () => {
  await emu.faults({ latencyMs: 300, paths: '/api/v1/applications/*' });
  try {
    const period = 5;
    const ticks = [];
    const timer = setInterval(() => ticks.push(performance.now()), period);
    const t0 = performance.now();
    await Promise.all(ids.map((id) => client.applications.get(id)));
    for (const id of ids.slice(0, 2)) await client.applications.get(id);
    const elapsed = performance.now() - t0;
    clearInterval(timer);

    const expected = elapsed / period;
    assert.ok(ticks.length >= expected * 0.25, `${ticks.length} ticks in ${elapsed.toFixed(0)} ms (expected ~${expected.toFixed(0)})`);
    let maxGap = 0;
    for (let i = 1; i < ticks.length; i++) maxGap = Math.max(maxGap, ticks[i] - ticks[i - 1]);
    assert.ok(maxGap < elapsed / 3, `longest pause of the event loop: ${maxGap.toFixed(1)} ms of ${elapsed.toFixed(0)} ms`);
  } finally {
    await emu.faults(null);
  }
});

test('a pending request keeps the process alive until it settles', async () => {
  await emu.faults({ latencyMs: 300, paths: '/api/v1/applications/*' });
  try {
    const script = `
      const { KontextManagementClient } = require(${JSON.stringify(PKG_DIR)});
      const c = new KontextManagementClient({ baseUrl: process.argv[1], credentials: { clientId: process.argv[2], clientSecret: process.argv[3] } });
      c.applications.get(process.argv[4]).then((r) => console.log('got ' + r.application.id));
    `;
    const { stdout } = await run(process.execPath, ['-e', script, emu.url, CLIENT_ID, CLIENT_SECRET, ids[0]]);
    assert.equal(stdout.trim(), `got ${ids[0]}`);
  } finally {
    await emu.faults(null);
  }
});

test('clients in worker threads, and a worker terminated mid-request, do not disturb the process', async () => {
  const script = `
    const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
    const { KontextManagementClient } = require(${JSON.stringify(PKG_DIR)});
    const [url, id, secret] = isMainThread ? process.argv.slice(2) : workerData.args;
    const client = new KontextManagementClient({ baseUrl: url, credentials: { clientId: id, clientSecret: secret } });
    if (isMainThread) {
      const args = [url, id, secret];
      const doomed = new Worker(__filename, { workerData: { args, n: 0 } });
      setTimeout(() => doomed.terminate(), 20);
      const workers = [1, 2, 3].map((n) => new Promise((res, rej) => {
        const w = new Worker(__filename, { workerData: { args, n } });
        w.once('message', res);
        w.once('error', rej);
      }));
      Promise.all([...workers, client.policies.getSettings().then(() => 'main:ok')]).then((r) => console.log(r.join(' ')));
    } else {
      Promise.all(Array.from({ length: 16 }, () => client.applications.list({ limit: 1 })))
        .then((pages) => parentPort && parentPort.postMessage(workerData.n + ':' + pages.length));
    }
  `;
  const file = join(await mkdtemp(join(tmpdir(), 'kontext-workers-')), 'workers.cjs');
  await writeFile(file, script);
  await emu.faults({ latencyMs: 50, paths: '/api/v1/applications' });
  try {
    const { stdout } = await run(process.execPath, [file, emu.url, CLIENT_ID, CLIENT_SECRET]);
    assert.equal(stdout.trim(), '1:16 2:16 3:16 main:ok');
  } finally {
    await emu.faults(null);
  }
});

test('an AbortSignal cancels a call and a walk', async () => {
  await emu.faults({ latencyMs: 2000, paths: '/api/v1/applications*' });
  try {
    const controller = new AbortController();
    const t0 = performance.now();
    const call = client.applications.get(ids[0], { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(call, (e) => e.name === 'AbortError');
    assert.ok(performance.now() - t0 < 1500, 'rejected on abort, not when the server answered');

    await assert.rejects(client.applications.get(ids[0], { signal: AbortSignal.abort() }), (e) => e.name === 'AbortError');
    const reason = new Error('user gave up');
    const c2 = new AbortController();
    const walk = client.applications.listAll({ limit: 5 }, { signal: c2.signal });
    setTimeout(() => c2.abort(reason), 50);
    await assert.rejects(walk.next(), (e) => e === reason);
    await assert.rejects(client.applications.get(ids[0], { signal: 'nope' }), sdk.InvalidInput);
  } finally {
    await emu.faults(null);
  }
  // the client is fine afterwards, and a signal that never fires changes nothing
  const r = await client.applications.get(ids[1], { signal: new AbortController().signal });
  assert.equal(r.application.id, ids[1]);
});
