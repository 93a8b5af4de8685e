/**
 * The state store against the run's deadline, and settlement as soon as a channel answers,
 * through the real handler (and the real CLI in a child process where a process must die or
 * exit): a Redis that accepts and never answers, a file lock held by a live child process, a
 * run killed while one channel hangs after another confirmed. Loopback only.
 *
 * Timings are not asserted as such: each store here would wait 20 s or more on its own
 * (connectTimeoutMs 20 s, the lock's 10 s staleness and 20 s wait), so "returned before the
 * time limit plus 2.5 s" separates bounded from unbounded by a wide margin on any machine.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runFunction } from '../lib/functions';
import { AlertingFailedError } from '../lib/runtime/handler';
import { localContext, timerEvent } from '../lib/runtime/scf';
import { setLogSink } from '../lib/report/log';
import type { Summary } from '../lib/runtime/summary';
import { stateKey, type FunctionState } from '../lib/alerting/outbox';
import { FileStore, fileName } from '../lib/state/file';
import { httpServer, tcpServer, type Running } from '../dev/standins/servers';
import { WECOM_PATH, wecomStandIn, type WecomStandIn } from './support/wecom';

const KEY = 'wk-SD-8e21aa-SECRET-KEY';
const LIMIT_MS = 3000;
/** Far beyond any scheduling noise, far below what an unbounded store waits (20 s). */
const SLACK_MS = 2500;

let dir: string;
let target: Running;
let robot: WecomStandIn;
before(async () => {
  process.env.SCFM_SD_KEY = KEY;
  setLogSink(() => {});
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-store-deadline-'));
  target = await httpServer((_q, res) => res.writeHead(502).end('bad'));
  robot = await wecomStandIn(KEY);
});
after(async () => {
  setLogSink((line) => process.stdout.write(line));
  delete process.env.SCFM_SD_KEY;
  await Promise.all([target.close(), robot.close()]);
  rmSync(dir, { recursive: true, force: true });
});

let configs = 0;
function writeConfig(state: Record<string, unknown>, channels: Record<string, string> = { ops: `http://127.0.0.1:${robot.port}` }): string {
  const path = join(dir, `monitors-${++configs}.json`);
  const hook = (base: string) => ({ type: 'wecom', webhook: `${base}${WECOM_PATH}?key=` + '${SCFM_SD_KEY}', timeoutMs: 1000 });
  writeFileSync(
    path,
    JSON.stringify({
      state,
      channels: Object.fromEntries(Object.entries(channels).map(([n, b]) => [n, hook(b)])),
      alerts: { channels: Object.keys(channels) },
      monitors: [{ name: 'web', type: 'http', url: target.url('/web'), samples: 1, attempts: 1, intervalMs: 0 }],
    }),
  );
  return path;
}

async function timedRun(configPath: string, limitMs = LIMIT_MS): Promise<{ ms: number; summary: Summary; failed: boolean }> {
  const started = Date.now();
  const out = await runFunction('statusCheck', timerEvent(), localContext('statusCheck', limitMs), { configPath }).then(
    (summary) => ({ summary, failed: false }),
    (err: unknown) => {
      if (err instanceof AlertingFailedError) return { summary: err.summary, failed: true };
      throw err;
    },
  );
  return { ms: Date.now() - started, ...out };
}

describe('every store operation ends by the run\'s deadline', () => {
  test('a Redis that accepts and never answers (connectTimeoutMs 20 s): the run fails, in time', async () => {
    const silent = await tcpServer(() => {});
    try {
      const path = writeConfig({ type: 'redis', url: `redis://127.0.0.1:${silent.port}`, connectTimeoutMs: 20_000 });
      const r = await timedRun(path);
      process.stdout.write(`# silent redis: a ${LIMIT_MS} ms run returned after ${r.ms} ms\n`);
      assert.equal(r.failed, true, 'alerts that could not be recorded fail the invocation');
      assert.match(r.summary.alertingError ?? '', /deadline/);
      assert.ok(r.ms < LIMIT_MS + SLACK_MS, `returned after ${r.ms} ms`);
    } finally {
      await silent.close();
    }
  });

  test('a Redis that answers the handshake, then goes silent mid-run: bounded too', async () => {
    // Answers PING/INFO/... with +OK-ish replies for the first commands, then stops.
    let answered = 0;
    const flaky = await tcpServer((sock) => {
      sock.on('data', (d) => {
        // ioredis's ready check is INFO; answer it (and nothing after) so the client is ready.
        if (answered++ === 0 && d.toString().includes('info')) sock.write('$16\r\nredis_version:7\r\n\r\n');
      });
    });
    try {
      const path = writeConfig({ type: 'redis', url: `redis://127.0.0.1:${flaky.port}`, connectTimeoutMs: 20_000 });
      const r = await timedRun(path);
      assert.equal(r.failed, true);
      assert.ok(r.ms < LIMIT_MS + SLACK_MS, `returned after ${r.ms} ms`);
    } finally {
      await flaky.close();
    }
  });

  test('a file lock held by a live process: the run fails at its deadline instead of waiting the lock out', async () => {
    const stateDir = join(dir, 'locked');
    mkdirSync(stateDir, { recursive: true });
    const holder: ChildProcess = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await once(holder, 'spawn');
      writeFileSync(join(stateDir, `${fileName(stateKey('statusCheck'))}.lock`), `${holder.pid} ${Date.now()} held-by-a-live-child`);
      const r = await timedRun(writeConfig({ type: 'file', path: stateDir }));
      process.stdout.write(`# live lock: a ${LIMIT_MS} ms run returned after ${r.ms} ms\n`);
      assert.equal(r.failed, true);
      assert.match(r.summary.alertingError ?? '', /still held at the run's deadline/);
      assert.ok(r.ms < LIMIT_MS + SLACK_MS, `returned after ${r.ms} ms`);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  test('the CLI process itself exits soon after a silent Redis', async () => {
    const silent = await tcpServer(() => {});
    const cwd = join(dir, 'cli-silent');
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'serverless.yml'), `inputs:\n  functions:\n    statusCheck:\n      timeout: ${LIMIT_MS / 1000}\n`);
    try {
      const path = writeConfig({ type: 'redis', url: `redis://127.0.0.1:${silent.port}`, connectTimeoutMs: 20_000 });
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.NODE_TEST_CONTEXT;
      const started = Date.now();
      const child = spawn(process.execPath, [resolve(__dirname, '..', 'bin', 'scf-monitor.js'), 'invoke', 'statusCheck', '--config', path], { cwd, env, stdio: 'ignore' });
      const [code] = (await once(child, 'exit')) as [number | null];
      const ms = Date.now() - started;
      process.stdout.write(`# silent redis, CLI: exited ${ms} ms after start (limit ${LIMIT_MS} ms, plus the process's own start)\n`);
      assert.equal(code, 1);
      // The child also pays for starting node and tsx; that is not the store's doing.
      assert.ok(ms < LIMIT_MS + SLACK_MS + 3000, `exited after ${ms} ms`);
    } finally {
      await silent.close();
    }
  });
});

describe('a delivery is settled as soon as its channel answers', () => {
  test('killed while another channel hangs: the confirmed message is not sent again, the other one is', async () => {
    const stateDir = join(dir, 'settle-early');
    const store = new FileStore(stateDir);
    const hang = await wecomStandIn(KEY);
    await hang.setMode('hang');
    const fast = await wecomStandIn(KEY);
    const cwd = join(dir, 'cli-kill');
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'serverless.yml'), 'inputs:\n  functions:\n    statusCheck:\n      timeout: 60\n');
    const path = writeConfig({ type: 'file', path: stateDir }, { fast: `http://127.0.0.1:${fast.port}`, slow: `http://127.0.0.1:${hang.port}` });
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, [resolve(__dirname, '..', 'bin', 'scf-monitor.js'), 'invoke', 'statusCheck', '--config', path], { cwd, env, stdio: 'ignore' });
    const exited = once(child, 'exit');
    try {
      // Wait for: both channels reached, the fast one's entry gone from the store, the slow
      // one's still there (its send is hanging). Then the process dies.
      const give = Date.now() + 30_000;
      let outbox: string[] = [];
      for (;;) {
        const cur = await store.get<FunctionState>(stateKey('statusCheck')).catch(() => undefined);
        outbox = cur?.value.outbox.map((e) => e.channel) ?? [];
        if (fast.received.length === 1 && hang.received.length >= 1 && cur && !outbox.includes('fast')) break;
        assert.ok(Date.now() < give, `fast ${fast.received.length}, slow ${hang.received.length}, outbox ${JSON.stringify(outbox)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(outbox, ['slow'], 'the confirmed entry left the outbox while the other channel was still sending');
      child.kill('SIGKILL');
      await exited;

      await hang.setMode('ok');
      const slowBefore = hang.received.length;
      // The killed run's claim lasts until its deadline; a later run (one minute on) is free to send.
      const cur = (await store.get<FunctionState>(stateKey('statusCheck')))!;
      const unclaimed = { ...cur.value, outbox: cur.value.outbox.map(({ claim: _c, ...e }) => e) };
      assert.ok(await store.compareAndSet(stateKey('statusCheck'), cur.version, unclaimed));
      const r = await timedRun(path, 10_000);
      assert.equal(r.failed, false, r.summary.alertingError);
      assert.deepEqual(r.summary.deliveries.map((d) => [d.channel, d.outcome]), [['slow', 'delivered']]);
      assert.equal(fast.received.length, 1, 'the confirmed message is never sent again');
      assert.equal(hang.received.length, slowBefore + 1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await store.close();
      await Promise.all([hang.close(), fast.close()]);
    }
  });
});
