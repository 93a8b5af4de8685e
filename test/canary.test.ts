/**
 * Our network first (the canary) and watching the watcher (the heartbeat), through the real
 * handler against loopback servers.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFunction } from '../lib/functions';
import { setLogSink } from '../lib/report/log';
import type { Summary } from '../lib/runtime/summary';
import { closedPort, httpServer, type Running } from '../dev/standins/servers';

let dir: string;
let n = 0;
let lines: string[] = [];
let healthy: Running;
let bad: Running;
let refused: number;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scf-canary-'));
  healthy = await httpServer((_q, r) => r.end('ok'));
  bad = await httpServer((_q, r) => r.writeHead(502).end('bad gateway'));
  refused = await closedPort();
});
after(async () => {
  await healthy.close();
  await bad.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  lines = [];
  setLogSink((text) => lines.push(...text.split(/(?<=\n)/)));
});

function run(config: object, limitMs = 30_000): Promise<Summary> {
  const path = join(dir, `c${++n}.json`);
  writeFileSync(path, JSON.stringify(config));
  return runFunction('statusCheck', undefined, { time_limit_in_ms: limitMs }, { configPath: path });
}

const fast = { samples: 2, intervalMs: 0, attempts: 1, connectTimeoutMs: 1000 };
const monitors = () => [
  { name: 'up', type: 'http', url: healthy.url(), ...fast, readTimeoutMs: 2000 },
  { name: 'refused', type: 'http', url: `http://127.0.0.1:${refused}/`, ...fast, readTimeoutMs: 2000 },
  { name: 'answers-502', type: 'http', url: bad.url(), ...fast, readTimeoutMs: 2000 },
  { name: 'refused-tcp', type: 'tcp', host: '127.0.0.1', port: refused, ...fast },
];

describe('canary', () => {
  test('canary reachable: failures are the targets\' own', async () => {
    const s = await run({ canary: { url: healthy.url('/canary') }, monitors: monitors() });
    assert.equal(s.canary?.ok, true);
    const code = (m: string) => s.results.find((r) => r.monitor === m)!.reasons.map((x) => x.code);
    assert.deepEqual(code('up'), []);
    assert.deepEqual(code('refused'), ['CONNECT_REFUSED']);
    assert.deepEqual(code('answers-502'), ['HTTP_STATUS']);
    assert.deepEqual(code('refused-tcp'), ['CONNECT_REFUSED']);
  });

  test('canary down: connection failures become PROBE_NETWORK; an answered 502 stays HTTP_STATUS; a healthy target stays ok', async () => {
    const s = await run({ canary: { url: `http://127.0.0.1:${refused}/`, timeoutMs: 1000 }, monitors: monitors() });
    assert.equal(s.canary?.ok, false);
    assert.equal(s.canary?.error?.code, 'CONNECT_REFUSED');
    const r = (m: string) => s.results.find((x) => x.monitor === m)!;
    assert.equal(r('up').ok, true);
    assert.deepEqual(r('refused').reasons.map((x) => x.code), ['PROBE_NETWORK']);
    assert.match(r('refused').reasons[0]!.message, /canary .* failed too .*CONNECT_REFUSED/);
    assert.deepEqual(r('refused').targetReasons?.map((x) => x.code), ['CONNECT_REFUSED']);
    assert.deepEqual(r('refused-tcp').reasons.map((x) => x.code), ['PROBE_NETWORK']);
    assert.deepEqual(r('answers-502').reasons.map((x) => x.code), ['HTTP_STATUS']);
    // The log says the same as the summary: no line blames the target.
    const logged = lines.map((l) => JSON.parse(l) as { monitor?: string; reasons?: { code: string }[]; event?: string });
    assert.deepEqual(logged.find((l) => l.monitor === 'refused')!.reasons!.map((x) => x.code), ['PROBE_NETWORK']);
    assert.ok(logged.some((l) => l.event === 'canary'));
  });

  test('a PROBE_NETWORK failure opens no incident (it is "measurement broken"); the same failure with the canary up does, and clears it', async () => {
    const state = join(dir, `state-${++n}`);
    const alerting = {
      state: { type: 'file', path: state },
      // Nothing listens there: delivery fails, but the alert itself shows in the summary.
      channels: { ops: { type: 'wecom', webhook: `http://127.0.0.1:${refused}/cgi-bin/webhook/send?key=k`, timeoutMs: 500 } },
      alerts: { channels: ['ops'] },
      monitors: [{ name: 'refused', type: 'http', url: `http://127.0.0.1:${refused}/`, ...fast }],
    };
    // A short run: delivery to the refused webhook is retried only until the deadline.
    const down = await run({ ...alerting, canary: { url: `http://127.0.0.1:${refused}/`, timeoutMs: 500 } }, 6000);
    assert.deepEqual(down.alerts.map((a) => [a.monitor, a.kind]), [['refused', 'broken']]);
    const up = await run({ ...alerting, canary: { url: healthy.url() } }, 6000);
    assert.deepEqual(up.alerts.map((a) => [a.monitor, a.kind]), [['refused', 'cleared'], ['refused', 'alert']]);
  });
});

describe('heartbeat', () => {
  test('pinged after every completed run, failing monitors or not; the ping URL never reaches the log', async () => {
    const pings: string[] = [];
    const hc = await httpServer((q, r) => {
      pings.push(q.url!);
      r.end('OK');
    });
    try {
      const url = hc.url('/ping/5f0c-secret-uuid');
      const ok = await run({ heartbeatUrl: url, monitors: [monitors()[0]] });
      assert.equal(ok.heartbeat?.ok, true);
      const failing = await run({ heartbeatUrl: { statusCheck: url, kafkaLag: hc.url('/other') }, monitors: monitors() });
      assert.equal(failing.ok, false);
      assert.equal(failing.heartbeat?.ok, true);
      assert.deepEqual(pings, ['/ping/5f0c-secret-uuid', '/ping/5f0c-secret-uuid']);
      assert.ok(!JSON.stringify(failing).includes('secret-uuid'));
    } finally {
      await hc.close();
    }
  });

  test('a failing heartbeat is logged (host only) and does not fail the run', async () => {
    const hc = await httpServer((_q, r) => r.writeHead(500).end());
    try {
      const s = await run({ heartbeatUrl: hc.url('/ping/secret-uuid'), monitors: [monitors()[0]] });
      assert.equal(s.ok, true);
      assert.deepEqual([s.heartbeat?.ok, s.heartbeat?.statusCode, s.heartbeat?.code], [false, 500, 'HTTP_STATUS']);
      const line = lines.find((l) => l.includes('"heartbeat"'));
      assert.ok(line, 'logged');
      assert.ok(!line.includes('secret-uuid'));
      assert.ok(line.includes(`127.0.0.1:${hc.port}`));
    } finally {
      await hc.close();
    }
  });

  test('no heartbeat for a function without one', async () => {
    const s = await run({ heartbeatUrl: { kafkaLag: healthy.url('/hb') }, monitors: [monitors()[0]] });
    assert.equal(s.heartbeat, undefined);
  });
});
