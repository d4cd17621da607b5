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
  const errors = [];
  for (const name of names) {
    const file = join(root, `kontext-mgmt.${name}.node`);
    tried.push(file);
    if (existsSync(file)) {
      try {
        loaded = require(file);
        return loaded;
      } catch (e) {
        errors.push({ pkg: file, error: e });
      }
    }
  }
  for (const name of names) {
    const pkg = `kontext-mgmt-${name}`;
    tried.push(pkg);
    try {
      loaded = require(pkg);
      return loaded;
    } catch (e) {
      if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${pkg}'`)) continue;
      errors.push({ pkg, error: e });
    }
  }
  throw noNativeError(names, tried, errors);
}

/** This machine as the packages name it, e.g. `linux-x64 (glibc 2.31)` or `linux-arm64 (musl)`. */
function describeMachine() {
  let libc = '';
  if (process.platform === 'linux') {
    let glibc = null;
    try {
      const report = process.report && process.report.getReport();
      glibc = report && report.header && report.header.glibcVersionRuntime;
    } catch {
      // no report support: say what we can
    }
    libc = glibc ? ` (glibc ${glibc})` : isMusl() ? ' (musl)' : '';
  }
  return `${process.platform}-${process.arch}${libc}`;
}

/** The platforms this release has prebuilt modules for: the main package's optional dependencies. */
function prebuiltPlatforms() {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    return Object.keys(pkg.optionalDependencies || {})
      .filter((n) => n.startsWith('kontext-mgmt-'))
      .map((n) => n.slice('kontext-mgmt-'.length));
  } catch {
    return [];
  }
}

function noNativeError(names, tried, errors) {
  const machine = describeMachine();
  const prebuilt = prebuiltPlatforms();
  const lines = [`kontext-mgmt: cannot load a native module on this machine, ${machine}.`];
  if (prebuilt.length) {
    lines.push(
      `Prebuilt modules exist for: ${prebuilt.join(', ')} (Linux glibc builds need glibc 2.17 or newer).`,
    );
  }
  if (errors.length) {
    // Installed but unloadable (e.g. `GLIBC_2.99 not found`, a wrong architecture): the real cause.
    for (const { pkg, error } of errors) lines.push(`${pkg} is installed but failed to load: ${error && error.message}`);
  } else if (prebuilt.some((p) => names.includes(p))) {
    lines.push(
      `The matching package (${names.filter((n) => prebuilt.includes(n)).map((n) => `kontext-mgmt-${n}`).join(' or ')}) ` +
        'is not installed: reinstall without omitting optional dependencies (--omit=optional, --no-optional, ' +
        'or a lockfile made with another --cpu/--os/--libc skip it).',
    );
  } else if (prebuilt.length) {
    lines.push(`There is no prebuilt module for ${names[0]}.`);
  } else if (existsSync(join(__dirname, '..', 'Cargo.toml'))) {
    lines.push('This is a source checkout: build the module with `npm run build` (needs a Rust toolchain).');
  }
  lines.push(`Tried: ${tried.join(', ')}.`);
  const err = new Error(lines.join('\n'));
  if (errors.length) err.cause = errors[0].error;
  return err;
}

module.exports = { loadNative, platformNames };
