#!/usr/bin/env node
// How should a JSON response cross from Rust into JavaScript? Measured both ways on the
// shapes the API returns (one application; a page of 200):
//   string: the body as a JS string, then JSON.parse        (what NativeClient.call does)
//   serde:  serde_json::Value converted to JS objects through N-API
// Prints one JSON line per case with operations per second.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const { loadNative } = require(join(here, '..', 'lib', 'native.js'));
const native = loadNative();

const app = (i) => ({
  id: `2b4ba355-a694-4d1f-933e-${String(i).padStart(12, '0')}`,
  name: `application-${i}`,
  description: i % 2 ? null : 'An application used to measure JSON transfer',
  clientId: `app_2b4ba355-a694-4d1f-933e-${String(i).padStart(12, '0')}`,
  createdAt: '2026-11-26T22:14:45.454Z',
  updatedAt: '2026-11-26T22:14:45.454Z',
  sessions: { active: 1, idle: 2, live: 3, total: 6 },
  externalAuth: null,
});
const samples = {
  application: { application: app(1) },
  page200: { items: Array.from({ length: 200 }, (_, i) => app(i)), nextCursor: 'eyJvZmZzZXQiOjIwMH0' },
};

function opsPerSec(fn, seconds = 1) {
  for (let i = 0; i < 200; i++) fn();
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
  }
  return n / ((performance.now() - t0) / 1000);
}

for (const [name, value] of Object.entries(samples)) {
  const text = JSON.stringify(value);
  native._benchSetSample(text);
  const viaString = opsPerSec(() => JSON.parse(native._benchAsString()));
  const viaSerde = opsPerSec(() => native._benchAsObject());
  console.log(JSON.stringify({ sample: name, bytes: text.length, string_ops: Math.round(viaString), serde_ops: Math.round(viaSerde), ratio: +(viaString / viaSerde).toFixed(2) }));
}
