// Shared by the node:test suites: start a real emulator (the `kontext-emulator` binary) on a
// free loopback port, talk to its admin routes, build clients.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const PKG_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = resolve(PKG_DIR, '..', '..');
export const require = createRequire(import.meta.url);
export const sdk = require(PKG_DIR);

export const CLIENT_ID = 'sa_11111111-1111-4111-8111-111111111111';
export const CLIENT_SECRET = 'kontext-emulator-secret';

const BINARY_ENV = { 'kontext-emulator': 'KONTEXT_EMULATOR_BIN', 'kontext-hostile': 'KONTEXT_HOSTILE_BIN' };

/** `name` of the workspace's debug build, or the binary its environment variable names. */
export function debugBinary(name) {
  const candidates = [
    process.env[BINARY_ENV[name]],
    join(process.env.CARGO_TARGET_DIR || join(REPO, 'target'), 'debug', name),
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`${name} not found (tried ${candidates.join(', ')}); build it first`);
  return found;
}

/**
 * Starts a test server (`kontext-emulator`, `kontext-hostile`) and waits for its first line,
 * `listening on URL`; resolves to `{ url, child }`. The Python and shell test supports
 * (tests/support/) do the same with the same environment variables.
 */
export async function startServer(name, args = []) {
  const child = spawn(debugBinary(name), args, { stdio: ['ignore', 'pipe', 'inherit'] });
  // Never leave a server behind, even when a suite dies before its `after` hook.
  const reap = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${name} did not start within 20 s`)), 20000);
    child.once('exit', (code) => rej(new Error(`${name} exited with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) res(m[1]);
      else rej(new Error(`unexpected first line from ${name}: ${line}`));
    });
  });
  lines.on('line', () => {});
  return { url, child };
}

/**
 * Starts an emulator of its own for a suite (suites run in parallel and reset it, so they do
 * not share one); `await emu.stop()` when done.
 */
export async function startEmulator(args = ['--rate-limit', '0']) {
  const { url, child } = await startServer('kontext-emulator', ['--port', '0', ...args]);
  return new Emulator(url, child);
}

/**
 * An emulator of its own seeded with one application per name (fresh ids, in order), and a
 * client for it: `{ emu, client, ids }`.
 */
export async function startWithApplications(names) {
  const emu = await startEmulator();
  const ids = names.map(() => uuid());
  await emu.seed({ applications: ids.map((id, i) => ({ id, name: names[i] })) });
  return { emu, client: emu.client(), ids };
}

export class Emulator {
  constructor(url, child) {
    this.url = url;
    this.child = child;
  }
  async admin(method, path, body) {
    const res = await fetch(`${this.url}/_emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} /_emulator/${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  reset() {
    return this.admin('POST', 'reset');
  }
  seed(doc) {
    return this.admin('POST', 'seed', doc);
  }
  faults(spec) {
    return spec === null ? this.admin('DELETE', 'faults') : this.admin('PUT', 'faults', spec);
  }
  async requests(limit = 50) {
    return (await this.admin('GET', `requests?limit=${limit}`)).items;
  }
  stats() {
    return this.admin('GET', 'stats');
  }
  async mintToken(body = {}) {
    return (await this.admin('POST', 'tokens', body)).access_token;
  }
  client(extra = {}) {
    return new sdk.KontextManagementClient({
      baseUrl: this.url,
      credentials: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
      ...extra,
    });
  }
  async stop() {
    if (this.child.exitCode !== null) return;
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await done;
  }
}

let counter = 0;
/** A name unique within this process run. */
export function unique(prefix) {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export function uuid() {
  return globalThis.crypto.randomUUID();
}
