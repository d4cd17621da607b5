#!/usr/bin/env node
// Benchmarks of the Node binding against plain fetch and an openapi-fetch client, on an
// emulator that is already running (`kontext-emulator --rate-limit 0`, default credentials).
//
//   node bench/run.mjs --url http://127.0.0.1:PORT [--scenario S | --scenarios S1,S2]
//        [--contenders kontext-node,fetch,openapi-fetch] [--seconds 2] [--reps 3] [--seed-stream N]
//
// Scenarios: get_seq, create_get_seq, concurrent64 (req/s), stream100k (items/s as req/s,
// plus `stream100k_rss`: peak RSS growth in MB), cold_start (require/import + token + first
// call in a fresh process, ms; plus `kontext-node-require`: `require('kontext-mgmt')` alone).
// Prints one JSON object per line:
//   {"contender": "...", "scenario": "...", "value": <float>, "unit": "req/s"|"ms"|"MB", "reps": [...]}
// `value` is the median of the reps. stream100k and cold_start run each rep in a fresh process.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { CONTENDERS } from './contenders.mjs';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const PKG = join(here, '..');

function parseArgs(argv) {
  const out = {
    contenders: Object.keys(CONTENDERS),
    scenarios: ['get_seq', 'create_get_seq', 'concurrent64', 'stream100k', 'cold_start'],
    seconds: 2,
    reps: 3,
    seedStream: 0,
  };
  // Every flag takes a value: `--flag VALUE`.
  const flags = {
    '--url': (v) => ({ url: v }),
    '--contenders': (v) => ({ contenders: v.split(',') }),
    '--scenarios': (v) => ({ scenarios: v.split(',') }),
    '--scenario': (v) => ({ scenarios: v.split(',') }),
    '--seconds': (v) => ({ seconds: Number(v) }),
    '--reps': (v) => ({ reps: Number(v) }),
    '--seed-stream': (v) => ({ seedStream: Number(v) }),
    '--child': (v) => ({ child: v }),
    '--contender': (v) => ({ contender: v }),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = Object.hasOwn(flags, argv[i]) ? flags[argv[i]] : undefined;
    if (!flag) throw new Error(`unknown argument ${argv[i]}`);
    Object.assign(out, flag(argv[i + 1]));
  }
  if (!out.url && out.child !== 'gen') throw new Error('--url URL is required');
  if (!out.url) return out;
  out.url = out.url.replace(/\/+$/, '');
  return out;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => Math.round(x * 100) / 100;

/** The test kit: ms to start an in-process emulator until it listens (then stopped). */
async function kitStart(n = 20) {
  const { Emulator } = createRequire(import.meta.url)(join(PKG, 'lib', 'testing.js'));
  await (await Emulator.start()).stop(); // the first one loads the spec and warms the runtime
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const emu = await Emulator.start();
    times.push(performance.now() - t);
    await emu.stop();
  }
  return times;
}

function emit(contender, scenario, reps, unit) {
  const line = { contender, scenario, value: round(median(reps)), unit, reps: reps.map(round) };
  console.log(JSON.stringify(line));
}

/** Calls `fn` in a loop for `seconds`; returns calls per second. */
async function rate(seconds, fn) {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    await fn(n);
    n += 1;
  }
  return n / ((performance.now() - t0) / 1000);
}

async function concurrentRate(seconds, workers, fn) {
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        await fn(n);
        n += 1;
      }
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

let unique = 0;
const appInput = (tag) => ({
  name: `bench-${tag}-${process.pid}-${Date.now().toString(36)}-${unique++}`,
  oauth: { type: 'public', redirectUris: ['http://localhost/cb'] },
});

async function admin(url, method, path, body) {
  const res = await fetch(`${url}/_emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function seedStream(url, total) {
  const batch = 2000;
  for (let i = 0; i < total; i += batch) {
    const applications = [];
    for (let j = i; j < Math.min(total, i + batch); j++) applications.push({ name: `stream-${String(j).padStart(6, '0')}` });
    await admin(url, 'POST', 'seed', { applications });
  }
}

// ---- child processes (fresh process per rep) --------------------------------------------

async function childStream(args) {
  const c = CONTENDERS[args.contender](args.url);
  await c.setup();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const t0 = performance.now();
  let n = 0;
  for await (const item of c.all(200)) {
    if (item.id) n += 1;
    if ((n & 1023) === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const secs = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(JSON.stringify({ items: n, rate: n / secs, rssGrowthMB: (peak - before) / (1024 * 1024) }));
}

async function childColdStart(args) {
  // From loading the client library to the answer of the first call (token included).
  const t0 = performance.now();
  const c = CONTENDERS[args.contender](args.url);
  await c.setup();
  await c.page({ limit: 1 });
  console.log(JSON.stringify({ ms: performance.now() - t0 }));
}

async function childRequire() {
  const t0 = performance.now();
  const { createRequire } = await import('node:module');
  createRequire(import.meta.url)(PKG);
  console.log(JSON.stringify({ ms: performance.now() - t0 }));
}

async function inChild(args, mode, contender) {
  const { stdout } = await run(
    process.execPath,
    [fileURLToPath(import.meta.url), '--url', args.url, '--child', mode, '--contender', contender],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** The typed client of the openapi-fetch contender is generated from our spec. */
export async function generateOpenapiTypes() {
  await run(process.execPath, [
    join(PKG, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'),
    join(PKG, '..', '..', 'openapi', 'kontext-management.yaml'),
    '-o',
    join(here, '.gen', 'schema.d.ts'),
  ]);
}

// ---- main ------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.child === 'gen') return generateOpenapiTypes();
  if (args.child === 'stream') return childStream(args);
  if (args.child === 'cold') return childColdStart(args);
  if (args.child === 'require') return childRequire(args);

  if (args.contenders.includes('openapi-fetch') && !existsSync(join(here, '.gen', 'schema.d.ts'))) {
    await generateOpenapiTypes();
  }
  if (args.seedStream > 0) await seedStream(args.url, args.seedStream);

  for (const scenario of args.scenarios) {
    if (scenario === 'kit_start') {
      emit('kontext-node-kit', scenario, await kitStart(), 'ms');
      continue;
    }
    for (const name of args.contenders) {
      if (scenario === 'cold_start') {
        const reps = [];
        for (let r = 0; r < args.reps; r++) reps.push((await inChild(args, 'cold', name)).ms);
        emit(name, scenario, reps, 'ms');
        if (name === 'kontext-node') {
          const req = [];
          for (let r = 0; r < args.reps; r++) req.push((await inChild(args, 'require', name)).ms);
          emit('kontext-node-require', scenario, req, 'ms');
        }
        continue;
      }
      if (scenario === 'stream100k') {
        const rates = [];
        const mem = [];
        for (let r = 0; r < Math.min(args.reps, 3); r++) {
          const o = await inChild(args, 'stream', name);
          rates.push(o.rate);
          mem.push(o.rssGrowthMB);
        }
        emit(name, scenario, rates, 'req/s');
        emit(name, 'stream100k_rss', mem, 'MB');
        continue;
      }
      const c = CONTENDERS[name](args.url);
      await c.setup();
      const { application } = await c.create(appInput('get'));
      const ids = [application.id];
      for (let i = 0; i < 63; i++) ids.push((await c.create(appInput('get'))).application.id);
      await rate(0.3, (n) => c.get(ids[n % 64])); // warm up connections and JIT
      const reps = [];
      for (let r = 0; r < args.reps; r++) {
        if (scenario === 'get_seq') reps.push(await rate(args.seconds, () => c.get(application.id)));
        else if (scenario === 'create_get_seq')
          reps.push(await rate(args.seconds, async () => c.get((await c.create(appInput('cg'))).application.id)));
        else if (scenario === 'concurrent64') reps.push(await concurrentRate(args.seconds, 64, (n) => c.get(ids[n % 64])));
        else throw new Error(`unknown scenario ${scenario}`);
      }
      emit(name, scenario, reps, 'req/s');
      c.close();
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
