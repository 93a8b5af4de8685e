/**
 * The `scf-monitor` CLI as a user runs it: a child `node bin/scf-monitor.js ...`, exit codes
 * 0/1/2, stdout and stderr. Every target is a loopback server from test/support/servers.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { closedPort, httpServer, type Running } from '../dev/standins/servers';
import { wecomStandIn, WECOM_PATH } from './support/wecom';
import { EXAMPLE_ENV } from './support/example-env';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'bin', 'scf-monitor.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a child gets: ours without anything that would steer config discovery. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.SCF_MONITOR_CONFIG;
  delete env.SCF_MONITOR_DEBUG;
  delete env.NODE_TEST_CONTEXT;
  delete env.API_TOKEN;
  return { ...env, ...extra };
}

/** Runs the CLI asynchronously, so loopback servers in this process can answer it. */
function cli(args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: opts.cwd, env: childEnv(opts.env), timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** A config or usage error: exit 2, no stack trace, nothing that looks like a thrown Error. */
function assertCleanError(r: Run, ...fragments: string[]) {
  assert.equal(r.code, 2, `exit code; stderr:\n${r.stderr}`);
  for (const f of fragments) assert.ok(r.stderr.includes(f), `stderr lacks ${JSON.stringify(f)}:\n${r.stderr}`);
  assert.ok(!r.stderr.includes('    at '), `stack frames in stderr:\n${r.stderr}`);
  assert.ok(!r.stderr.includes('Error:'), `Error noise in stderr:\n${r.stderr}`);
  assert.ok(!r.stderr.includes('internal error'), r.stderr);
  assert.ok(r.stderr.startsWith('scf-monitor: '), r.stderr);
}

/** The JSON log lines the handler wrote to stderr, parsed. */
function logLines(stderr: string): Array<Record<string, unknown>> {
  const lines = stderr.split('\n').filter((l) => l.length > 0);
  return lines.map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      throw new assert.AssertionError({ message: `stderr line is not JSON: ${l}` });
    }
  });
}

interface SummaryJson {
  function: string;
  startedAt: string;
  durationMs: number;
  ok: boolean;
  results: Array<{ monitor: string; type: string; target: string; ok: boolean; reasons: Array<{ code: string; message: string }> }>;
  alerts: unknown[];
}

let tmp: string;
let count = 0;
/** A fresh directory (optionally with files) under the suite's temp dir. */
function dir(files: Record<string, string> = {}): string {
  const d = join(tmp, `d${++count}`);
  mkdirSync(d, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(d, name)), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

/** A small, fast monitor line (YAML flow mapping). */
const FAST = 'samples: 1, intervalMs: 0, attempts: 1, connectTimeoutMs: 1000';
const httpMon = (name: string, url: string, extra = '') =>
  `  - { name: ${name}, type: http, url: "${url}", ${FAST}, readTimeoutMs: 2000${extra ? `, ${extra}` : ''} }\n`;
const tcpMon = (name: string, port: number) => `  - { name: ${name}, type: tcp, host: 127.0.0.1, port: ${port}, ${FAST} }\n`;

let healthy: Running;
let secretEcho: Running;
let unauthorized: Running;
let seenAuth: string[] = [];
let deadPort: number;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'scf-monitor-cli-test-'));
  healthy = await httpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('all good'));
  // Echoes the Authorization header into the body: the body must never reach the output.
  secretEcho = await httpServer((req, res) => {
    seenAuth.push(String(req.headers.authorization));
    res.writeHead(200, { 'content-type': 'text/plain', 'x-echo': String(req.headers.authorization) }).end(`you sent ${req.headers.authorization}`);
  });
  unauthorized = await httpServer((req, res) => {
    seenAuth.push(String(req.headers.authorization));
    res.writeHead(401, { 'content-type': 'text/plain' }).end(`bad credentials: ${req.headers.authorization}`);
  });
  deadPort = await closedPort();
});

after(async () => {
  await Promise.all([healthy.close(), secretEcho.close(), unauthorized.close()]);
  rmSync(tmp, { recursive: true, force: true });
});

describe('validate', () => {
  test('a good config: exit 0, prints ok: with the path and the counts', async () => {
    const cwd = dir({ 'good.yaml': `monitors:\n${httpMon('web', 'http://127.0.0.1:1/')}${tcpMon('db', 1)}` });
    const r = await cli(['validate', '--config', 'good.yaml'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith(`ok: ${join(cwd, 'good.yaml')}: 2 monitors (1 http, 1 tcp)\n`), r.stdout);
    assert.equal(r.stderr, '');
  });

  test('an sms channel relying on the execution role: a note when TENCENTCLOUD_* are not set, none when they are', async () => {
    const sms = `channels:\n  oncall: { type: sms, sdkAppId: "1400000000", signName: 监控, templateId: "1", phones: ["+8613800000000"] }\n` +
      `  keyed: { type: sms, sdkAppId: "1400000000", signName: 监控, templateId: "1", phones: ["+8613800000000"], secretId: AKIDx, secretKey: k }\n`;
    const cwd = dir({ 'sms.yaml': `${sms}monitors:\n${tcpMon('db', 1)}` });
    const unset = await cli(['validate', '--config', 'sms.yaml'], { cwd, env: { TENCENTCLOUD_SECRETID: '', TENCENTCLOUD_SECRETKEY: '' } });
    assert.equal(unset.code, 0, unset.stderr);
    assert.match(unset.stdout, /^note: channel oncall uses the execution role's credentials; .*fails with NO_CREDENTIALS$/m);
    assert.doesNotMatch(unset.stdout, /keyed/);
    const set = await cli(['validate', '--config', 'sms.yaml'], { cwd, env: { TENCENTCLOUD_SECRETID: 'AKIDrole', TENCENTCLOUD_SECRETKEY: 'k' } });
    assert.doesNotMatch(set.stdout, /execution role/);
  });

  test('without --config it finds ./monitors.yaml, and SCF_MONITOR_CONFIG beats it', async () => {
    const cwd = dir({
      'monitors.yaml': `monitors:\n${tcpMon('db', 1)}`,
      'other.yaml': `monitors:\n${tcpMon('a', 1)}${tcpMon('b', 2)}`,
    });
    const local = await cli(['validate'], { cwd });
    assert.equal(local.code, 0, local.stderr);
    assert.ok(local.stdout.startsWith(`ok: ${join(cwd, 'monitors.yaml')}: 1 monitors (1 tcp)\n`), local.stdout);

    const fromEnv = await cli(['validate'], { cwd, env: { SCF_MONITOR_CONFIG: 'other.yaml' } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.ok(fromEnv.stdout.startsWith(`ok: ${join(cwd, 'other.yaml')}: 2 monitors (2 tcp)\n`), fromEnv.stdout);
  });

  const bad: Array<[string, string, string[]]> = [
    ['an invalid URL', 'monitors:\n  - name: web\n    type: http\n    url: "not a url"\n', [':4:10: monitors[0].url: not a valid URL']],
    ['an unknown type', 'monitors:\n  - { name: x, type: ftp }\n', ['monitors[0].type: unknown type "ftp" (known types: http, tcp, dns, speedtest, ckafka, heartbeat, host, sweep, page)']],
    [
      'duplicate names',
      `monitors:\n${tcpMon('db', 1)}${tcpMon('db', 2)}`,
      ['monitors[1].name: duplicate name "db" (also monitors[0])'],
    ],
    ['a negative number', `monitors:\n  - { name: a, type: tcp, host: 127.0.0.1, port: 1, samples: -5 }\n`, ['monitors[0].samples: must be at least 1, got -5']],
    [
      'a missing env variable',
      'monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", headers: { X-Key: "${NO_SUCH_VAR_CLI}" } }\n',
      ['monitors[0].headers.X-Key: environment variable NO_SUCH_VAR_CLI is not set'],
    ],
    ['two problems at once', 'bogus: 1\nmonitors:\n  - { name: a, type: tcp, host: 127.0.0.1 }\n', ['bogus: unknown key', 'monitors[0].port: is required']],
    ['a YAML syntax error', 'monitors:\n  - name: a\n   type: tcp\n', [':3:', 'YAML: ']],
    ['an empty list', 'monitors: []\n', ['monitors: must list at least one monitor']],
  ];
  for (const [what, yaml, fragments] of bad) {
    test(`a bad config (${what}): exit 2, path and reason on stderr, no stack`, async () => {
      const cwd = dir({ 'bad.yaml': yaml });
      const file = join(cwd, 'bad.yaml');
      const r = await cli(['validate', '--config', 'bad.yaml'], { cwd });
      assertCleanError(r, `scf-monitor: invalid config ${file}:\n`, ...fragments);
      assert.equal(r.stdout, '');
    });
  }

  test('a --config file that does not exist: exit 2 naming it', async () => {
    const cwd = dir();
    const r = await cli(['validate', '--config', 'nope.yaml'], { cwd });
    assertCleanError(r, `config file ${join(cwd, 'nope.yaml')} (from --config) does not exist`);
  });

  test('a missing ca file: exit 2 naming monitors[0].ca', async () => {
    const cwd = dir({ 'm.yaml': 'monitors:\n  - { name: a, type: http, url: "https://127.0.0.1:1/", ca: certs/none.pem }\n' });
    const r = await cli(['validate', '--config', 'm.yaml'], { cwd });
    assertCleanError(r, `monitors[0].ca: cannot read ${join(cwd, 'certs', 'none.pem')}: ENOENT`);
  });

  test('a copy of monitors.example.yaml with nothing set: exit 2 naming every variable to set', async () => {
    const cwd = dir({ 'monitors.yaml': readFileSync(join(ROOT, 'monitors.example.yaml'), 'utf8') });
    const r = await cli(['validate'], { cwd });
    assertCleanError(r, ...Object.keys(EXAMPLE_ENV).map((name) => `environment variable ${name} is not set`));
  });

  test("monitors.example.yaml validates with its variables set, and the project's serverless.yml fits it: no warning", async () => {
    const cwd = dir({ 'serverless.yml': readFileSync(join(ROOT, 'serverless.yml'), 'utf8') });
    const r = await cli(['validate', '--config', join(ROOT, 'monitors.example.yaml')], { cwd, env: EXAMPLE_ENV });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      r.stdout.startsWith(`ok: ${join(ROOT, 'monitors.example.yaml')}: 11 monitors (1 http, 1 tcp, 1 dns, 1 heartbeat, 1 host, 1 sweep, 1 page, 3 speedtest, 1 ckafka)\n`),
      r.stdout,
    );
    assert.equal(r.stderr, '');
  });

  test('validate warns, with file and line, about a literal secret and channels nothing routes to; exit still 0', async () => {
    const cwd = dir({
      'm.yaml': 'channels:\n  ops: { type: email, host: smtp.example.com, user: ops, pass: hunter2, from: a@example.com, to: [b@example.com] }\nmonitors:\n  - { name: a, type: tcp, host: 127.0.0.1, port: 1 }\n',
    });
    const r = await cli(['validate', '--config', 'm.yaml'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: \S+m\.yaml:2:\d+: channels\.ops\.pass: a literal secret: .*"\$\{OPS_PASS\}"/m);
    assert.match(r.stderr, /^warning: \S+: alerts\.channels: channels are defined \(ops\) but no alert goes to any/m);
    assert.ok(!r.stderr.includes('hunter2') && !r.stdout.includes('hunter2'));
  });

  test("a timeout too short for a ckafka monitor names ckafka's own worst case, not samples x interval", async () => {
    const kafka = 'monitors:\n  - { name: lag, type: ckafka, region: ap-guangzhou, instanceId: ckafka-abc, groups: [g] }\n';
    const sls = 'inputs:\n  functions:\n    kafkaLag:\n      handler: kafkaLag.main_handler\n      timeout: 30\n';
    const cwd = dir({ 'm.yaml': kafka, 'serverless.yml': sls });
    const r = await cli(['validate', '--config', 'm.yaml'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: kafkaLag: timeout 30 s in serverless\.yml is shorter than its monitors' worst case 61 s \(ckafka: 3 rounds of CKafka API calls .*apiTimeoutMs\)/m);
    assert.doesNotMatch(r.stderr, /samples x interval/);
  });

  test("pagePerf's timeout is read from deploy/page/serverless.yml (the image function's), not the zip deploy's", async () => {
    const page = 'monitors:\n  - { name: home, type: page, url: "http://127.0.0.1:1/" }\n';
    const zip = 'component: multi-scf\ninputs:\n  timeout: 900\n';
    const cwd = dir({ 'm.yaml': page, 'serverless.yml': zip, 'deploy/page/serverless.yml': 'component: scf\ninputs:\n  timeout: 20\n' });
    const r = await cli(['validate', '--config', 'm.yaml'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: pagePerf: timeout 20 s in deploy\/page\/serverless\.yml is shorter than its monitors' worst case 176 s/);
    // The project's own image deploy file fits the defaults.
    const own = dir({ 'm.yaml': page, 'deploy/page/serverless.yml': readFileSync(join(ROOT, 'deploy', 'page', 'serverless.yml'), 'utf8') });
    const ok = await cli(['validate', '--config', 'm.yaml'], { cwd: own });
    assert.equal(ok.code, 0, ok.stderr);
    assert.doesNotMatch(ok.stderr, /pagePerf/);
  });

  describe('the function timeout in ./serverless.yml', () => {
    // Defaults: 10 samples, 1 s apart, 3 attempts x 3 s connect + 5 s read = 14 s per sample:
    // 9 x 14 + 14 = 140 s, plus the 1 s margin = 141 s.
    const defaults = 'monitors:\n  - { name: web, type: http, url: "http://127.0.0.1:1/" }\n';
    const sls = (timeout: number) =>
      `component: multi-scf\ninputs:\n  timeout: 900\n  functions:\n    statusCheck:\n      handler: statusCheck.main_handler\n      timeout: ${timeout}\n`;

    test('too short: a warning on stderr naming the function, both times, and the exit is still 0', async () => {
      const cwd = dir({ 'm.yaml': defaults, 'serverless.yml': sls(5) });
      const r = await cli(['validate', '--config', 'm.yaml'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.startsWith('ok: '), r.stdout);
      assert.ok(
        r.stderr.startsWith(
          "warning: statusCheck: timeout 5 s in serverless.yml is shorter than its monitors' worst case 141 s",
        ),
        r.stderr,
      );
      assert.ok(r.stderr.includes('DEADLINE'), r.stderr);
    });

    test('long enough: no warning', async () => {
      const cwd = dir({ 'm.yaml': defaults, 'serverless.yml': sls(200) });
      const r = await cli(['validate', '--config', 'm.yaml'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.ok(!r.stdout.includes('warning'), r.stdout);
    });

    test("the project's own serverless.yml fits the defaults, alert delivery's reserve included (140 s + 10 s < 160 s)", async () => {
      const withChannels = `state: { type: redis, url: "redis://127.0.0.1:1" }\nchannels:\n  ops: { type: wecom, webhook: "http://127.0.0.1:1/x" }\nalerts: { channels: [ops] }\n${defaults}`;
      const cwd = dir({ 'm.yaml': defaults, 'c.yaml': withChannels, 'serverless.yml': readFileSync(join(ROOT, 'serverless.yml'), 'utf8') });
      for (const config of ['m.yaml', 'c.yaml']) {
        const r = await cli(['validate', '--config', config], { cwd });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '', config);
      }
    });

    test('file state with channels configured: a note that SCF needs redis', async () => {
      const cwd = dir({ 'm.yaml': `channels:\n  ops: { type: wecom, webhook: "http://127.0.0.1:1/x" }\n${defaults}` });
      const r = await cli(['validate', '--config', 'm.yaml'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /note: state is kept in files under \/tmp\/scf-monitor; on SCF \/tmp belongs to one instance/);
    });

    test('a function without its own timeout uses inputs.timeout', async () => {
      const cwd = dir({ 'm.yaml': defaults, 'serverless.yml': 'inputs:\n  timeout: 30\n  functions:\n    statusCheck:\n      handler: x\n' });
      const r = await cli(['validate', '--config', 'm.yaml'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stderr.startsWith('warning: statusCheck: timeout 30 s in serverless.yml'), r.stderr);
    });

    test('memory: a config that needs more than memorySize gets a warning naming the estimate; within it, none', async () => {
      const many = (n: number) =>
        `channels:\n  ops: { type: wecom, webhook: "http://127.0.0.1:1/x" }\nalerts: { channels: [ops] }\nmonitors:\n` +
        Array.from({ length: n }, (_, i) => `  - { name: m${i}, type: tcp, host: 127.0.0.1, port: 1, samples: 1, intervalMs: 0, connectTimeoutMs: 10, attempts: 1 }\n`).join('');
      const sls = (mb: number) => `inputs:\n  memorySize: ${mb}\n  functions:\n    statusCheck:\n      handler: x\n      timeout: 900\n`;
      const cwd = dir({ 'big.yaml': many(8000), 'small.yaml': many(100), 'serverless.yml': sls(128) });
      mkdirSync(join(cwd, 'roomy'));
      writeFileSync(join(cwd, 'roomy', 'serverless.yml'), sls(512));
      const big = await cli(['validate', '--config', 'big.yaml'], { cwd });
      assert.equal(big.code, 0, big.stderr);
      assert.match(big.stderr, /^warning: statusCheck: 8000 monitors with alerts may need about 1\d\d MB at peak \(every monitor failing at once\), more than memorySize 128 MB in serverless\.yml/);
      const small = await cli(['validate', '--config', 'small.yaml'], { cwd });
      assert.equal(small.code, 0, small.stderr);
      assert.equal(small.stderr, '');
      const roomy = await cli(['validate', '--config', '../big.yaml'], { cwd: join(cwd, 'roomy') });
      assert.equal(roomy.code, 0, roomy.stderr);
      assert.equal(roomy.stderr, '');
    });

    test('no serverless.yml: a note on stdout with the worst case, no warning', async () => {
      const cwd = dir({ 'm.yaml': defaults });
      const r = await cli(['validate', '--config', 'm.yaml'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.ok(r.stdout.includes('note: statusCheck: no timeout in serverless.yml; its monitors can take up to 141 s'), r.stdout);
    });
  });
});

describe('serverless.yml files', () => {
  test("both use the Serverless Cloud Framework's ${env.NAME}, never ${env:NAME}, and name multi-scf's vpcConfig", () => {
    const main = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
    const probe = readFileSync(join(ROOT, 'deploy', 'probe', 'serverless.yml'), 'utf8');
    for (const text of [main, probe]) {
      assert.doesNotMatch(text, /\$\{env:/);
      assert.match(text, /\$\{env\.[A-Z_]+\}/);
    }
    assert.match(main, /^ {2}# vpcConfig:\n {2}# {3}vpcId: vpc-\w+.*\n {2}# {3}subnetId: subnet-\w+/m);
  });
});

describe('invoke', () => {
  test('--json against a healthy server: exit 0, stdout is the summary alone, one JSON log line per result on stderr', async () => {
    const cwd = dir({ 'm.yaml': `monitors:\n${httpMon('web', healthy.url('/health'))}` });
    const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--json'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as SummaryJson;
    assert.equal(summary.function, 'statusCheck');
    assert.equal(summary.ok, true);
    assert.equal(summary.results.length, 1);
    assert.equal(summary.results[0]!.monitor, 'web');
    assert.equal(summary.results[0]!.target, healthy.url('/health'));
    assert.deepEqual(summary.alerts, []);
    assert.ok(!Number.isNaN(Date.parse(summary.startedAt)));

    const lines = logLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.equal(lines[0]!.monitor, 'web');
    assert.equal(lines[0]!.type, 'http');
    assert.equal(lines[0]!.function, 'statusCheck');
    assert.equal(lines[0]!.ok, true);
  });

  test('--json with an http and a tcp monitor: two log lines, one per result', async () => {
    const cwd = dir({ 'm.yaml': `monitors:\n${httpMon('web', healthy.url())}${tcpMon('port', healthy.port)}` });
    const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--json'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as SummaryJson;
    assert.deepEqual(summary.results.map((x) => `${x.monitor}:${x.type}:${x.ok}`).sort(), ['port:tcp:true', 'web:http:true']);
    const lines = logLines(r.stderr);
    assert.deepEqual(lines.map((l) => `${String(l.monitor)}:${String(l.type)}`).sort(), ['port:tcp', 'web:http']);
  });

  test('a failing monitor (closed port): exit 1, summary ok false with CONNECT_REFUSED', async () => {
    const cwd = dir({ 'm.yaml': `monitors:\n${httpMon('web', healthy.url())}${httpMon('dead', `http://127.0.0.1:${deadPort}/`)}` });
    const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--json'], { cwd });
    assert.equal(r.code, 1, r.stderr);
    const summary = JSON.parse(r.stdout) as SummaryJson;
    assert.equal(summary.ok, false);
    const dead = summary.results.find((x) => x.monitor === 'dead');
    const web = summary.results.find((x) => x.monitor === 'web');
    assert.equal(web?.ok, true);
    assert.equal(dead?.ok, false);
    assert.deepEqual(dead.reasons.map((x) => x.code), ['CONNECT_REFUSED']);
    assert.equal(logLines(r.stderr).length, 2);
  });

  test('a failing tcp monitor exits 1 too', async () => {
    const cwd = dir({ 'm.yaml': `monitors:\n${tcpMon('db', deadPort)}` });
    const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--json'], { cwd });
    assert.equal(r.code, 1, r.stderr);
    const summary = JSON.parse(r.stdout) as SummaryJson;
    assert.equal(summary.results[0]!.reasons[0]!.code, 'CONNECT_REFUSED');
  });

  test('the default table names each monitor with ok or FAIL', async () => {
    const cwd = dir({ 'm.yaml': `monitors:\n${httpMon('healthy-web', healthy.url())}${tcpMon('dead-port', deadPort)}` });
    const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--verbose'], { cwd });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^statusCheck {2}\S+ {2}[\d.]+ s {2}1 of 2 failing$/m);
    assert.match(r.stdout, /^MONITOR\s+TYPE\s+RESULT\s+OK\/N\s+MEAN\s+P95\s+DETAIL$/m);
    assert.match(r.stdout, /^healthy-web\s+http\s+ok\s+1\/1\s/m);
    assert.match(r.stdout, /^dead-port\s+tcp\s+FAIL\s+0\/1\s.*CONNECT_REFUSED/m);
    // The table is for people; with --verbose the JSON lines go to stderr.
    assert.throws(() => JSON.parse(r.stdout));
    assert.equal(logLines(r.stderr).length, 2);
  });

  test('table mode without --verbose: the table alone, no JSON records on stderr', async () => {
    const cwd = dir({ 'm.yaml': `monitors:\n${httpMon('healthy-web', healthy.url())}${tcpMon('dead-port', deadPort)}` });
    const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml'], { cwd });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^dead-port\s+tcp\s+FAIL\s+0\/1\s.*CONNECT_REFUSED/m);
    assert.equal(r.stderr, '');
  });

  test('--json is JSON Lines: the summary is one line, so `>> status.json` appends one object per run', async () => {
    const cwd = dir({ 'm.yaml': `monitors:\n${httpMon('web', healthy.url())}${tcpMon('dead-port', deadPort)}` });
    const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--json'], { cwd });
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.equal(lines[1], '');
    assert.equal((JSON.parse(lines[0]!) as SummaryJson).results.length, 2);
    for (const l of logLines(r.stderr)) assert.equal(typeof l.monitor, 'string');
  });

  test('a function with no monitors of its type: "no monitors selected" and no empty table header', async () => {
    const cwd = dir({ 'm.yaml': `monitors:\n${httpMon('web', healthy.url())}` });
    const r = await cli(['invoke', 'speedTest', '--config', 'm.yaml'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no monitors selected/);
    assert.doesNotMatch(r.stdout, /MONITOR/);
  });

  test('./monitors.yaml in cwd is used when there is no --config', async () => {
    const cwd = dir({ 'monitors.yaml': `monitors:\n${httpMon('from-cwd', healthy.url())}` });
    const r = await cli(['invoke', 'statusCheck', '--json'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as SummaryJson).results.map((x) => x.monitor), ['from-cwd']);
  });

  describe('--event', () => {
    const two = () => dir({ 'm.yaml': `monitors:\n${httpMon('a', healthy.url('/a'))}${httpMon('b', healthy.url('/b'), 'tags: [web]')}` });

    test('a JSON string whose Message names a monitor narrows the run to it', async () => {
      const cwd = two();
      const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--json', '--event', '{"Message":"{\\"monitors\\":[\\"a\\"]}"}'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout) as SummaryJson;
      assert.deepEqual(summary.results.map((x) => x.monitor), ['a']);
      assert.equal(logLines(r.stderr).length, 1);
    });

    test('no event runs every monitor', async () => {
      const cwd = two();
      const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--json'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual((JSON.parse(r.stdout) as SummaryJson).results.map((x) => x.monitor).sort(), ['a', 'b']);
    });

    test('a file: its Message (tags) narrows the run', async () => {
      const cwd = two();
      writeFileSync(join(cwd, 'event.json'), JSON.stringify({ Type: 'Timer', TriggerName: 't', Time: '2026-01-01T00:00:00Z', Message: '{"tags":["web"]}' }));
      const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--json', '--event', 'event.json'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual((JSON.parse(r.stdout) as SummaryJson).results.map((x) => x.monitor), ['b']);
    });

    test('a Message naming an unknown monitor: exit 2 with the name', async () => {
      const cwd = two();
      const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--event', '{"Message":"{\\"monitors\\":[\\"ghost-monitor\\"]}"}'], { cwd });
      assertCleanError(r, 'event Message names monitor "ghost-monitor", which the config does not have (known: a, b)');
      assert.equal(r.stdout, '');
    });

    test('a Message that is not JSON: exit 2', async () => {
      const cwd = two();
      const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--event', '{"Message":"monitors=a"}'], { cwd });
      assertCleanError(r, 'event Message is not JSON: "monitors=a"');
    });

    test('an --event that starts with { but is not JSON: exit 2', async () => {
      const cwd = two();
      const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--event', '{Message: a}'], { cwd });
      assertCleanError(r, '--event: not a JSON object');
      assert.equal(r.stdout, '');
    });

    test('an --event that is JSON but not an object: exit 2', async () => {
      const cwd = two();
      writeFileSync(join(cwd, 'list.json'), '[1,2]');
      const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--event', 'list.json'], { cwd });
      assertCleanError(r, '--event: not a JSON object');
    });

    test('an --event file that does not exist: exit 2 naming it', async () => {
      const cwd = two();
      const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--event', 'no-such-event.json'], { cwd });
      assertCleanError(r, '--event: cannot read no-such-event.json: ENOENT');
    });
  });

  test('no config anywhere: exit 2, "no config found" and where it looked', async () => {
    const cwd = dir();
    const r = await cli(['invoke', 'statusCheck'], { cwd });
    assertCleanError(r, 'no config found', join(cwd, 'monitors.yaml'));
    assert.equal(r.stdout, '');
  });

  test('an invalid config under invoke: exit 2 like validate, nothing run', async () => {
    const cwd = dir({ 'm.yaml': `monitors:\n  - { name: a, type: http, url: "ftp://127.0.0.1/" }\n` });
    const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--json'], { cwd });
    assertCleanError(r, 'monitors[0].url: must be an http:// or https:// URL');
    assert.equal(r.stdout, '');
  });
});

describe('usage errors', () => {
  test('an unknown command: exit 2 with usage, no stack', async () => {
    const r = await cli(['frobnicate'], { cwd: dir() });
    assertCleanError(r, 'unknown command "frobnicate"', 'usage:', 'scf-monitor invoke <function>');
  });

  test('an unknown function: exit 2 naming the known ones', async () => {
    const r = await cli(['invoke', 'nosuchFunction'], { cwd: dir() });
    assertCleanError(r, 'unknown function "nosuchFunction" (known: statusCheck, speedTest, kafkaLag, heartbeatCheck, sweep, pagePerf)');
  });

  test('a missing function name: exit 2 with usage', async () => {
    const r = await cli(['invoke', '--json'], { cwd: dir() });
    assertCleanError(r, 'invoke takes one function name', 'usage:', 'scf-monitor validate [--config FILE]');
  });

  test('two function names: exit 2 with usage', async () => {
    const r = await cli(['invoke', 'statusCheck', 'statusCheck'], { cwd: dir() });
    assertCleanError(r, 'invoke takes one function name', 'usage:');
  });

  test('an unknown option: exit 2 with usage', async () => {
    const r = await cli(['invoke', 'statusCheck', '--verbsoe'], { cwd: dir() });
    assertCleanError(r, "Unknown option '--verbsoe'", 'usage:');
  });

  test('no command at all: usage, exit 2', async () => {
    const r = await cli([], { cwd: dir() });
    assert.equal(r.code, 2);
    assert.ok(r.stdout.startsWith('usage:\n  scf-monitor invoke <function>'), r.stdout);
  });

  test('--version: the package version, exit 0', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const r = await cli(['--version'], { cwd: dir() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `scf-monitor ${version}\n`);
  });

  test('--help: usage, exit 0', async () => {
    const r = await cli(['--help'], { cwd: dir() });
    assert.equal(r.code, 0);
    assert.ok(r.stdout.includes('exit codes: 0 all monitors healthy, 1 a monitor is failing or alerting failed, 2 config or usage error'), r.stdout);
  });
});

describe('secrets never reach the output', () => {
  const TOKEN = 's3cr3t-value-123';
  const PASSWORD = 'pw-secret-456';

  function secretConfig(): string {
    const auth = 'headers: { Authorization: "Bearer ${API_TOKEN}" }';
    return dir({
      'm.yaml':
        'monitors:\n' +
        httpMon('echo-ok', secretEcho.url('/'), auth) +
        httpMon('echo-401', unauthorized.url('/'), `${auth}, expect: { bodyContains: "welcome" }`) +
        httpMon('dead', `http://127.0.0.1:${deadPort}/`, auth) +
        httpMon('with-password', `http://monitor:${PASSWORD}@127.0.0.1:${secretEcho.port}/`) +
        httpMon('password-dead', `http://monitor:${PASSWORD}@127.0.0.1:${deadPort}/`),
    });
  }

  for (const json of [true, false]) {
    test(`a header from an env variable and a URL password are not printed (${json ? '--json' : 'table'}), with failing targets`, async () => {
      seenAuth = [];
      const cwd = secretConfig();
      const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', ...(json ? ['--json'] : ['--verbose'])], { cwd, env: { API_TOKEN: TOKEN } });
      assert.equal(r.code, 1, r.stderr);
      // The secret really was used: the servers received it.
      assert.ok(seenAuth.includes(`Bearer ${TOKEN}`), JSON.stringify(seenAuth));
      for (const out of [r.stdout, r.stderr]) {
        assert.ok(!out.includes(TOKEN), `token printed:\n${out}`);
        assert.ok(!out.includes(PASSWORD), `URL password printed:\n${out}`);
      }
      assert.equal(logLines(r.stderr).length, 5);
      if (json) {
        const summary = JSON.parse(r.stdout) as SummaryJson;
        const byName = Object.fromEntries(summary.results.map((x) => [x.monitor, x]));
        assert.equal(byName['echo-ok']?.ok, true);
        assert.equal(byName['echo-401']?.reasons[0]?.code, 'HTTP_STATUS');
        assert.equal(byName['dead']?.reasons[0]?.code, 'CONNECT_REFUSED');
        assert.equal(byName['password-dead']?.reasons[0]?.code, 'CONNECT_REFUSED');
        assert.equal(byName['with-password']?.target, `http://monitor:***@127.0.0.1:${secretEcho.port}/`);
      } else {
        assert.match(r.stdout, /^echo-401\s+http\s+FAIL\s/m);
      }
    });
  }

  test('a missing secret variable is named, and the other secrets are not printed', async () => {
    const cwd = dir({
      'm.yaml':
        'monitors:\n' +
        httpMon('a', healthy.url(), 'headers: { Authorization: "Bearer ${API_TOKEN}", X-Other: "${OTHER_SECRET_CLI}" }'),
    });
    const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml'], { cwd, env: { API_TOKEN: TOKEN } });
    assertCleanError(r, 'monitors[0].headers.X-Other: environment variable OTHER_SECRET_CLI is not set');
    assert.ok(!r.stderr.includes(TOKEN) && !r.stdout.includes(TOKEN));
  });

  test(
    'a URL password is not printed when the target redirects too often',
    async () => {
      const loop = await httpServer((_req, res) => res.writeHead(302, { location: '/again' }).end());
      try {
        const cwd = dir({ 'm.yaml': `monitors:\n${httpMon('loop', `http://monitor:${PASSWORD}@127.0.0.1:${loop.port}/`, 'maxRedirects: 1')}` });
        const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--json'], { cwd });
        assert.equal(r.code, 1, r.stderr);
        assert.equal((JSON.parse(r.stdout) as SummaryJson).results[0]!.reasons[0]!.code, 'REDIRECT_LIMIT');
        assert.ok(!r.stdout.includes(PASSWORD), `URL password in stdout:\n${r.stdout}`);
        assert.ok(!r.stderr.includes(PASSWORD), `URL password in stderr:\n${r.stderr}`);
      } finally {
        await loop.close();
      }
    },
  );

  test(
    'URL credentials are sent as Basic authentication',
    async () => {
      seenAuth = [];
      const cwd = dir({ 'm.yaml': `monitors:\n${httpMon('basic', `http://monitor:${PASSWORD}@127.0.0.1:${secretEcho.port}/`)}` });
      const r = await cli(['invoke', 'statusCheck', '--config', 'm.yaml', '--json'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(seenAuth, [`Basic ${Buffer.from(`monitor:${PASSWORD}`).toString('base64')}`]);
    },
  );
});

describe('demo', () => {
  test('exits 0 and prints the table of the seed failure cases', async () => {
    const r = await cli(['demo'], { cwd: dir() });
    assert.equal(r.code, 0, r.stderr);
    for (const s of ['shop-home', 'backend-502', 'port-closed', 'HTTP_STATUS', 'CONNECT_REFUSED', 'MONITOR']) {
      assert.ok(r.stdout.includes(s), `demo output lacks ${s}:\n${r.stdout}`);
    }
    assert.match(r.stdout, /^shop-home\s+http\s+ok\s/m);
    assert.match(r.stdout, /^backend-502\s+http\s+FAIL\s.*HTTP_STATUS/m);
    assert.match(r.stdout, /^port-closed\s+http\s+FAIL\s.*CONNECT_REFUSED/m);
    // The demo silences the JSON lines: its table is the output.
    assert.equal(r.stderr, '');
  });
});

describe('test-channel', () => {
  const KEY = 'cli-robot-key-51e0';
  const config = () =>
    `channels:\n  ops: { type: wecom, webhook: "\${OPS_WEBHOOK}", timeoutMs: 2000 }\nmonitors:\n${tcpMon('db', 1)}`;

  test('sends one message to the named channel: exit 0; the webhook key is not printed', async () => {
    const robot = await wecomStandIn(KEY);
    try {
      const cwd = dir({ 'monitors.yaml': config() });
      const r = await cli(['test-channel', 'ops'], { cwd, env: { OPS_WEBHOOK: robot.url(`${WECOM_PATH}?key=${KEY}`) } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^ok: test message delivered to ops \(wecom\) in \d+ ms, 1 attempt\n$/);
      assert.equal(robot.received.length, 1);
      assert.match(String((robot.received[0]!.json as { markdown: { content: string } }).markdown.content), /test-channel ops/);
      assert.ok(!`${r.stdout}${r.stderr}`.includes(KEY));
    } finally {
      await robot.close();
    }
  });

  test('a permanent error: exit 1 with the code and what to do; a wrong key is not printed either', async () => {
    const robot = await wecomStandIn(KEY);
    try {
      const cwd = dir({ 'monitors.yaml': config() });
      const r = await cli(['test-channel', 'ops'], { cwd, env: { OPS_WEBHOOK: robot.url(`${WECOM_PATH}?key=wrong-key-77aa`) } });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /ops \(wecom\): not delivered after 1 attempt: INVALID_WEBHOOK: .*93000.*will not work until the channel config is fixed/);
      assert.ok(!r.stderr.includes('wrong-key-77aa'));
    } finally {
      await robot.close();
    }
  });

  test('an unknown channel name or no name: exit 2 with the configured names', async () => {
    const cwd = dir({ 'monitors.yaml': config() });
    const unknown = await cli(['test-channel', 'nope'], { cwd, env: { OPS_WEBHOOK: 'http://127.0.0.1:9/x' } });
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, 'scf-monitor: unknown channel "nope" (configured: ops)\n');
    const none = await cli(['test-channel'], { cwd, env: { OPS_WEBHOOK: 'http://127.0.0.1:9/x' } });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /test-channel takes one channel name/);
  });
});

describe('validate: how a ckafka window reads on the kafkaLag timer', () => {
  const ck = (name: string, extra = '') => `  - { name: ${name}, type: ckafka, region: ap-guangzhou, instanceId: ckafka-cli00001, secretId: a, secretKey: b${extra} }\n`;
  const sls = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');

  test("on the project's 1-minute timer: the default 10m, a count of 5 and how to size it; too long and too short windows warn", async () => {
    const config = `monitors:\n${ck('lag')}${ck('lag5', ', window: 5')}${ck('lag2h', ', window: 2h')}${ck('lag1m', ', window: 1m')}`;
    const r = await cli(['validate', '--config', 'm.yaml'], { cwd: dir({ 'm.yaml': config, 'serverless.yml': sls }) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^note: monitors\[0\] \(lag\): window 10m reads 11 observations on kafkaLag's 1 min timer and suits consumers that commit at least every 5 min$/m);
    assert.match(r.stdout, /^note: monitors\[1\] \(lag5\): window 5 is 4 min on kafkaLag's 1 min timer: a consumer that commits less often reads as STALL between its commits; size it to at least twice the longest interval between your consumers' commits/m);
    assert.match(r.stderr, /^warning: monitors\[2\] \(lag2h\): window 2h needs 121 observations on kafkaLag's 1 min timer, but at most 50 are kept: it covers 49 min$/m);
    assert.match(r.stderr, /^warning: monitors\[3\] \(lag1m\): window 1m holds 2 observations/m);
  });

  test('a 5-minute timer makes the same count five times as long; without serverless.yml the advice is general', async () => {
    const five = sls.replace("cronExpression: '0 * * * * * *'", "cronExpression: '0 */5 * * * * *'");
    assert.notEqual(five, sls);
    const config = `monitors:\n${ck('lag5', ', window: 5')}`;
    const r = await cli(['validate', '--config', 'm.yaml'], { cwd: dir({ 'm.yaml': config, 'serverless.yml': five }) });
    assert.match(r.stdout, /^note: monitors\[0\] \(lag5\): window 5 is 20 min on kafkaLag's 5 min timer/m);
    const bare = await cli(['validate', '--config', 'm.yaml'], { cwd: dir({ 'm.yaml': config }) });
    assert.match(bare.stdout, /^note: monitors\[0\] \(lag5\): window 5 counts observations, so its span depends on the timer; a duration \(window: 10m\) does not/m);
  });
});
