/**
 * The host agent: the /proc parsers on fixture text, the sampler on a fixture /proc folder, and
 * `runAgent` end to end against loopback servers (127.0.0.1 only) that check what arrives.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttps, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { closedPort, httpServer, type Running } from '../dev/standins/servers';
import { makeCerts, type TestCerts } from './support/certs';
import { cpuBusyPercent, parseMeminfo, parseNetDev, parseStat, ProcError } from '../lib/agent/proc';
import { Sampler } from '../lib/agent/sample';
import { parseDuration } from '../lib/agent/duration';
import { runAgent, TOKEN_ENV, USAGE } from '../bin/agent';
import pkg from '../package.json';

const STAT_1 = `cpu  1000 20 300 8000 100 10 20 0 50 0
cpu0 500 10 150 4000 50 5 10 0 25 0
intr 12345
ctxt 678
`;
// 200 more jiffies: 150 busy (user 100, system 30, irq 10, softirq 10), 40 idle, 10 iowait.
const STAT_2 = `cpu  1100 20 330 8040 110 20 30 0 90 0
cpu0 550 10 165 4020 55 10 15 0 45 0
`;
// 100 more after STAT_2, all idle.
const STAT_3 = `cpu  1100 20 330 8140 110 20 30 0 90 0
`;

const MEMINFO = `MemTotal:        8000000 kB
MemFree:          500000 kB
MemAvailable:    4758400 kB
Buffers:          100000 kB
Cached:          2000000 kB
SwapCached:            0 kB
Active(anon):     123456 kB
`;
// A kernel before 3.14: available is MemFree + Buffers + Cached = 2,600,000 of 8,000,000.
const MEMINFO_OLD = `MemTotal:        8000000 kB
MemFree:          500000 kB
Buffers:          100000 kB
Cached:          2000000 kB
`;

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 999999999  100000    0    0    0     0          0         0 999999999  100000    0    0    0     0       0          0
  eth0: 383482123  300000    0    0    0     0          0         0 37618359  200000    0    0    0     0       0          0
  eth1:1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0
`;

const TOKEN = 'tok-3f9a8c1d-secret-value';

/** A /proc folder with the files the agent reads. */
function fixtureProc(stat = STAT_1, meminfo = MEMINFO): string {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-proc-'));
  mkdirSync(join(dir, 'net'));
  writeFileSync(join(dir, 'stat'), stat);
  writeFileSync(join(dir, 'meminfo'), meminfo);
  writeFileSync(join(dir, 'net', 'dev'), NET_DEV);
  return dir;
}

describe('/proc parsers', () => {
  test('stat: the aggregate line; guest time is not counted twice', () => {
    assert.deepEqual(parseStat(STAT_1), { total: 1000 + 20 + 300 + 8000 + 100 + 10 + 20, idle: 8100 });
  });

  test('cpu busy percent from two readings: total - idle - iowait over total', () => {
    assert.equal(cpuBusyPercent(parseStat(STAT_1), parseStat(STAT_2)), 75);
    assert.equal(cpuBusyPercent(parseStat(STAT_2), parseStat(STAT_3)), 0);
    // Two reads within one tick: no time passed, not a division by zero.
    assert.equal(cpuBusyPercent(parseStat(STAT_1), parseStat(STAT_1)), 0);
  });

  test('stat without a cpu line is a ProcError', () => {
    assert.throws(() => parseStat('intr 1\nctxt 2\n'), ProcError);
    assert.throws(() => parseStat('cpu  a b c d\n'), ProcError);
  });

  test('meminfo: MemTotal and MemAvailable', () => {
    assert.deepEqual(parseMeminfo(MEMINFO), { totalKb: 8_000_000, availableKb: 4_758_400 });
  });

  test('meminfo without MemAvailable falls back to MemFree + Buffers + Cached', () => {
    assert.deepEqual(parseMeminfo(MEMINFO_OLD), { totalKb: 8_000_000, availableKb: 2_600_000 });
    assert.throws(() => parseMeminfo('MemFree: 1 kB\n'), ProcError);
  });

  test('net/dev: every interface but lo, recv and sent bytes, with or without a space after the colon', () => {
    assert.deepEqual(parseNetDev(NET_DEV), {
      eth0: { recv: 383_482_123, sent: 37_618_359 },
      eth1: { recv: 1000, sent: 2000 },
    });
  });

  test('durations', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('30'), undefined);
    assert.equal(parseDuration('0s'), undefined);
    assert.equal(parseDuration('-5s'), undefined);
  });
});

describe('sampler on a fixture /proc', () => {
  let dir: string;
  before(() => (dir = fixtureProc()));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('first report samples twice, later ones start from the previous reading', async () => {
    const waits: number[] = [];
    const sampler = new Sampler({
      procRoot: dir,
      mounts: ['/', tmpdir()],
      cpuSampleMs: 1234,
      wait: async (ms) => {
        waits.push(ms);
        writeFileSync(join(dir, 'stat'), STAT_2);
      },
    });
    const first = await sampler.report();
    assert.deepEqual(waits, [1234]);
    assert.equal(first.cpu, 75);
    assert.equal(first.memory, 40.52);
    assert.equal(first.network_recv, 383_482_123 + 1000);
    assert.equal(first.network_sent, 37_618_359 + 2000);
    assert.deepEqual(first.interfaces, { eth0: { recv: 383_482_123, sent: 37_618_359 }, eth1: { recv: 1000, sent: 2000 } });
    assert.deepEqual(Object.keys(first.disks), ['/', tmpdir()]);
    for (const p of Object.values(first.disks)) assert.ok(p >= 0 && p <= 100, String(p));
    assert.equal(first.disk, Math.max(...Object.values(first.disks)));

    writeFileSync(join(dir, 'stat'), STAT_3);
    const second = await sampler.report();
    assert.deepEqual(waits, [1234], 'no second wait');
    assert.equal(second.cpu, 0);
  });

  test('old kernel meminfo gives the fallback figure', async () => {
    const old = fixtureProc(STAT_1, MEMINFO_OLD);
    try {
      const r = await new Sampler({ procRoot: old, wait: async () => {} }).report();
      assert.equal(r.memory, 67.5);
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });
});

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Answer = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

/** A loopback server recording each request, answering as `answer` says. */
async function ingest(answer: Answer): Promise<Running & { seen: Seen[] }> {
  const seen: Seen[] = [];
  const running = await httpServer((req, res) => {
    const s: Seen = { method: req.method, url: req.url, headers: req.headers, body: '' };
    seen.push(s);
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s.body += c));
    req.on('end', () => answer(req, res, s));
  });
  return Object.assign(running, { seen });
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** runAgent in this process, with its output captured and the fixture /proc. */
async function agent(args: string[], opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; onStderr?: (text: string) => void } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runAgent(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => {
      stderr += t;
      opts.onStderr?.(t);
    },
    env: opts.env ?? { [TOKEN_ENV]: TOKEN },
    signal: opts.signal,
    cpuSampleMs: 1,
  });
  return { code, stdout, stderr };
}

function assertNoToken(r: { stdout: string; stderr: string }) {
  assert.ok(!r.stdout.includes(TOKEN), `token in stdout:\n${r.stdout}`);
  assert.ok(!r.stderr.includes(TOKEN), `token in stderr:\n${r.stderr}`);
  // Not even a recognisable piece of it.
  assert.ok(!r.stderr.includes('secret-value') && !r.stdout.includes('secret-value'));
}

describe('agent --once against loopback ingest', () => {
  let proc: string;
  before(() => (proc = fixtureProc()));
  after(() => rmSync(proc, { recursive: true, force: true }));

  test('200: POST to the report path with bearer token, JSON and user agent; exit 0, one line on stdout', async () => {
    const srv = await ingest((_req, res) => json(res, 200, { ok: true }));
    try {
      const r = await agent(['--url', srv.url('/report/web-01'), '--once', '--proc', proc, '--mount', '/']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(srv.seen.length, 1);
      const s = srv.seen[0]!;
      assert.equal(s.method, 'POST');
      assert.equal(s.url, '/report/web-01');
      assert.equal(s.headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(s.headers['content-type'], 'application/json');
      assert.equal(s.headers['user-agent'], `scf-monitor-agent/${pkg.version}`);
      const body = JSON.parse(s.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['cpu', 'disk', 'disks', 'interfaces', 'memory', 'network_recv', 'network_sent']);
      assert.equal(body.cpu, 0, 'one unchanged stat file: no busy time');
      assert.equal(body.memory, 40.52);
      assert.equal(body.network_recv, 383_483_123);
      assert.equal(body.network_sent, 37_620_359);
      assert.deepEqual(Object.keys(body.disks as object), ['/']);
      assert.equal(body.disk, (body.disks as Record<string, number>)['/']);
      assert.deepEqual(body.interfaces, { eth0: { recv: 383_482_123, sent: 37_618_359 }, eth1: { recv: 1000, sent: 2000 } });
      assert.equal(r.stdout.trim().split('\n').length, 1);
      assert.match(r.stdout, /^sent cpu 0% memory 40\.52% .* to http:\/\/127\.0\.0\.1:\d+\/report\/web-01: 200/);
      assert.equal(r.stderr, '');
      assertNoToken(r);
    } finally {
      await srv.close();
    }
  });

  test('401 from a server that echoes the Authorization header: exit 1, its reason shown, the token nowhere', async () => {
    const srv = await ingest((req, res) => json(res, 401, { error: `bad token: ${req.headers.authorization}` }));
    try {
      const r = await agent(['--url', srv.url('/report/web-01'), '--once', '--proc', proc, '--token', TOKEN], { env: {} });
      assert.equal(r.code, 1);
      assert.equal(srv.seen[0]?.headers.authorization, `Bearer ${TOKEN}`, 'the flag token was sent');
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /not taken: http: .* answered 401: bad token: Bearer \*\*\*/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assertNoToken(r);
    } finally {
      await srv.close();
    }
  });

  test('a server that never answers: timeout, exit 1', async () => {
    const srv = await ingest(() => {});
    try {
      const r = await agent(['--url', srv.url('/report/web-01'), '--once', '--proc', proc, '--timeout', '1s']);
      assert.equal(r.code, 1);
      assert.equal(srv.seen.length, 1);
      assert.match(r.stderr, /not taken: timeout: no answer from http:\/\/127\.0\.0\.1:\d+\/report\/web-01 within 1000 ms/);
      assertNoToken(r);
    } finally {
      await srv.close();
    }
  });

  test('nothing listening: refused', async () => {
    const port = await closedPort();
    const r = await agent(['--url', `http://127.0.0.1:${port}/report/web-01`, '--once', '--proc', proc]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not taken: refused: connection refused by 127\.0\.0\.1:\d+/);
  });

  test('a redirect is not followed, and the query string is never printed', async () => {
    const srv = await ingest((_req, res) => {
      res.writeHead(302, { location: `/elsewhere?token=${TOKEN}` });
      res.end();
    });
    try {
      const r = await agent(['--url', srv.url('/report/web-01'), '--once', '--proc', proc]);
      assert.equal(r.code, 1);
      assert.equal(srv.seen.length, 1);
      assert.match(r.stderr, /answered 302, a redirect to http:\/\/127\.0\.0\.1:\d+\/elsewhere; not followed/);
      assertNoToken(r);
    } finally {
      await srv.close();
    }
  });

  test('a 500 with an HTML page: the status and a short one-line excerpt', async () => {
    const srv = await ingest((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(`<html>\n<body>Bad Gateway ${'x'.repeat(5000)}</body></html>`);
    });
    try {
      const r = await agent(['--url', srv.url('/report/web-01'), '--once', '--proc', proc]);
      assert.equal(r.code, 1);
      const line = r.stderr.trim();
      assert.ok(!line.includes('\n'));
      assert.match(line, /answered 502: <html> <body>Bad Gateway x+$/);
      assert.ok(line.length < 600, `${line.length} chars`);
    } finally {
      await srv.close();
    }
  });
});

describe('agent over https', () => {
  let certs: TestCerts;
  let server: Server;
  let port: number;
  let proc: string;
  before(async () => {
    certs = makeCerts();
    proc = fixtureProc();
    server = createHttps({ key: certs.server.key, cert: certs.server.cert }, (req, res) => {
      req.resume();
      req.on('end', () => json(res, 200, { ok: true }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    certs.cleanup();
    rmSync(proc, { recursive: true, force: true });
  });
  const url = () => `https://127.0.0.1:${port}/report/web-01`;

  test('verifies the certificate by default: a private CA is a TLS failure', async () => {
    const r = await agent(['--url', url(), '--once', '--proc', proc]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not taken: tls: TLS with 127\.0\.0\.1:\d+ failed: .*\(--ca FILE for a private CA\)/);
  });

  test('--ca FILE trusts that CA', async () => {
    const r = await agent(['--url', url(), '--once', '--proc', proc, '--ca', join(certs.dir, 'ca.crt')]);
    assert.equal(r.code, 0, r.stderr);
  });

  test('--insecure skips verification', async () => {
    const r = await agent(['--url', url(), '--once', '--proc', proc, '--insecure']);
    assert.equal(r.code, 0, r.stderr);
  });
});

describe('agent usage errors: exit 2, one clear message, no stack, no token', () => {
  let proc: string;
  before(() => (proc = fixtureProc()));
  after(() => rmSync(proc, { recursive: true, force: true }));
  const url = 'http://127.0.0.1:9/report/web-01';

  const cases: Array<[string, string[], NodeJS.ProcessEnv | undefined, RegExp]> = [
    ['no url', ['--once'], undefined, /--url is required/],
    ['not a url', ['--url', 'nope'], undefined, /--url: "nope" is not a URL/],
    ['not the report path', ['--url', 'http://127.0.0.1:9/'], undefined, /does not end in \/report\/<host>/],
    ['no token', ['--url', url], {}, /no token: set SCF_MONITOR_AGENT_TOKEN/],
    ['every too short', ['--url', url, '--every', '2s'], undefined, /--every: 2s is shorter than the minimum 5s/],
    ['every not a duration', ['--url', url, '--every', 'often'], undefined, /--every: "often" is not a duration/],
    ['unknown flag, token on the command line', ['--url', url, '--token', TOKEN, '--bogus'], {}, /Unknown option '--bogus'/],
    ['a stray value after --token=', ['--url', url, `--token=${TOKEN}`, 'extra'], {}, /no arguments besides flags \(got "extra"\)/],
    ['a token with a line break', ['--url', url], { [TOKEN_ENV]: `${TOKEN}\n` }, /the token holds a space, a line break/],
    ['a missing mount', ['--url', url, '--mount', '/no/such/mount'], undefined, /cannot statfs \/no\/such\/mount: ENOENT/],
    ['a wrong --proc', ['--url', url, '--proc', '/no/such/proc'], undefined, /cannot read \/no\/such\/proc\/stat: ENOENT/],
    ['unreadable --ca', ['--url', url, '--ca', '/no/such/ca.pem'], undefined, /--ca: cannot read \/no\/such\/ca\.pem: ENOENT/],
  ];
  for (const [name, args, env, message] of cases) {
    test(name, async () => {
      const r = await agent(args.includes('--proc') ? args : [...args, '--proc', proc], { env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.ok(r.stderr.startsWith('scf-monitor agent: '), r.stderr);
      assert.ok(!r.stderr.includes('    at '), r.stderr);
      assertNoToken(r);
    });
  }

  test('--help prints the usage, which points at the environment variable', async () => {
    const r = await agent(['--help']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${USAGE}\n`);
    assert.match(USAGE, /SCF_MONITOR_AGENT_TOKEN=TOKEN scf-monitor agent --url URL/);
  });
});

describe('agent loop', () => {
  let proc: string;
  before(() => (proc = fixtureProc()));
  after(() => rmSync(proc, { recursive: true, force: true }));

  test('logs a failed report as one line, keeps going, stops cleanly when told', async () => {
    const stop = new AbortController();
    const srv = await ingest((_req, res) => json(res, 503, { error: 'store unavailable' }));
    try {
      // Told to stop once the failure is logged, so the stop lands in the wait for the next report.
      const onStderr = (t: string) => t.includes('answered 503') && stop.abort();
      const r = await agent(['--url', srv.url('/report/web-01'), '--proc', proc, '--every', '5s'], { signal: stop.signal, onStderr });
      assert.equal(r.code, 0);
      assert.equal(srv.seen.length, 1);
      const lines = r.stderr.trim().split('\n');
      assert.match(lines[0]!, /reporting to http:\/\/127\.0\.0\.1:\d+\/report\/web-01 every 5s \(disk: \/\)/);
      assert.match(lines[1]!, /^\d{4}-\d\d-\d\dT\S+ scf-monitor agent: sent .* answered 503: store unavailable$/);
      assert.equal(lines[2], 'scf-monitor agent: stopped');
      assert.equal(lines.length, 3);
    } finally {
      await srv.close();
    }
  });

  test('SIGTERM stops a running agent process with exit 0', async () => {
    const srv = await ingest((_req, res) => json(res, 200, { ok: true }));
    try {
      const script = `require(${JSON.stringify(resolve(__dirname, '../bin/agent.ts'))}).runAgent(process.argv.slice(1)).then((c) => (process.exitCode = c))`;
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, '--', '--url', srv.url('/report/web-01'), '--proc', proc, '--every', '1m'], {
        env: { PATH: process.env.PATH, [TOKEN_ENV]: TOKEN },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      child.stdout.on('data', (c: Buffer) => (stdout += c));
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      // Killed once its first report has arrived, so the signal lands in the wait between reports.
      await new Promise<void>((done) => {
        const poll = setInterval(() => {
          if (srv.seen.length && srv.seen[0]!.body && stderr.includes('reporting to')) {
            clearInterval(poll);
            done();
          }
        }, 20);
      });
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      assert.match(stderr, /scf-monitor agent: stopped\n$/);
      assert.equal(srv.seen.length, 1);
      assertNoToken({ stdout, stderr });
    } finally {
      await srv.close();
    }
  });
});
