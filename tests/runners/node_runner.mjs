// Conformance runner for the Node binding (tests/scenarios/README.md).
// Usage: node node_runner.mjs --url http://127.0.0.1:PORT --out target/scenarios/node.txt
// Every API step goes through the package's public, generated surface:
// client.<namespace>.<method>(...pathIds, data?, params?, options?) — the operationId is
// looked up in the package's OPERATIONS table and the arguments are placed by the
// method's parameter names; a walk uses <method>All.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as kontext from '../../bindings/node/index.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENT_ID = 'sa_11111111-1111-4111-8111-111111111111';
const CLIENT_SECRET = 'kontext-emulator-secret';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const UUID_ONLY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;
const VOLATILE_KEY = /secret|token|cursor|requestid|sha256/i;

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

class Normalizer {
  constructor(base) {
    this.base = base;
    this.seen = new Map();
    this.counts = new Map();
  }
  num(kind, value) {
    const key = `${kind}\u0000${value}`;
    if (!this.seen.has(key)) {
      const n = (this.counts.get(kind) ?? 0) + 1;
      this.counts.set(kind, n);
      this.seen.set(key, n);
    }
    return `<${kind}:${this.seen.get(key)}>`;
  }
  value(v, key = '') {
    if (Array.isArray(v)) return v.map((x) => this.value(x, key));
    if (v !== null && typeof v === 'object') {
      const out = {};
      for (const k of Object.keys(v).sort(cmp)) out[k] = this.value(v[k], k);
      return out;
    }
    if (typeof v === 'string') {
      if (TIMESTAMP.test(v)) return '<timestamp>';
      if (VOLATILE_KEY.test(key) && !UUID_ONLY.test(v)) return this.num('secret', v);
      return v.split(this.base).join('<base>').replace(UUID, (m) => this.num('uuid', m));
    }
    return v;
  }
}

// Code-unit order, as Python's and Rust's sorted keys (ASCII keys here).
function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function pointer(doc, ptr) {
  if (ptr === '') return doc;
  for (const raw of ptr.slice(1).split('/')) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (doc === null || typeof doc !== 'object' || !(part in doc)) return undefined;
    doc = doc[Array.isArray(doc) ? Number(part) : part];
  }
  return doc;
}

function subst(v, env) {
  if (typeof v === 'string') {
    const m = /^\$\{(\w+)\}$/.exec(v);
    if (m) return env[m[1]];
    return v.replace(/\$\{(\w+)\}/g, (_, n) => String(env[n]));
  }
  if (Array.isArray(v)) return v.map((x) => subst(x, env));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, subst(x, env)]));
  return v;
}

async function admin(url, method, p, body) {
  const r = await fetch(url + p, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`admin ${method} ${p}: ${r.status}`);
  const text = await r.text();
  return text ? JSON.parse(text) : null;
}

const ADMIN = {
  seed: ['POST', '/_emulator/seed'], faults: ['PUT', '/_emulator/faults'], tokens: ['POST', '/_emulator/tokens'],
  stats: ['GET', '/_emulator/stats'], reset: ['POST', '/_emulator/reset'],
};

const OPS = new Map(kontext.OPERATIONS.map((o) => [o.id, o]));

function params(fn) {
  const m = /^[^(]*\(([^)]*)\)/.exec(fn.toString());
  return m[1].split(',').map((s) => s.trim()).filter(Boolean);
}

async function runStep(url, client, step) {
  if (step.admin) {
    const [method, p] = ADMIN[step.admin];
    return [`admin:${step.admin}`, { body: await admin(url, method, p, step.body) }];
  }
  const op = OPS.get(step.op);
  if (!op) throw new Error(`unknown operation ${step.op}`);
  let c = client;
  if (step.client) {
    c = new kontext.KontextManagementClient(
      step.client.token !== undefined
        ? { baseUrl: url, token: step.client.token }
        : {
            baseUrl: url,
            credentials: { clientId: step.client.clientId ?? CLIENT_ID, clientSecret: step.client.clientSecret ?? CLIENT_SECRET },
            ...(step.client.scopes !== undefined ? { scopes: step.client.scopes } : {}),
          },
    );
  }
  const options = {};
  if (step.options?.timeout !== undefined) options.timeout = step.options.timeout * 1000;
  if (step.options?.maxRetries !== undefined) options.maxRetries = step.options.maxRetries;
  const ns = c[op.namespace];
  const name = step.walk ? `${op.method}All` : op.method;
  const fn = ns[name];
  const pathArgs = [...(step.path ?? [])];
  const args = params(fn).map((p) => {
    if (p === 'data') return step.body;
    if (p === 'params') return step.query;
    if (p === 'options') return options;
    return pathArgs.shift();
  });
  try {
    if (step.walk) {
      const items = [];
      for await (const item of fn.apply(ns, args)) items.push(item);
      return [step.op, { body: { items } }];
    }
    const r = await fn.apply(ns, args);
    return [step.op, { body: r === undefined ? null : r }];
  } catch (e) {
    if (!(e instanceof kontext.KontextError)) throw e;
    return [step.op, { error: e.constructor.name, status: e.statusCode ?? null, said: { message: e.message, missingScopes: e.missingScopes ?? [], diagnostics: e.diagnostics ?? [] } }];
  }
}

/** JSON text with object keys sorted, so that key order never decides equality. */
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

async function main() {
  const url = arg('--url').replace(/\/$/, '');
  const out = arg('--out');
  const dir = arg('--scenarios') ?? path.join(here, '..', 'scenarios');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort(cmp);
  const lines = [];
  const failures = [];
  for (const f of files) {
    const scen = f.slice(0, -5);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    await admin(url, 'DELETE', '/_emulator/faults');
    await admin(url, 'POST', '/_emulator/reset');
    const client = new kontext.KontextManagementClient({ baseUrl: url, credentials: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } });
    const norm = new Normalizer(url);
    const env = {};
    for (const [idx, raw] of doc.steps.entries()) {
      const i = idx + 1;
      const step = subst(raw, env);
      const [label, res] = await runStep(url, client, step);
      const exp = step.expect ?? {};
      const at = `${scen} step ${i} (${label})`;
      if (res.error) {
        let line = `${scen}\t${i}\t${label}\terror ${res.error} ${res.status ?? '-'}`;
        if (exp.message !== undefined) {
          line += ` ${JSON.stringify(norm.value(res.said))}`;
          for (const key of ['message', 'missingScopes', 'diagnostics']) {
            if (exp[key] !== undefined && canonical(exp[key]) !== canonical(res.said[key])) {
              failures.push(`${at}: ${key} ${JSON.stringify(res.said[key])}, expected ${JSON.stringify(exp[key])}`);
            }
          }
        }
        lines.push(line);
        if (exp.error !== res.error) failures.push(`${at}: unexpected error ${res.error} ${res.status}`);
        else if (exp.status !== undefined && exp.status !== res.status) failures.push(`${at}: status ${res.status}, expected ${exp.status}`);
        continue;
      }
      const body = JSON.parse(JSON.stringify(res.body));
      let line = `${scen}\t${i}\t${label}\tok ${JSON.stringify(norm.value(body))}`;
      if (step.read) {
        // What the returned object reads (undefined -> null); Node has no Unknown enum
        // variant: an open enum is `'known' | (string & {})`, so `step.unknown` is the string.
        const view = {};
        for (const ptr of step.read) view[ptr] = pointer(res.body, ptr) ?? null;
        const read = norm.value(JSON.parse(JSON.stringify(view)));
        line += `\tread ${JSON.stringify(read)}`;
        for (const [ptr, want] of Object.entries(exp.read ?? {})) {
          if (JSON.stringify(read[ptr]) !== JSON.stringify(want)) failures.push(`${at}: the typed model reads ${ptr} = ${JSON.stringify(read[ptr])}, expected ${JSON.stringify(want)}`);
        }
        for (const ptr of step.unknown ?? []) {
          if (typeof pointer(res.body, ptr) !== 'string') failures.push(`${at}: ${ptr} is not a string`);
        }
      }
      lines.push(line);
      if (exp.error) {
        failures.push(`${at}: expected ${exp.error}, got a success`);
        continue;
      }
      for (const [ptr, want] of Object.entries(exp.match ?? {})) {
        const got = pointer(body, ptr);
        if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${at}: ${ptr} = ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      }
      if (exp.count !== undefined && body.items?.length !== exp.count) failures.push(`${at}: ${body.items?.length} items, expected ${exp.count}`);
      for (const [v, ptr] of Object.entries(step.save ?? {})) {
        const got = pointer(body, ptr);
        if (got === undefined) failures.push(`${at}: nothing at ${ptr} to save`);
        env[v] = got;
      }
    }
  }
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, `${lines.join('\n')}\n`);
  console.log(`node: ${files.length} scenarios, ${lines.length} steps, ${failures.length} failures -> ${out}`);
  for (const f of failures) console.error('FAIL', f);
  process.exitCode = failures.length || !lines.length ? 1 : 0;
}

await main();
