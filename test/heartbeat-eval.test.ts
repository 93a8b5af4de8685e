/** Heartbeat and host verdicts at chosen instants: the rules, without the store or HTTP. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as v from 'valibot';
import { evaluateHeartbeat } from '../lib/monitors/heartbeat/evaluate';
import { heartbeatMonitor } from '../lib/monitors/heartbeat/schema';
import { applyPing, type HeartbeatState } from '../lib/monitors/heartbeat/state';
import { evaluateHost } from '../lib/monitors/host/evaluate';
import { applyReport, type HostReport, type HostState } from '../lib/monitors/host/report';
import { hostMonitor } from '../lib/monitors/host/schema';

const MIN = 60_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');

const hb = (extra: Record<string, unknown>) => v.parse(heartbeatMonitor, { name: 'job', type: 'heartbeat', ...extra });
const hostOf = (extra: Record<string, unknown> = {}) => v.parse(hostMonitor, { name: 'web-01', type: 'host', ...extra });
const codes = (r: { reasons: { code: string }[] }) => r.reasons.map((x) => x.code);

describe('heartbeat: period and grace', () => {
  const m = hb({ period: '10m', grace: '2m' });
  const pinged: HeartbeatState = applyPing(undefined, { kind: 'success', at: T0 }, 5)!;

  test('up before the period, late inside grace, down after it', () => {
    assert.equal(evaluateHeartbeat(m, pinged, T0 + 9 * MIN).status, 'up');
    assert.equal(evaluateHeartbeat(m, pinged, T0 + 11 * MIN).status, 'late');
    assert.deepEqual(codes(evaluateHeartbeat(m, pinged, T0 + 11 * MIN)), []);
    const down = evaluateHeartbeat(m, pinged, T0 + 12 * MIN + 1);
    assert.equal(down.status, 'down');
    assert.deepEqual(codes(down), ['HEARTBEAT_MISSED']);
    assert.match(down.reasons[0]!.message, /last ping 12 min ago \(2026-12-01T00:00:00Z\), expected every 10 min \+ 2 min grace/);
  });

  test('never pinged: quiet for one period plus grace from when the check was first seen, then NO_DATA', () => {
    const seen: HeartbeatState = { firstSeen: T0 };
    assert.equal(evaluateHeartbeat(m, seen, T0 + 12 * MIN).status, 'late');
    const never = evaluateHeartbeat(m, seen, T0 + 12 * MIN + 1);
    assert.equal(never.status, 'never');
    assert.deepEqual(codes(never), ['NO_DATA']);
  });

  test('a reported failure or a non-zero exit status is down at once, with the body', () => {
    const failed = applyPing(pinged, { kind: 'fail', at: T0 + MIN, body: 'disk full' }, 5)!;
    const r = evaluateHeartbeat(m, failed, T0 + MIN + 1000);
    assert.deepEqual(codes(r), ['HEARTBEAT_FAILED']);
    assert.match(r.reasons[0]!.message, /reported failure .*: disk full$/);
    const exit = applyPing(pinged, { kind: 'fail', at: T0 + MIN, exitStatus: 3 }, 5)!;
    assert.match(evaluateHeartbeat(m, exit, T0 + 2 * MIN).reasons[0]!.message, /^reported exit status 3/);
    // The next success clears it.
    const ok = applyPing(exit, { kind: 'success', at: T0 + 3 * MIN, exitStatus: 0 }, 5)!;
    assert.equal(evaluateHeartbeat(m, ok, T0 + 4 * MIN).status, 'up');
  });

  test('a /start must be followed by success within grace', () => {
    const started = applyPing(pinged, { kind: 'start', at: T0 + MIN }, 5)!;
    assert.equal(evaluateHeartbeat(m, started, T0 + 2 * MIN).status, 'up');
    const stuck = evaluateHeartbeat(m, started, T0 + 3 * MIN + 1);
    assert.deepEqual(codes(stuck), ['HEARTBEAT_MISSED']);
    assert.match(stuck.reasons[0]!.message, /^started 2 min ago .* no success came within the grace of 2 min/);
    const done = applyPing(started, { kind: 'success', at: T0 + 2 * MIN }, 5)!;
    assert.equal(evaluateHeartbeat(m, done, T0 + 4 * MIN).status, 'up');
  });

  test('the rate limit refuses the sixth ping in a minute and stores nothing for it', () => {
    let s: HeartbeatState | undefined;
    for (let i = 0; i < 5; i++) s = applyPing(s, { kind: 'success', at: T0 + i * 1000 }, 5);
    assert.equal(applyPing(s, { kind: 'success', at: T0 + 5000 }, 5), undefined);
    assert.ok(applyPing(s, { kind: 'success', at: T0 + 61_000 }, 5), 'a minute after the first, one slot is free again');
  });
});

describe('heartbeat: cron schedule', () => {
  // 03:00 Asia/Shanghai is 19:00 UTC the day before.
  const m = hb({ cron: '0 3 * * *', tz: 'Asia/Shanghai', grace: '30m' });
  const run = Date.parse('2026-12-01T19:00:00Z');
  const before: HeartbeatState = { lastPing: run - 24 * 60 * MIN + 5 * MIN, lastKind: 'success', lastSuccess: run - 24 * 60 * MIN + 5 * MIN };

  test('yesterday’s ping is fine until today’s run, late inside grace, down after it', () => {
    assert.equal(evaluateHeartbeat(m, before, run - MIN).status, 'up');
    assert.equal(evaluateHeartbeat(m, before, run + 29 * MIN).status, 'late');
    const down = evaluateHeartbeat(m, before, run + 31 * MIN);
    assert.deepEqual(codes(down), ['HEARTBEAT_MISSED']);
    assert.match(down.reasons[0]!.message, /after each "0 3 \* \* \*" \(Asia\/Shanghai\) \+ 30 min grace/);
  });

  test('a ping after the run makes it up again', () => {
    const after = applyPing(before, { kind: 'success', at: run + 10 * MIN }, 5)!;
    assert.equal(evaluateHeartbeat(m, after, run + 60 * MIN).status, 'up');
  });

  test('period and cron together, or neither, is a config error', () => {
    assert.equal(v.safeParse(heartbeatMonitor, { name: 'x', type: 'heartbeat', period: '1h', cron: '0 3 * * *' }).success, false);
    assert.equal(v.safeParse(heartbeatMonitor, { name: 'x', type: 'heartbeat' }).success, false);
    assert.equal(v.safeParse(heartbeatMonitor, { name: '../x', type: 'heartbeat', period: '1h' }).success, false);
  });
});

describe('host: reports, thresholds, reachability', () => {
  const report = (cpu: number, recv = 0, sent = 0, extra: Partial<HostReport> = {}): HostReport => ({
    cpu,
    memory: 40,
    disk: 10,
    network_recv: recv,
    network_sent: sent,
    ...extra,
  });
  const feed = (reports: HostReport[], every = 30_000): HostState =>
    reports.reduce<HostState>((s, r, i) => applyReport(s, r, T0 + i * every, 100)!, {});

  test('one spike is no alert; three reports over the limit are, naming the figure', () => {
    const m = hostOf({ expect: { maxCpu: 87, over: 3 } });
    const spike = feed([report(10), report(99), report(10)]);
    assert.equal(evaluateHost(m, spike, T0 + 61_000).status, 'ok');
    const busy = feed([report(10), report(93), report(95), report(97)]);
    const r = evaluateHost(m, busy, T0 + 91_000);
    assert.equal(r.status, 'problem');
    assert.deepEqual(codes(r), ['HOST_THRESHOLD']);
    assert.match(r.reasons[0]!.message, /^cpu 97% over 87% \(at least 93% in each of the last 3 reports\)$/);
  });

  test('disk per mount and network per interface from consecutive counters', () => {
    const m = hostOf({ expect: { maxDisk: 90, maxNetworkMbps: 100, over: 2 } });
    // 15 MB received + 0 sent per 1 s on eth1 = 120 Mbit/s; eth0 idle.
    const r = (i: number) =>
      report(10, 0, 0, { disks: { '/': 50, '/data': 95 }, interfaces: { eth0: { recv: 1000, sent: 1000 }, eth1: { recv: i * 15_000_000, sent: 0 } } });
    const s = feed([r(0), r(1), r(2)], 1000);
    const v1 = evaluateHost(m, s, T0 + 2500);
    assert.deepEqual(v1.reasons.map((x) => x.message.split(' over ')[0]), ['disk /data 95%', 'network eth1 120 Mbit/s']);
    assert.equal(v1.latest?.networkInterface, 'eth1');
    assert.equal(v1.latest?.networkMbps, 120);
  });

  test('a counter that went back (a reboot) gives no rate, not a huge one', () => {
    const m = hostOf({ expect: { maxNetworkMbps: 1, over: 1 } });
    const s = feed([report(1, 5e12, 5e12), report(1, 100, 100)], 1000);
    assert.equal(evaluateHost(m, s, T0 + 1500).status, 'ok');
  });

  test('unreachable after interval plus tolerance; NO_DATA when nothing ever came', () => {
    const m = hostOf({ interval: '30s', tolerance: '60s' });
    const s = feed([report(1)]);
    assert.equal(evaluateHost(m, s, T0 + 90_000).status, 'ok');
    const gone = evaluateHost(m, s, T0 + 90_001);
    assert.equal(gone.status, 'unreachable');
    assert.deepEqual(codes(gone), ['HOST_UNREACHABLE']);
    assert.deepEqual(codes(evaluateHost(m, { firstSeen: T0 }, T0 + 90_001)), ['NO_DATA']);
    assert.equal(evaluateHost(m, { firstSeen: T0 }, T0 + 90_001).status, 'problem');
  });
});
