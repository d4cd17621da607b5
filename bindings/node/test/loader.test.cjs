// Where no native module can be loaded, the first client's error says which platforms have
// prebuilt modules, what this machine is, and the real load error; it gives no advice that
// cannot work in an installed package (`npm run build` needs the sources). The loader is run
// from an installed-package layout made in a temporary folder.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const SRC = path.resolve(__dirname, '..', 'lib', 'native.js');

/** node_modules/kontext-mgmt with lib/native.js and a published-style package.json. */
function installed(optional) {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'kontext-loader-'));
  const pkg = path.join(top, 'node_modules', 'kontext-mgmt');
  fs.mkdirSync(path.join(pkg, 'lib'), { recursive: true });
  fs.copyFileSync(SRC, path.join(pkg, 'lib', 'native.js'));
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'kontext-mgmt', optionalDependencies: optional }));
  return { top, pkg, loader: require(path.join(pkg, 'lib', 'native.js')) };
}

function loadError(loader) {
  const saved = process.env.KONTEXT_MGMT_NATIVE;
  delete process.env.KONTEXT_MGMT_NATIVE;
  try {
    loader.loadNative();
  } catch (e) {
    return e;
  } finally {
    if (saved !== undefined) process.env.KONTEXT_MGMT_NATIVE = saved;
  }
  assert.fail('loadNative() succeeded without a native module');
}

test('optional dependency omitted: names the machine, the prebuilt platforms and the fix', () => {
  const { loader } = installed({ 'kontext-mgmt-linux-x64-gnu': '0.1.0', 'kontext-mgmt-linux-arm64-gnu': '0.1.0' });
  const mine = loader.platformNames()[0];
  const e = loadError(loader);
  assert.match(e.message, new RegExp(`on this machine, ${process.platform}-${process.arch}`));
  assert.match(e.message, /Prebuilt modules exist for: linux-x64-gnu, linux-arm64-gnu/);
  if (mine === 'linux-x64-gnu' || mine === 'linux-arm64-gnu') {
    assert.match(e.message, new RegExp(`kontext-mgmt-${mine}\\) is not installed: reinstall without omitting optional`));
  } else {
    assert.match(e.message, new RegExp(`There is no prebuilt module for ${mine}`));
  }
  assert.doesNotMatch(e.message, /npm run build/);
});

test('installed platform package that cannot load: the real load error, also as cause', () => {
  const { top, loader } = installed({ 'kontext-mgmt-linux-x64-gnu': '0.1.0' });
  const mine = loader.platformNames()[0];
  const plat = path.join(top, 'node_modules', `kontext-mgmt-${mine}`);
  fs.mkdirSync(plat, { recursive: true });
  fs.writeFileSync(path.join(plat, 'package.json'), JSON.stringify({ name: `kontext-mgmt-${mine}`, main: 'm.node' }));
  fs.writeFileSync(path.join(plat, 'm.node'), 'not a shared library');
  const e = loadError(loader);
  assert.match(e.message, new RegExp(`kontext-mgmt-${mine} is installed but failed to load: .*m\\.node`));
  assert.ok(e.cause instanceof Error, 'the load error is the cause');
  assert.doesNotMatch(e.message, /npm run build/);
});

if (process.platform === 'linux') {
  test('on Linux the machine line carries the C library and its version', () => {
    const { loader } = installed({});
    assert.match(loadError(loader).message, /on this machine, linux-\w+ \((glibc \d+\.\d+|musl)\)/);
  });
}
