// Tried as a new user would: `npm pack` the package, `npm i ./kontext-mgmt-*.tgz` into an
// empty folder, and run the README's Node snippets (ESM and CommonJS) against the emulator;
// and the drop-in constructor of the official SDK docs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { mkdtemp, readFile, writeFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, PKG_DIR, CLIENT_ID, CLIENT_SECRET, sdk } from './helpers.mjs';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let emu;
let work;
before(async () => {
  emu = await startEmulator();
  work = await mkdtemp(join(tmpdir(), 'kontext-mgmt-pack-'));
});
after(async () => {
  await emu.stop();
  await rm(work, { recursive: true, force: true });
});

/** The fenced ```js <name> block of the README. */
async function snippet(name) {
  const readme = await readFile(join(PKG_DIR, 'README.md'), 'utf8');
  // biome-ignore lint/style/useTemplate: the pattern's backticks read better in a quoted string
  const m = new RegExp('```js ' + name.replace('.', '\\.') + '\\n([\\s\\S]*?)\\n```').exec(readme);
  assert.ok(m, `README has a \`\`\`js ${name} block`);
  return m[1];
}

test('npm pack, npm i in an empty folder, and the README snippets run (ESM and CJS)', { timeout: 180_000 }, async () => {
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', work], { cwd: PKG_DIR, maxBuffer: 1 << 24 });
  const [info] = JSON.parse(stdout);
  const files = info.files.map((f) => f.path).sort();
  for (const f of ['index.js', 'index.mjs', 'index.d.ts', 'lib/base.js', 'lib/base.d.ts', 'lib/generated.js', 'lib/native.js', 'package.json', 'README.md']) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  assert.ok(files.some((f) => f.endsWith('.node')), 'the native module is packed');
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('node_modules/')), files.join(' '));

  const app = join(work, 'app');
  await run('mkdir', ['-p', app]);
  assert.deepEqual(await readdir(app), [], 'an empty folder');
  await run(npm, ['i', '--no-audit', '--no-fund', '--prefer-offline', join(work, info.filename)], { cwd: app });

  const env = { ...process.env, KONTEXT_BASE_URL: emu.url, KONTEXT_CLIENT_ID: CLIENT_ID, KONTEXT_CLIENT_SECRET: CLIENT_SECRET };
  delete env.KONTEXT_MGMT_NATIVE;

  await writeFile(join(app, 'quickstart.mjs'), await snippet('quickstart.mjs'));
  const esm = await run(process.execPath, ['quickstart.mjs'], { cwd: app, env });
  assert.match(esm.stdout, /404 kontext_not_found Application not found/);
  assert.match(esm.stdout, /clientSecret: '\*{8}'/);
  assert.match(esm.stdout, /my-agent-/);

  await writeFile(join(app, 'quickstart.cjs'), await snippet('quickstart.cjs'));
  const cjs = await run(process.execPath, ['quickstart.cjs'], { cwd: app, env });
  assert.match(cjs.stdout, /clientSecret: '\*{8}'/);
  assert.match(cjs.stdout, /ci-bot-/);
  assert.equal(cjs.stdout.includes(CLIENT_SECRET), false);

  // The installed copy is the one used, not the repository's.
  const where = await run(process.execPath, ['-e', 'console.log(require.resolve("kontext-mgmt"))'], { cwd: app });
  assert.ok(where.stdout.trim().startsWith(join(app, 'node_modules')), where.stdout);

  // The test kit: the user-style suite runs from the installed package (its own emulators,
  // nothing of the repository), and the `kontext-emulator` bin serves on a port.
  await writeFile(join(app, 'user-automation.test.mjs'), await readFile(join(PKG_DIR, 'test', 'kit', 'user-automation.test.mjs')));
  // Without NODE_TEST_CONTEXT, which this runner sets and which makes a nested runner report to it.
  const { NODE_TEST_CONTEXT: _, ...plain } = env;
  const suite = await run(process.execPath, ['--test', '--test-reporter=tap', 'user-automation.test.mjs'], { cwd: app, env: plain });
  assert.match(suite.stdout, /# pass [1-9]\d*\n# fail 0\n/, suite.stdout);
  // The README's "Testing your code" example, as a user's test file.
  await writeFile(join(app, 'testing.test.mjs'), await snippet('testing.test.mjs'));
  const example = await run(process.execPath, ['--test', '--test-reporter=tap', 'testing.test.mjs'], { cwd: app, env: plain });
  assert.match(example.stdout, /# pass 3\n# fail 0\n/, example.stdout);
  const bin = await run(join(app, 'node_modules', '.bin', 'kontext-emulator'), ['--version'], { cwd: app });
  assert.match(bin.stdout, /^kontext-emulator \d+\.\d+\.\d+/);
  const served = spawn(join(app, 'node_modules', '.bin', 'kontext-emulator'), ['--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise((resolve, reject) => {
    createInterface({ input: served.stdout }).once('line', resolve);
    served.once('exit', (code) => reject(new Error(`kontext-emulator exited ${code}`)));
  });
  const exited = new Promise((resolve) => served.once('exit', resolve));
  served.kill('SIGTERM');
  assert.match(first, /^listening on http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(await exited, 0);
});

test('drop-in: constructed exactly as the official SDK docs show', async () => {
  // https://docs.kontext.dev — `new KontextManagementClient({ baseUrl, credentials: { clientId, clientSecret } })`
  const client = new sdk.KontextManagementClient({
    baseUrl: emu.url,
    credentials: {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    },
  });
  const { application, oauth } = await client.applications.create({
    name: `dropin-${Date.now()}`,
    oauth: { type: 'public', redirectUris: ['http://localhost:3000/callback'] },
  });
  assert.equal(oauth.type, 'public');
  const { items, nextCursor } = await client.applications.list({ limit: 10 });
  assert.ok(items.some((a) => a.id === application.id));
  assert.ok(nextCursor === undefined || typeof nextCursor === 'string');
  const { application: updated } = await client.applications.update(application.id, { name: `${application.name}-2` });
  assert.equal(updated.name, `${application.name}-2`);
  assert.equal(await client.applications.archive(application.id), undefined);
  // every official option is accepted
  const full = new sdk.KontextManagementClient({
    baseUrl: emu.url,
    credentials: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    apiVersion: 'v1',
    tokenUrl: `${emu.url}/oauth2/token`,
    scopes: ['management:all'],
    audience: `${emu.url}/api/v1`,
  });
  assert.ok(Array.isArray((await full.serviceAccounts.list()).items));
});
