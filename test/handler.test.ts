/**
 * The whole run behind `main_handler`: config file -> selection -> monitors (against loopback
 * servers) -> logged records -> summary, with the deadline and the concurrency bound.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { stringify } from 'yaml';
import { runFunction } from '../lib/functions';
import { setLogSink } from '../lib/report/log';
import { ConfigError, UsageError } from '../lib/config/errors';
import type { ScfEvent } from '../lib/runtime/scf';
import type { ResultRecord } from '../lib/report/record';
import type { Summary } from '../lib/runtime/summary';
import { main_handler } from '../functions/statusCheck';
import { AlertingFailedError } from '../lib/runtime/handler';
import { httpServer, tcpServer, type Running } from '../dev/standins/servers';

const RECORD_FIELDS = ['timestamp', 'function', 'monitor', 'type', 'target', 'ok', 'reasons', 'stats', 'hostList', 'samples'];

let dir: string;
let configCount = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-handler-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the config as a YAML file and returns its path. */
function writeConfig(config: object): string {
  const path = join(dir, `monitors-${++configCount}.yaml`);
  writeFileSync(path, stringify(config));
  return path;
}

let lines: string[] = [];
function captureLog(): void {
  lines = [];
  setLogSink((text) => lines.push(...text.split(/(?<=\n)/)));
}
function restoreLog(): void {
  setLogSink((line) => process.stdout.write(line));
}
beforeEach(captureLog);
afterEach(restoreLog);

function logged(): ResultRecord[] {
  return lines.map((line) => {
    assert.ok(line.endsWith('\n'), 'a log line ends with a newline');
    assert.equal(line.indexOf('\n'), line.length - 1, 'one record is one line');
    return JSON.parse(line) as ResultRecord;
  });
}

const timer = (message?: unknown): ScfEvent =>
  ({ Type: 'Timer', TriggerName: 'test', Time: new Date().toISOString(), Message: message }) as ScfEvent;

const names = (s: Summary) => s.results.map((r) => r.monitor);

/** An HTTP server answering 200 "ok" (after `delay` ms for /slow). */
function okServer(slowMs = 300): Promise<Running> {
  return httpServer((req, res) => {
    const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (req.url === '/slow') setTimeout(answer, slowMs);
    else answer();
  });
}

/** An HTTP server that accepts connections and never answers; counts connections. */
async function hangServer(): Promise<Running & { connections: () => number }> {
  let count = 0;
  const s = await httpServer(() => {});
  s.server.on('connection', () => count++);
  return { ...s, connections: () => count };
}

describe('summary and records', () => {
  let web: Running;
  let tcp: Awaited<ReturnType<typeof tcpServer>>;
  before(async () => {
    web = await okServer();
    tcp = await tcpServer((s) => s.end());
  });
  after(async () => {
    await web.close();
    await tcp.close();
  });

  test('summary shape, one result per monitor in config order, one JSON log line per result', async () => {
    const configPath = writeConfig({
      monitors: [
        { name: 'slow-first', type: 'http', url: web.url('/slow'), samples: 1, readTimeoutMs: 5000 },
        { name: 'port', type: 'tcp', host: '127.0.0.1', port: tcp.port, samples: 2, intervalMs: 0 },
        { name: 'home', type: 'http', url: web.url('/'), samples: 3, intervalMs: 10 },
      ],
    });
    const before = Date.now();
    const s = await runFunction('statusCheck', timer(''), { time_limit_in_ms: 10_000 }, { configPath });
    const elapsed = Date.now() - before;

    assert.deepEqual(Object.keys(s).sort(), ['alerts', 'deadLetters', 'deliveries', 'durationMs', 'function', 'ok', 'results', 'startedAt']);
    assert.equal(s.function, 'statusCheck');
    assert.equal(new Date(s.startedAt).toISOString(), s.startedAt, 'startedAt is ISO 8601 UTC');
    assert.ok(Math.abs(Date.parse(s.startedAt) - before) < 5000);
    assert.equal(typeof s.durationMs, 'number');
    assert.ok(s.durationMs >= 0 && s.durationMs <= elapsed + 5, `durationMs ${s.durationMs}, elapsed ${elapsed}`);
    assert.equal(s.ok, true, JSON.stringify(s.results.map((r) => r.reasons)));
    assert.deepEqual(s.alerts, []);
    assert.deepEqual(names(s), ['slow-first', 'port', 'home']);

    const [slow, port, home] = s.results;
    assert.equal(slow!.type, 'http');
    assert.equal(slow!.target, web.url('/slow'));
    assert.equal(port!.type, 'tcp');
    assert.equal(port!.target, `127.0.0.1:${tcp.port}`);
    assert.equal(port!.stats.samples, 2);
    assert.equal(home!.stats.samples, 3);
    assert.equal(home!.samples.length, 3);
    assert.equal(home!.samples[0]!.statusCode, 200);
    for (const r of s.results) {
      assert.equal(r.function, 'statusCheck');
      assert.equal(r.ok, true);
      assert.deepEqual(r.reasons, []);
      assert.deepEqual(r.hostList, ['127.0.0.1']);
      assert.equal(r.stats.successRate, 1);
    }

    const records = logged();
    assert.equal(records.length, 3, 'one log line per result');
    for (const rec of records) {
      for (const field of RECORD_FIELDS) assert.ok(field in rec, `record has ${field}`);
      assert.equal(new Date(rec.timestamp).toISOString(), rec.timestamp);
      // The line is the record the summary returns.
      const same = s.results.find((r) => r.monitor === rec.monitor);
      assert.deepEqual(rec, JSON.parse(JSON.stringify(same)));
    }
    // Logged as each completes: the slow first monitor finishes (and is logged) last.
    assert.equal(records[2]!.monitor, 'slow-first');
  });

  test('a failing monitor makes the summary not ok, and its record says why', async () => {
    const { closedPort } = await import('../dev/standins/servers');
    const port = await closedPort();
    const configPath = writeConfig({
      monitors: [
        { name: 'up', type: 'http', url: web.url('/'), samples: 1 },
        { name: 'down', type: 'tcp', host: '127.0.0.1', port, samples: 1, attempts: 1 },
      ],
    });
    const s = await runFunction('statusCheck', timer(''), { time_limit_in_ms: 10_000 }, { configPath });
    assert.equal(s.ok, false);
    assert.equal(s.results[0]!.ok, true);
    assert.equal(s.results[1]!.ok, false);
    assert.equal(s.results[1]!.reasons[0]!.code, 'CONNECT_REFUSED');
    const rec = logged().find((r) => r.monitor === 'down');
    assert.equal(rec?.ok, false);
    assert.equal(rec?.reasons[0]!.code, 'CONNECT_REFUSED');
  });
});

describe('Message selection', () => {
  let web: Running;
  let tcp: Awaited<ReturnType<typeof tcpServer>>;
  let configPath: string;
  before(async () => {
    web = await okServer();
    tcp = await tcpServer((s) => s.end());
    configPath = writeConfig({
      monitors: [
        { name: 'a', type: 'http', url: web.url('/'), tags: ['web'], samples: 1 },
        { name: 'b', type: 'tcp', host: '127.0.0.1', port: tcp.port, tags: ['db'], samples: 1 },
        { name: 'c', type: 'http', url: web.url('/c'), tags: ['web', 'api'], samples: 1 },
        { name: 'd', type: 'http', url: web.url('/d'), tags: ['web', 'parked'], enabled: false, samples: 1 },
      ],
    });
  });
  after(async () => {
    await web.close();
    await tcp.close();
  });

  const run = (event: ScfEvent | undefined) => runFunction('statusCheck', event, { time_limit_in_ms: 10_000 }, { configPath });

  test('{"monitors":["b"]} runs only b', async () => {
    const s = await run(timer('{"monitors":["b"]}'));
    assert.deepEqual(names(s), ['b']);
    assert.deepEqual(
      logged().map((r) => r.monitor),
      ['b'],
    );
    assert.equal(s.ok, true);
  });

  test('{"tags":["web"]} runs only the enabled monitors tagged web', async () => {
    const s = await run(timer('{"tags":["web"]}'));
    assert.deepEqual(names(s), ['a', 'c']);
  });

  test('monitors and tags together -> the union, in config order', async () => {
    const s = await run(timer('{"tags":["api"],"monitors":["b"]}'));
    assert.deepEqual(names(s), ['b', 'c']);
    const both = await run(timer('{"monitors":["a"],"tags":["web"]}'));
    assert.deepEqual(names(both), ['a', 'c']);
  });

  for (const [label, event] of [
    ["Message ''", timer('')],
    ['Message undefined', timer(undefined)],
    ["Message '{}'", timer('{}')],
    ['Message {"monitors":[],"tags":[]}', timer('{"monitors":[],"tags":[]}')],
    ['no Message key', { Type: 'Timer', TriggerName: 't', Time: new Date().toISOString() } as ScfEvent],
    ['an empty event', {} as ScfEvent],
    ['no event at all', undefined],
  ] as const) {
    test(`${label} -> every enabled monitor of the function's types`, async () => {
      const s = await run(event);
      assert.deepEqual(names(s), ['a', 'b', 'c']);
      assert.equal(logged().length, 3);
    });
  }

  test('an enabled: false monitor runs when named', async () => {
    const s = await run(timer('{"monitors":["d"]}'));
    assert.deepEqual(names(s), ['d']);
    assert.equal(s.results[0]!.ok, true);
    const mixed = await run(timer('{"monitors":["d","a"]}'));
    assert.deepEqual(names(mixed), ['a', 'd']);
  });

  test('Message given as an object (not a string) also works', async () => {
    const s = await run(timer({ monitors: ['b'] }));
    assert.deepEqual(names(s), ['b']);
    const t = await run(timer({ tags: ['api'] }));
    assert.deepEqual(names(t), ['c']);
  });

  const rejects = async (message: unknown, pattern: RegExp) => {
    await assert.rejects(run(timer(message)), (err: unknown) => {
      assert.ok(err instanceof UsageError, `expected UsageError, got ${String(err)}`);
      assert.match(err.message, pattern);
      return true;
    });
    assert.deepEqual(lines, [], 'nothing ran');
  };

  test('an unknown monitor name -> UsageError naming it', async () => {
    await rejects('{"monitors":["b","no-such-monitor"]}', /no-such-monitor/);
  });

  test('an unknown tag -> UsageError naming it', async () => {
    await rejects('{"tags":["no-such-tag"]}', /no-such-tag/);
  });

  test('a non-JSON Message -> UsageError', async () => {
    await rejects('homepage', /not JSON/);
    await rejects('{"monitors":["b"]', /not JSON/);
  });

  test('a malformed selector -> UsageError', async () => {
    await rejects('{"monitors":"b"}', /list of strings/);
    await rejects('{"names":["b"]}', /names/);
    await rejects('["b"]', /Message/);
    await rejects({ monitors: [1] }, /list of strings/);
  });
});

describe('deadline', () => {
  let web: Running;
  let hang: Awaited<ReturnType<typeof hangServer>>;
  before(async () => {
    web = await okServer();
  });
  beforeEach(async () => {
    hang = await hangServer();
  });
  afterEach(() => hang.close());
  after(() => web.close());

  test('a monitor that never gets an answer is stopped at the deadline; a fast one in the same run is fully sampled', async () => {
    const configPath = writeConfig({
      deadlineMarginMs: 500,
      monitors: [
        { name: 'hangs', type: 'http', url: hang.url('/'), samples: 1, connectTimeoutMs: 1000, readTimeoutMs: 10_000 },
        { name: 'fast', type: 'http', url: web.url('/'), samples: 3, intervalMs: 20 },
      ],
    });
    const limit = 1500;
    const t0 = Date.now();
    const s = await runFunction('statusCheck', timer(''), { time_limit_in_ms: limit }, { configPath });
    const elapsed = Date.now() - t0;

    assert.ok(s.durationMs < limit, `durationMs ${s.durationMs} should be below the time limit ${limit}`);
    assert.ok(elapsed < limit, `returned after ${elapsed} ms`);
    // It did wait for the hanging monitor until (about) the deadline, not give up at once.
    assert.ok(s.durationMs >= 900, `durationMs ${s.durationMs}`);
    assert.equal(s.ok, false);
    assert.deepEqual(names(s), ['hangs', 'fast']);

    const [hangs, fast] = s.results;
    assert.equal(hangs!.ok, false);
    assert.equal(hangs!.reasons[0]!.code, 'DEADLINE');
    assert.equal(hang.connections(), 1, 'the hanging monitor did start');
    assert.equal(fast!.ok, true, JSON.stringify(fast!.reasons));
    assert.equal(fast!.stats.samples, 3);
    assert.equal(fast!.samples.length, 3);
    assert.equal(logged().length, 2, 'both records are logged');
  });

  test('with concurrency 1, monitors never started get DEADLINE with 0 samples and "not run"', async () => {
    const slow = (name: string) => ({ name, type: 'http', url: hang.url(`/${name}`), samples: 1, connectTimeoutMs: 1000, readTimeoutMs: 10_000 });
    const configPath = writeConfig({
      concurrency: 1,
      deadlineMarginMs: 500,
      monitors: [slow('s1'), slow('s2'), slow('s3'), slow('s4')],
    });
    const limit = 1500;
    const s = await runFunction('statusCheck', timer(''), { time_limit_in_ms: limit }, { configPath });
    assert.ok(s.durationMs < limit, `durationMs ${s.durationMs}`);
    assert.deepEqual(names(s), ['s1', 's2', 's3', 's4']);
    assert.equal(s.ok, false);
    for (const r of s.results) {
      assert.equal(r.ok, false);
      assert.deepEqual(
        r.reasons.map((x) => x.code),
        ['DEADLINE'],
      );
    }
    for (const r of s.results.slice(1)) {
      assert.equal(r.stats.samples, 0);
      assert.deepEqual(r.samples, []);
      assert.equal(r.durationMs, 0);
      assert.match(r.reasons[0]!.message, /not run/);
      assert.equal(r.type, 'http');
      assert.equal(r.target, hang.url(`/${r.monitor}`));
      assert.equal(new Date(r.timestamp).toISOString(), r.timestamp);
    }
    assert.equal(hang.connections(), 1, 'only the first monitor started');
    const records = logged();
    assert.equal(records.length, 4, 'every monitor, run or not, is logged');
    assert.deepEqual(records.map((r) => r.monitor).sort(), ['s1', 's2', 's3', 's4']);
  });

  test(
    'a monitor stopped while its first sample waited on the target is not reported as "not run"',
    async () => {
      const configPath = writeConfig({
        deadlineMarginMs: 500,
        monitors: [{ name: 'hangs', type: 'http', url: hang.url('/'), samples: 3, intervalMs: 0, connectTimeoutMs: 1000, readTimeoutMs: 10_000 }],
      });
      const s = await runFunction('statusCheck', timer(''), { time_limit_in_ms: 1500 }, { configPath });
      const r = s.results[0]!;
      assert.equal(hang.connections(), 1, 'the monitor ran: its first sample connected');
      assert.ok(r.durationMs >= 500, `it ran for ${r.durationMs} ms`);
      assert.equal(r.reasons[0]!.code, 'DEADLINE');
      // Same words as for a monitor that never got a slot: the operator cannot tell a target
      // that held the only sample past the deadline from a run that had no time left.
      assert.doesNotMatch(r.reasons[0]!.message, /not run/);
    },
  );

  test('a monitor between samples at the deadline keeps the samples it took', async () => {
    const configPath = writeConfig({
      deadlineMarginMs: 500,
      monitors: [{ name: 'spaced', type: 'http', url: web.url('/'), samples: 5, intervalMs: 400 }],
    });
    const s = await runFunction('statusCheck', timer(''), { time_limit_in_ms: 1500 }, { configPath });
    assert.ok(s.durationMs < 1500, `durationMs ${s.durationMs}`);
    const r = s.results[0]!;
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.deepEqual(r.reasons, []);
    assert.ok(r.stats.samples >= 1 && r.stats.samples <= 4, `samples ${r.stats.samples}`);
    assert.equal(r.stats.successes, r.stats.samples);
    assert.match(r.cut?.message ?? '', new RegExp(`after ${r.stats.samples} of 5 samples`));
  });
});

describe('concurrency bound', () => {
  let server: Running;
  let open = 0;
  let maxOpen = 0;
  let requests = 0;
  before(async () => {
    server = await httpServer((_req, res) => {
      requests++;
      setTimeout(() => res.writeHead(200).end('ok'), 200);
    });
    server.server.on('connection', (socket: Socket) => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      socket.on('close', () => open--);
    });
  });
  after(() => server.close());

  const config = (concurrency: number) =>
    writeConfig({
      concurrency,
      monitors: Array.from({ length: 6 }, (_, i) => ({ name: `m${i}`, type: 'http', url: server.url(`/${i}`), samples: 1, readTimeoutMs: 5000 })),
    });

  const settle = async () => {
    // Wait for the server to see every connection closed before the next measurement.
    for (let i = 0; open > 0 && i < 200; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(open, 0);
    maxOpen = 0;
    requests = 0;
  };

  test('concurrency 2 -> at most 2 connections at once', async () => {
    await settle();
    const s = await runFunction('statusCheck', timer(''), { time_limit_in_ms: 30_000 }, { configPath: config(2) });
    assert.equal(s.ok, true, JSON.stringify(s.results.map((r) => r.reasons)));
    assert.equal(requests, 6);
    assert.ok(maxOpen >= 1);
    assert.ok(maxOpen <= 2, `max simultaneous connections ${maxOpen}`);
    // 6 monitors of 200 ms through 2 slots take at least 3 rounds.
    assert.ok(s.durationMs >= 550, `durationMs ${s.durationMs}`);
  });

  test('concurrency 6 -> more than 2 at once', async () => {
    await settle();
    const s = await runFunction('statusCheck', timer(''), { time_limit_in_ms: 30_000 }, { configPath: config(6) });
    assert.equal(s.ok, true);
    assert.equal(requests, 6);
    assert.ok(maxOpen > 2, `max simultaneous connections ${maxOpen}`);
  });
});

describe('config errors', () => {
  test('an invalid config file -> ConfigError naming the file and the field', async () => {
    const configPath = writeConfig({ monitors: [{ name: 'x', type: 'http', url: 'not a url', samples: 1 }] });
    await assert.rejects(runFunction('statusCheck', timer(''), { time_limit_in_ms: 5000 }, { configPath }), (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.ok(err.message.includes(configPath), err.message);
      assert.match(err.message, /monitors\[0\]\.url/);
      return true;
    });
    assert.deepEqual(lines, []);
  });

  test('YAML syntax errors name file:line', async () => {
    const configPath = join(dir, 'broken.yaml');
    writeFileSync(configPath, 'monitors:\n  - name: x\n    type: [http\n');
    await assert.rejects(runFunction('statusCheck', timer(''), { time_limit_in_ms: 5000 }, { configPath }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.message.includes(`${configPath}:`), err.message);
      return true;
    });
  });

  test('a missing config file -> ConfigError naming the path', async () => {
    const configPath = join(dir, 'does-not-exist.yaml');
    await assert.rejects(runFunction('statusCheck', timer(''), { time_limit_in_ms: 5000 }, { configPath }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.message.includes(configPath), err.message);
      return true;
    });
  });

  test('an unset ${VAR} at run time -> ConfigError naming the variable', async () => {
    const configPath = writeConfig({
      monitors: [{ name: 'x', type: 'http', url: 'http://127.0.0.1:1/', headers: { 'x-token': '${SCF_MONITOR_TEST_UNSET_VAR}' }, samples: 1 }],
    });
    await assert.rejects(runFunction('statusCheck', timer(''), { time_limit_in_ms: 5000 }, { configPath, env: {} }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /SCF_MONITOR_TEST_UNSET_VAR/);
      return true;
    });
  });
});

describe('main_handler', () => {
  let web: Running;
  let seen: string | undefined;
  const saved = process.env.SCF_MONITOR_CONFIG;
  const savedToken = process.env.SCF_MONITOR_TEST_TOKEN;
  before(async () => {
    web = await httpServer((req, res) => {
      seen = req.headers['x-token'] as string | undefined;
      res.end('ok');
    });
  });
  after(async () => {
    await web.close();
    restoreEnv('SCF_MONITOR_CONFIG', saved);
    restoreEnv('SCF_MONITOR_TEST_TOKEN', savedToken);
  });

  test('functions/statusCheck main_handler runs the config named by SCF_MONITOR_CONFIG', async () => {
    const configPath = writeConfig({
      monitors: [{ name: 'home', type: 'http', url: web.url('/'), headers: { 'x-token': '${SCF_MONITOR_TEST_TOKEN}' }, samples: 2, intervalMs: 0 }],
    });
    process.env.SCF_MONITOR_CONFIG = configPath;
    process.env.SCF_MONITOR_TEST_TOKEN = 'from-env-42';
    try {
      const s = await main_handler(timer(''), { time_limit_in_ms: 10_000, request_id: 'test', function_name: 'statusCheck' });
      assert.equal(s.function, 'statusCheck');
      assert.equal(s.ok, true, JSON.stringify(s.results.map((r) => r.reasons)));
      assert.deepEqual(names(s), ['home']);
      assert.equal(s.results[0]!.stats.samples, 2);
      assert.equal(seen, 'from-env-42');
      assert.equal(logged().length, 1);
    } finally {
      restoreEnv('SCF_MONITOR_CONFIG', saved);
      restoreEnv('SCF_MONITOR_TEST_TOKEN', savedToken);
    }
  });
});

describe('alerting that cannot run', () => {
  test('an unreachable state store: the invocation fails after logging the summary, whose results stand; no password shown', async () => {
    const { closedPort } = await import('../dev/standins/servers');
    const port = await closedPort();
    const server = await httpServer((_q, r) => r.writeHead(502).end());
    try {
      const path = writeConfig({
        state: { type: 'redis', url: `redis://:hunter2-secret@127.0.0.1:${port}`, connectTimeoutMs: 500 },
        channels: { ops: { type: 'wecom', webhook: `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=k` } },
        alerts: { channels: ['ops'] },
        monitors: [{ name: 'down', type: 'http', url: server.url(), samples: 1 }],
      });
      const err = await runFunction('statusCheck', timer(''), { time_limit_in_ms: 10_000 }, { configPath: path }).then(
        () => assert.fail('a run whose alerts cannot be recorded must not succeed'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof AlertingFailedError, String(err));
      const s = err.summary;
      assert.deepEqual(s.results.map((r) => [r.monitor, r.reasons[0]?.code]), [['down', 'HTTP_STATUS']]);
      const summaryLine = lines.find((l) => l.includes('"event":"summary"'));
      assert.ok(summaryLine && summaryLine.includes('"alertingError"'), 'the summary is logged before the invocation fails');
      assert.ok(!err.message.includes('hunter2'));
      assert.match(s.alertingError ?? '', new RegExp(`redis 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
      const line = lines.find((l) => l.includes('"alerting-error"'));
      assert.ok(line, 'the failure is logged');
      assert.ok(!JSON.stringify(s).includes('hunter2') && !lines.join('').includes('hunter2'));
    } finally {
      await server.close();
    }
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
