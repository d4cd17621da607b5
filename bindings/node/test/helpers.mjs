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

export function emulatorBinary() {
  const candidates = [
    process.env.KONTEXT_EMULATOR_BIN,
    join(process.env.CARGO_TARGET_DIR || join(REPO, 'target'), 'debug', 'kontext-emulator'),
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`kontext-emulator not found (tried ${candidates.join(', ')}); build it first`);
  return found;
}

/** Starts an emulator; `await emu.stop()` when done. */
export async function startEmulator(args = ['--rate-limit', '0']) {
  const child = spawn(emulatorBinary(), ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Never leave an emulator behind, even when a suite dies before its `after` hook.
  const reap = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('emulator did not start within 20 s')), 20000);
    child.once('exit', (code) => rej(new Error(`emulator exited with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) res(m[1]);
      else rej(new Error(`unexpected first line: ${line}`));
    });
  });
  lines.on('line', () => {});
  return new Emulator(url, child);
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
