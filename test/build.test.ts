/**
 * The deployment chain: buildAll() -> dist/statusCheck.js + dist/monitors.json + dist/lazy/,
 * copied to a folder with no node_modules and run in a child node process, as SCF runs it;
 * and dist-image/ (pagePerf, for the SCF image function) beside it, which dist/ never carries.
 */
import { HTTP_FUNCTIONS, IMAGE_FUNCTIONS } from '../lib/functions';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { buildAll } from '../scripts/build';
import { ConfigError } from '../lib/config/errors';
import type { Summary } from '../lib/runtime/summary';
import { createServer as createHttpsServer } from 'node:https';
import { httpServer, tcpServer, type Running } from '../dev/standins/servers';
import { makeCerts } from './support/certs';
import { ckafkaService } from '../dev/standins/tc-ckafka';
import { startTencentCloud } from '../dev/standins/tencent-cloud';
import { wecomStandIn, WECOM_PATH } from './support/wecom';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

const TOKEN_VAR = 'SCF_MONITOR_TEST_BUILD_TOKEN';
const TOKEN = 'token-from-the-function-env-7f3a';

/** Runs in the child: loads the bundle, records every require, calls main_handler. */
const CHILD = `
const Module = require('module');
const requested = [];
const load = Module._load;
Module._load = function (request) { requested.push(request); return load.apply(this, arguments); };
const resolvable = [];
for (const name of ['valibot', 'yaml', 'esbuild', 'tsx', 'typescript']) {
  try { require.resolve(name); resolvable.push(name); } catch {}
}
const handler = require('./' + (process.env.SCFM_TEST_BUNDLE || 'statusCheck.js'));
const atLoad = requested.splice(0);
const event = { Type: 'Timer', TriggerName: 't', Time: new Date().toISOString(), Message: '' };
const done = (out) => {
  out.atLoad = atLoad;
  out.duringRun = requested;
  out.resolvable = resolvable;
  out.loaded = Object.keys(require.cache);
  process.stdout.write('\\n@@RESULT ' + JSON.stringify(out) + '\\n');
};
Promise.resolve()
  .then(() => handler.main_handler(event, { time_limit_in_ms: 10000 }))
  .then((summary) => done({ summary }), (err) => done({ error: { name: err.name, message: err.message } }));
`;

interface ChildResult {
  summary?: Summary;
  error?: { name: string; message: string };
  atLoad: string[];
  duringRun: string[];
  resolvable: string[];
  loaded: string[];
  logLines: string[];
}

function assertNoNodeModulesAbove(folder: string): void {
  for (let d = folder; ; d = dirname(d)) {
    assert.ok(!existsSync(join(d, 'node_modules')), `${d}/node_modules exists and could satisfy requires`);
    if (dirname(d) === d) break;
  }
}

async function runDeployed(folder: string, bundle = 'statusCheck.js'): Promise<ChildResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, [TOKEN_VAR]: TOKEN, HOME: folder, SCFM_TEST_BUNDLE: bundle };
  delete env.SCF_MONITOR_CONFIG;
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  // Async: the loopback server lives in this process and must keep answering.
  const { stdout } = await run(process.execPath, ['-e', CHILD], { cwd: folder, env, timeout: 30_000 });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const last = lines.find((l) => l.startsWith('@@RESULT '));
  assert.ok(last, `no result from the child; stdout:\n${stdout}`);
  return { ...(JSON.parse(last.slice('@@RESULT '.length)) as Omit<ChildResult, 'logLines'>), logLines: lines.filter((l) => !l.startsWith('@@')) };
}

const isBuiltin = (name: string) => name.startsWith('node:') || builtinModules.includes(name);
/** What loading the bundle required besides itself and node's built-ins. */
const nonBuiltin = (requests: string[]) => requests.filter((x) => x !== './statusCheck.js' && !isBuiltin(x));

describe('build', () => {
  let server: Running;
  const tokens: (string | undefined)[] = [];
  let work: string;
  let dist: string;
  let configPath: string;
  const folders: string[] = [];

  const deployFolder = () => {
    const folder = mkdtempSync(join(tmpdir(), 'scf-monitor-deploy-'));
    folders.push(folder);
    assertNoNodeModulesAbove(folder);
    cpSync(join(dist, 'statusCheck.js'), join(folder, 'statusCheck.js'));
    cpSync(join(dist, 'lazy'), join(folder, 'lazy'), { recursive: true });
    return folder;
  };

  before(async () => {
    server = await httpServer((req, res) => {
      tokens.push(req.headers['x-token'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('healthy');
    });
    work = mkdtempSync(join(tmpdir(), 'scf-monitor-build-'));
    dist = join(work, 'dist');
    configPath = join(work, 'monitors.yaml');
    writeFileSync(
      configPath,
      stringify({
        concurrency: 4,
        monitors: [
          {
            name: 'health',
            type: 'http',
            url: server.url('/health'),
            headers: { 'x-token': `\${${TOKEN_VAR}}` },
            samples: 2,
            intervalMs: 0,
            connectTimeoutMs: 2000,
            readTimeoutMs: 2000,
            expect: { bodyContains: 'healthy' },
          },
        ],
      }),
    );
    // The build must not need (nor bake in) the function's secrets.
    const saved = process.env[TOKEN_VAR];
    delete process.env[TOKEN_VAR];
    try {
      await buildAll({ configPath, outDir: dist, quiet: true });
    } finally {
      if (saved !== undefined) process.env[TOKEN_VAR] = saved;
    }
  });

  after(async () => {
    await server.close();
    for (const f of [work, ...folders]) if (f) rmSync(f, { recursive: true, force: true });
  });

  test('writes the bundle, the lazy YAML parser and the config as JSON, with ${VAR} left for run time', () => {
    assert.ok(existsSync(join(dist, 'statusCheck.js')));
    assert.ok(existsSync(join(dist, 'lazy', 'yaml.js')));
    const json = JSON.parse(readFileSync(join(dist, 'monitors.json'), 'utf8')) as { monitors: { headers: Record<string, string> }[] };
    assert.equal(json.monitors[0]!.headers['x-token'], `\${${TOKEN_VAR}}`);
    assert.ok(!readFileSync(join(dist, 'statusCheck.js'), 'utf8').includes(TOKEN));
  });

  test('the bundle has no SDK, bundles valibot, and keeps the YAML parser in lazy/', () => {
    const bundle = readFileSync(join(dist, 'statusCheck.js'), 'utf8');
    // The SMS client's SDK is named (lazy.ts loads it from dist/lazy/) but its code is not inlined.
    assert.ok(!bundle.includes('SDK_NODEJS_'), 'the Tencent Cloud SDK is inlined in the statusCheck bundle');
    assert.ok(readFileSync(join(dist, 'lazy', 'smsClient.js'), 'utf8').includes('SDK_NODEJS_'), 'the SDK is in lazy/smsClient.js');
    // kafkaLag needs the CKafka client on every run, yet its bundle's require (SCF's init) leaves it out.
    assert.ok(!readFileSync(join(dist, 'kafkaLag.js'), 'utf8').includes('SDK_NODEJS_'), 'the Tencent Cloud SDK is inlined in the kafkaLag bundle');
    assert.ok(readFileSync(join(dist, 'lazy', 'ckafkaClient.js'), 'utf8').includes('SDK_NODEJS_'), 'the SDK is in lazy/ckafkaClient.js');
    assert.doesNotMatch(bundle, /require\(\s*["'`]valibot["'`]\s*\)/);
    // A string from the yaml package's parser: in lazy/yaml.js, not in the main bundle.
    const yamlMarker = 'Implicit keys need to be';
    assert.ok(!bundle.includes(yamlMarker), 'the YAML parser is inlined in the main bundle');
    assert.ok(readFileSync(join(dist, 'lazy', 'yaml.js'), 'utf8').includes(yamlMarker));
  });

  test('the deployed bundle runs with no node_modules, resolving ${VAR} from the function env', async () => {
    const folder = deployFolder();
    cpSync(join(dist, 'monitors.json'), join(folder, 'monitors.json'));
    for (const f of ['statusCheck.js', 'monitors.json', join('lazy', 'yaml.js')]) assert.ok(existsSync(join(folder, f)), f);
    tokens.length = 0;
    const r = await runDeployed(folder);

    assert.deepEqual(r.resolvable, [], 'packages resolvable from the deploy folder');
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    const s = r.summary!;
    assert.equal(s.function, 'statusCheck');
    assert.equal(s.ok, true, JSON.stringify(s.results.map((x) => x.reasons)));
    assert.deepEqual(
      s.results.map((x) => x.monitor),
      ['health'],
    );
    assert.equal(s.results[0]!.stats.samples, 2);
    assert.deepEqual(tokens, [TOKEN, TOKEN], 'the server got the header with the value from the env');

    // Loading the bundle requires only node built-ins: valibot is bundled, yaml is not loaded.
    assert.deepEqual(
      nonBuiltin(r.atLoad),
      [],
    );
    // A JSON config never loads the YAML parser.
    assert.deepEqual(
      nonBuiltin(r.duringRun),
      [],
    );
    assert.deepEqual(
      r.loaded.filter((f) => f.includes('lazy')),
      [],
    );
    // The run logged one JSON record to stdout.
    assert.equal(r.logLines.length, 1);
    assert.equal((JSON.parse(r.logLines[0]!) as { monitor: string }).monitor, 'health');
  });

  test('a monitors.yaml beside the bundle works through lazy/yaml.js', async () => {
    const folder = deployFolder();
    cpSync(configPath, join(folder, 'monitors.yaml'));
    assert.ok(!existsSync(join(folder, 'monitors.json')));
    tokens.length = 0;
    const r = await runDeployed(folder);

    assert.deepEqual(r.resolvable, []);
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    assert.equal(r.summary!.ok, true, JSON.stringify(r.summary!.results.map((x) => x.reasons)));
    assert.deepEqual(tokens, [TOKEN, TOKEN]);
    assert.deepEqual(
      nonBuiltin(r.atLoad),
      [],
    );
    assert.ok(
      r.loaded.some((f) => f === join(folder, 'lazy', 'yaml.js')),
      `lazy/yaml.js was not loaded: ${r.loaded.join(', ')}`,
    );
    assert.ok(!r.duringRun.includes('yaml'), 'the bare yaml package was required');
  });

  test('the deployed bundle validates its config (valibot is bundled) and names the field', async () => {
    const folder = deployFolder();
    writeFileSync(
      join(folder, 'monitors.json'),
      JSON.stringify({ monitors: [{ name: 'x', type: 'http', url: server.url('/'), samples: 1000 }] }),
    );
    tokens.length = 0;
    const r = await runDeployed(folder);
    assert.equal(r.summary, undefined);
    assert.equal(r.error?.name, 'ConfigError');
    assert.match(r.error!.message, /monitors\[0\]\.samples/);
    assert.ok(r.error!.message.includes(join(folder, 'monitors.json')), r.error!.message);
    assert.deepEqual(tokens, []);
  });

  test('a build with an invalid config rejects with ConfigError naming the file and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-badbuild-'));
    folders.push(dir);
    const bad = join(dir, 'monitors.yaml');
    writeFileSync(bad, stringify({ monitors: [{ name: 'x', type: 'tcp', host: '127.0.0.1', port: 70000 }] }));
    await assert.rejects(buildAll({ configPath: bad, outDir: join(dir, 'dist'), quiet: true }), (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.ok(err.message.includes(bad), err.message);
      assert.match(err.message, /monitors\[0\]\.port/);
      return true;
    });
    assert.ok(!existsSync(join(dir, 'dist', 'monitors.json')), 'no config is written for an invalid one');
  });

  test('a failing build leaves the last good dist/ as it was, and no half-built folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-keepdist-'));
    folders.push(dir);
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'monitors.json'), '{"monitors":[]}\n');
    const bad = join(dir, 'monitors.yaml');
    writeFileSync(bad, stringify({ monitors: [{ name: 'x', type: 'tcp', host: '127.0.0.1', port: 70000 }] }));
    await assert.rejects(buildAll({ configPath: bad, outDir: join(dir, 'dist'), quiet: true }), ConfigError);
    assert.equal(readFileSync(join(dir, 'dist', 'monitors.json'), 'utf8'), '{"monitors":[]}\n');
    assert.deepEqual(readdirSync(dir).sort(), ['dist', 'monitors.yaml']);
  });

  test('npm run build with no config anywhere: exit 2 saying how to make one, and dist/ untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-noconfig-'));
    folders.push(dir);
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'marker'), 'old');
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.SCF_MONITOR_CONFIG;
    const r = await run(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'build.ts'), '--out', join(dir, 'dist')], { cwd: dir, env }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: String(err.stderr) }),
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^build: .*no config found: .*cp monitors\.example\.yaml monitors\.yaml/);
    assert.equal(readFileSync(join(dir, 'dist', 'marker'), 'utf8'), 'old');
  });

  test('scf-monitor package: one zip per function; each, unzipped alone, runs its handler with no node_modules', async () => {
    const out = mkdtempSync(join(tmpdir(), 'scf-monitor-packages-'));
    folders.push(out);
    const r = await run(process.execPath, [join(ROOT, 'bin', 'scf-monitor.js'), 'package', '--dist', dist, '--out', out], { cwd: work });
    // Image functions (pagePerf) ship as an image from dist-image/, not as a zip.
    const names = readdirSync(join(ROOT, 'functions')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).filter((n) => !IMAGE_FUNCTIONS.includes(n)).sort();
    assert.ok(names.length >= 8 && !names.includes('pagePerf'), names.join(' '));
    assert.deepEqual(readdirSync(out).sort(), names.map((n) => `${n}.zip`));
    assert.equal(r.stdout.trim().split('\n').length, names.length, r.stdout);
    for (const name of names) {
      const folder = mkdtempSync(join(tmpdir(), `scf-monitor-unzipped-${name}-`));
      folders.push(folder);
      assertNoNodeModulesAbove(folder);
      await run('unzip', ['-q', join(out, `${name}.zip`), '-d', folder]);
      const top = readdirSync(folder).sort();
      assert.ok(top.includes(`${name}.js`) && top.includes('monitors.json') && top.includes('lazy'), `${name}: ${top.join(', ')}`);
      assert.deepEqual(top.filter((f) => f.endsWith('.js')), [`${name}.js`], `${name}.zip carries no other function's bundle`);
      const got = await runDeployed(folder, `${name}.js`);
      assert.deepEqual(got.resolvable, [], name);
      assert.ok(!/Cannot find module/.test(got.error?.message ?? ''), `${name}: ${got.error?.message}`);
      const answer = got.summary as unknown as { function?: string; statusCode?: number } | undefined;
      // An HTTP function answers a timer's event with an HTTP answer (400), not a summary.
      if (Object.hasOwn(HTTP_FUNCTIONS, name)) assert.equal(typeof answer?.statusCode, 'number', `${name}: ${JSON.stringify(got)}`);
      else if (name !== 'probe') {
        assert.equal(got.error, undefined, `${name}: ${JSON.stringify(got.error)}`);
        assert.equal(answer?.function, name);
      }
    }
    // The statusCheck package ran the monitor of the config it was built with.
    tokens.length = 0;
    const folder = mkdtempSync(join(tmpdir(), 'scf-monitor-unzipped-again-'));
    folders.push(folder);
    await run('unzip', ['-q', join(out, 'statusCheck.zip'), '-d', folder]);
    const again = await runDeployed(folder);
    assert.equal(again.summary!.ok, true, JSON.stringify(again.summary));
    assert.deepEqual(tokens, [TOKEN, TOKEN]);
  });

  test("a sweep's target file ships beside dist/monitors.json; one outside the config's folder is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-sweepbuild-'));
    folders.push(dir);
    mkdirSync(join(dir, 'lists'));
    writeFileSync(join(dir, 'lists', 'isp.csv'), '127.1.0.1,广东,电信\n');
    const cfg = join(dir, 'monitors.yaml');
    writeFileSync(cfg, stringify({ monitors: [{ name: 'netsky', type: 'sweep', targets: { file: 'lists/isp.csv' } }] }));
    await buildAll({ configPath: cfg, outDir: join(dir, 'dist'), quiet: true });
    assert.equal(readFileSync(join(dir, 'dist', 'lists', 'isp.csv'), 'utf8'), '127.1.0.1,广东,电信\n');
    writeFileSync(cfg, stringify({ monitors: [{ name: 'netsky', type: 'sweep', targets: { file: '../isp.csv' } }] }));
    await assert.rejects(buildAll({ configPath: cfg, outDir: join(dir, 'dist2'), quiet: true }), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, /monitors\[0\]\.targets\.file: must stay inside the config directory/);
      return true;
    });
  });

  test('a config naming files (ca: ./certs/ca.pem, a sweep target file) runs from a copy of dist/ elsewhere', async () => {
    const certs = makeCerts();
    const tls = createHttpsServer({ key: certs.server.key, cert: certs.server.cert }, (_req, res) => res.writeHead(200).end('healthy'));
    await new Promise<void>((ok) => tls.listen(0, '127.0.0.1', ok));
    const tcp = await tcpServer((sock) => sock.end());
    try {
      const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-cabuild-'));
      folders.push(dir);
      mkdirSync(join(dir, 'certs'));
      writeFileSync(join(dir, 'certs', 'ca.pem'), certs.ca);
      writeFileSync(join(dir, 'targets.csv'), `127.0.0.1:${tcp.port},广东,电信\n`);
      const cfg = join(dir, 'monitors.yaml');
      const port = (tls.address() as { port: number }).port;
      const state = join(dir, 'state');
      writeFileSync(
        cfg,
        stringify({
          state: { type: 'file', path: state },
          monitors: [
            { name: 'internal', type: 'http', url: `https://127.0.0.1:${port}/`, ca: './certs/ca.pem', samples: 1, intervalMs: 0, attempts: 1 },
            { name: 'netsky', type: 'sweep', targets: { file: 'targets.csv' }, columns: ['province', 'isp'], attempts: 1, connectTimeoutMs: 1000 },
          ],
        }),
      );
      await buildAll({ configPath: cfg, outDir: join(dir, 'dist'), quiet: true });
      assert.match((JSON.parse(readFileSync(join(dir, 'dist', 'monitors.json'), 'utf8')) as { monitors: { ca: string }[] }).monitors[0]!.ca, /^-----BEGIN CERTIFICATE-----/);
      // The copy keeps nothing of the machine it was built on: no certs/ beside it, no config folder.
      const copy = mkdtempSync(join(tmpdir(), 'scf-monitor-copied-dist-'));
      folders.push(copy);
      assertNoNodeModulesAbove(copy);
      cpSync(join(dir, 'dist'), copy, { recursive: true });
      rmSync(dir, { recursive: true, force: true });
      const web = await runDeployed(copy);
      assert.equal(web.error, undefined, JSON.stringify(web.error));
      assert.equal(web.summary!.ok, true, JSON.stringify(web.summary!.results.map((x) => x.reasons)));
      const sw = await runDeployed(copy, 'sweep.js');
      assert.equal(sw.error, undefined, JSON.stringify(sw.error));
      const codes = sw.summary!.results.flatMap((x) => x.reasons.map((r) => r.code));
      assert.ok(!codes.includes('TARGETS_UNREADABLE'), JSON.stringify(sw.summary!.results));
      assert.ok(sw.summary!.results.length > 0);
    } finally {
      await new Promise((ok) => tls.close(ok));
      await tcp.close();
      certs.cleanup();
    }
  });

  test('a ca file that does not exist fails the build naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-cabuild-'));
    folders.push(dir);
    const cfg = join(dir, 'monitors.yaml');
    writeFileSync(cfg, stringify({ monitors: [{ name: 'internal', type: 'http', url: 'https://127.0.0.1:1/', ca: './certs/none.pem' }] }));
    await assert.rejects(buildAll({ configPath: cfg, outDir: join(dir, 'dist'), quiet: true }), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, /monitors\[0\]\.ca: cannot read .*none\.pem: ENOENT/);
      return true;
    });
  });

  test('a missing ${VAR} does not fail the build, even where the field needs a valid value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-envbuild-'));
    folders.push(dir);
    const cfg = join(dir, 'monitors.yaml');
    const unset = 'SCF_MONITOR_TEST_SURELY_UNSET_VAR';
    assert.equal(process.env[unset], undefined);
    writeFileSync(
      cfg,
      stringify({
        monitors: [
          { name: 'x', type: 'http', url: `http://127.0.0.1:\${${unset}}/`, headers: { authorization: `Bearer \${${unset}}` } },
        ],
      }),
    );
    mkdirSync(join(dir, 'out'));
    await buildAll({ configPath: cfg, outDir: join(dir, 'out', 'dist'), quiet: true });
    const json = readFileSync(join(dir, 'out', 'dist', 'monitors.json'), 'utf8');
    assert.ok(json.includes(`\${${unset}}`));
  });

  test('alerts go out through lazy/channel-wecom.js alone; a healthy run with channels configured loads nothing from lazy/', async () => {
    const wecom = await wecomStandIn('bundle-key-3c9d');
    try {
      const folder = deployFolder();
      const state = join(folder, 'state');
      const channels = { ops: { type: 'wecom', webhook: wecom.url(`${WECOM_PATH}?key=bundle-key-3c9d`), timeoutMs: 3000 } };
      const writeConfig = (path: string) =>
        writeFileSync(
          join(folder, 'monitors.json'),
          JSON.stringify({
            state: { type: 'file', path: state },
            channels,
            alerts: { channels: ['ops'] },
            monitors: [{ name: 'health', type: 'http', url: server.url(path), samples: 1, expect: { bodyContains: 'healthy' } }],
          }),
        );
      writeConfig('/health');
      const healthy = await runDeployed(folder);
      assert.equal(healthy.summary?.ok, true, JSON.stringify(healthy.error));
      assert.deepEqual(healthy.loaded.filter((f) => f.includes('lazy')), [], 'a healthy run loads no channel code');
      assert.deepEqual(wecom.received, []);

      // The same deploy, now failing on its body: one alert, delivered by the lazily loaded channel.
      writeFileSync(join(folder, 'monitors.json'), readFileSync(join(folder, 'monitors.json'), 'utf8').replace('"healthy"', '"missing-text"'));
      const failing = await runDeployed(folder);
      assert.equal(failing.summary?.ok, false);
      assert.deepEqual(failing.summary?.alerts.map((a) => [a.monitor, a.kind]), [['health', 'alert']]);
      assert.deepEqual(failing.summary?.deliveries.map((d) => [d.channel, d.ok]), [['ops', true]]);
      assert.ok(failing.loaded.some((f) => f.endsWith(join('lazy', 'channel-wecom.js'))), 'the channel came from lazy/channel-wecom.js');
      assert.deepEqual(
        failing.loaded.filter((f) => /lazy.channel-/.test(f) && !f.endsWith('channel-wecom.js')),
        [],
        'no other channel is loaded',
      );
      assert.equal(wecom.received.length, 1);
      const sent = wecom.received[0] as { json?: unknown } | undefined;
      assert.match(String((sent?.json as { markdown: { content: string } }).markdown.content), /health/);
    } finally {
      await wecom.close();
    }
  });

  test('pagePerf is built into dist-image/ with playwright-core, and dist/ (the zip deploy) carries neither', () => {
    const image = `${dist}-image`;
    assert.ok(!existsSync(join(dist, 'pagePerf.js')), 'dist/ has pagePerf.js');
    assert.ok(!existsSync(join(dist, 'lazy', 'playwright.js')), 'dist/ has the playwright lazy module');
    assert.ok(!existsSync(join(dist, 'node_modules')), 'dist/ has node_modules');
    assert.deepEqual(readdirSync(dist).filter((f) => f.endsWith('.js')).sort(), ['api.js', 'heartbeatCheck.js', 'ingest.js', 'kafkaLag.js', 'probe.js', 'speedTest.js', 'statusCheck.js', 'sweep.js']);
    assert.deepEqual(readdirSync(image).filter((f) => f.endsWith('.js')), ['pagePerf.js']);
    for (const f of [join('lazy', 'playwright.js'), join('lazy', 'yaml.js'), join('lazy', 'channel-wecom.js'), join('node_modules', 'playwright-core', 'package.json'), 'monitors.json']) {
      assert.ok(existsSync(join(image, f)), `dist-image/${f} is missing`);
    }
    assert.equal(readFileSync(join(image, 'monitors.json'), 'utf8'), readFileSync(join(dist, 'monitors.json'), 'utf8'));
    // playwright-core is required from the lazy module only, never inlined into the function.
    const marker = 'Target page, context or browser has been closed';
    assert.ok(!readFileSync(join(image, 'pagePerf.js'), 'utf8').includes(marker), 'playwright-core is inlined in pagePerf.js');
    assert.ok(readFileSync(join(image, 'node_modules', 'playwright-core', 'lib', 'coreBundle.js'), 'utf8').includes(marker));
  });

  test('the deployed pagePerf loads only built-ins, then playwright-core through lazy/ on its first run', async () => {
    const image = `${dist}-image`;
    const folder = mkdtempSync(join(tmpdir(), 'scf-monitor-deploy-image-'));
    folders.push(folder);
    assertNoNodeModulesAbove(folder);
    cpSync(image, folder, { recursive: true });
    rmSync(join(folder, 'monitors.json'));
    writeFileSync(
      join(folder, 'monitors.json'),
      JSON.stringify({
        state: { type: 'file', path: join(folder, 'state') },
        monitors: [
          { name: 'home', type: 'page', url: server.url('/health'), samples: 1, loadTimeoutMs: 5000, expect: { text: 'healthy' } },
          { name: 'health', type: 'http', url: server.url('/health') },
        ],
      }),
    );
    const r = await runDeployed(folder, 'pagePerf.js');
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    assert.deepEqual(r.resolvable, []);
    assert.deepEqual(r.summary!.results.map((x) => [x.monitor, x.ok, x.reasons]), [['home', true, []]]);
    assert.deepEqual(nonBuiltin(r.atLoad).filter((x) => x !== './pagePerf.js'), [], 'loading the bundle requires only built-ins');
    assert.ok(r.loaded.includes(join(folder, 'lazy', 'playwright.js')), 'playwright-core did not come through lazy/playwright.js');
    assert.ok(r.loaded.some((f) => f.startsWith(join(folder, 'node_modules', 'playwright-core'))), 'playwright-core came from outside the deploy folder');
  });

  test("the image's entry point (deploy/page/server.js) answers SCF's POST /event-invoke with pagePerf's summary", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'scf-monitor-deploy-image-'));
    folders.push(folder);
    cpSync(`${dist}-image`, folder, { recursive: true });
    cpSync(join(__dirname, '..', 'deploy', 'page', 'server.js'), join(folder, 'server.js'));
    writeFileSync(
      join(folder, 'monitors.json'),
      JSON.stringify({ state: { type: 'file', path: join(folder, 'state') }, monitors: [{ name: 'home', type: 'page', url: server.url('/health'), samples: 1 }] }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1' };
    delete env.SCF_MONITOR_CONFIG;
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, ['server.js'], { cwd: folder, env, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`server.js exited ${code}: ${out}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/event-invoke`, {
        method: 'POST',
        headers: { 'x-scf-timeout': '20000', 'x-scf-request-id': 'req-1' },
        body: JSON.stringify({ Type: 'Timer', TriggerName: 't', Time: new Date().toISOString(), Message: '' }),
      });
      assert.equal(res.status, 200);
      const summary = (await res.json()) as Summary;
      assert.deepEqual(summary.results.map((x) => [x.function, x.monitor, x.ok]), [['pagePerf', 'home', true]]);
      assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('the deployed kafkaLag bundle loads only built-ins, then the CKafka client from lazy/ on its first run', async () => {
    const account = { secretId: 'AKIDbuildKafka000001', secretKey: 'build-kafka-key-9c1d' };
    const ck = ckafkaService();
    const cloud = await startTencentCloud({ accounts: [account], services: [ck.service] });
    try {
      ck.addInstance('ckafka-build0001', 'ap-guangzhou');
      ck.addTopic('ckafka-build0001', 'orders', 2, 1000);
      ck.addGroup('ckafka-build0001', 'g', { members: 1, offsets: { orders: [990, 1000] } });
      const folder = deployFolder();
      cpSync(join(dist, 'kafkaLag.js'), join(folder, 'kafkaLag.js'));
      const monitor = { name: 'lag', type: 'ckafka', region: 'ap-guangzhou', instanceId: 'ckafka-build0001', groups: ['g'], endpoint: cloud.endpoint('ckafka'), proxy: cloud.proxyUrl, ...account };
      writeFileSync(join(folder, 'monitors.json'), JSON.stringify({ state: { type: 'file', path: join(folder, 'state') }, monitors: [monitor] }));
      const r = await runDeployed(folder, 'kafkaLag.js');
      assert.equal(r.error, undefined, JSON.stringify(r.error));
      assert.deepEqual(r.resolvable, []);
      assert.deepEqual(r.summary!.results.map((x) => [x.subject, x.ok, x.lag?.totalLag]), [['g', true, 10]]);
      assert.deepEqual(nonBuiltin(r.atLoad).filter((x) => x !== './kafkaLag.js'), [], 'loading the bundle requires only built-ins');
      assert.deepEqual(r.loaded.filter((f) => f.includes('lazy')), [join(folder, 'lazy', 'ckafkaClient.js')]);
    } finally {
      await cloud.close();
    }
  });
});
