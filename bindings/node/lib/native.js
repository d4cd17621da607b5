'use strict';
// Finds and loads the compiled native module (kontext-mgmt.<platform>.node) — lazily, on the
// first client, so that `require('kontext-mgmt')` itself stays cheap.
//
// Search order: $KONTEXT_MGMT_NATIVE (a path), the package folder (local builds and the
// all-in-one package), then the per-platform package `kontext-mgmt-<platform>` that
// `cargo xtask publish` produces as an optional dependency.

const { join } = require('node:path');
const { existsSync, readFileSync } = require('node:fs');

let loaded = null;

function isMusl() {
  try {
    return readFileSync('/usr/bin/ldd', 'latin1').includes('musl');
  } catch {
    // no ldd: ask the runtime (slower, so only as a fallback)
    try {
      const report = process.report && process.report.getReport();
      return !(report && report.header && report.header.glibcVersionRuntime);
    } catch {
      return false;
    }
  }
}

/** Platform suffixes to try, most likely first: `linux-x64-gnu`, `darwin-arm64`, ... */
function platformNames() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const abi = arch === 'arm' ? 'gnueabihf' : 'gnu';
    return isMusl() ? [`linux-${arch}-musl`, `linux-${arch}-${abi}`] : [`linux-${arch}-${abi}`, `linux-${arch}-musl`];
  }
  if (platform === 'win32') return [`win32-${arch}-msvc`, `win32-${arch}-gnu`];
  if (platform === 'darwin') return [`darwin-${arch}`, 'darwin-universal'];
  return [`${platform}-${arch}`];
}

function loadNative() {
  if (loaded) return loaded;
  const tried = [];
  const explicit = process.env.KONTEXT_MGMT_NATIVE;
  if (explicit) {
    loaded = require(explicit);
    return loaded;
  }
  const root = join(__dirname, '..');
  const names = platformNames();
  for (const name of names) {
    const file = join(root, `kontext-mgmt.${name}.node`);
    tried.push(file);
    if (existsSync(file)) {
      loaded = require(file);
      return loaded;
    }
  }
  const errors = [];
  for (const name of names) {
    const pkg = `kontext-mgmt-${name}`;
    tried.push(pkg);
    try {
      loaded = require(pkg);
      return loaded;
    } catch (e) {
      if (e && e.code !== 'MODULE_NOT_FOUND') errors.push(e);
    }
  }
  const err = new Error(
    `kontext-mgmt: no native module for ${process.platform}-${process.arch} (tried ${tried.join(', ')}). ` +
      'Reinstall the package (optional dependencies must not be omitted), or build it with `npm run build`.',
  );
  if (errors.length) err.cause = errors[0];
  throw err;
}

module.exports = { loadNative, platformNames };
