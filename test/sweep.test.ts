/**
 * The sweep monitor in one invocation: the target list (rows, CIDRs, ports, shards, errors),
 * the histogram's quantiles, the prober on loopback (answered, refused, black-holed, never more
 * in flight than asked), the baseline's judgement, the Prometheus text and push, and whole
 * sweep runs from a config file whose baseline builds up until a group deviates and alerts as
 * its own incident. Every address is in 127.0.0.0/8.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { runFunction } from '../lib/functions';
import { setLogSink } from '../lib/report/log';
import type { ResultRecord } from '../lib/report/record';
import type { ScfEvent } from '../lib/runtime/scf';
import { renderTable } from '../lib/runtime/table';
import { judgeGroup } from '../lib/monitors/sweep/baseline';
import { bucketMs, bucketOf, groupStats, mergeCounters, quantileMs, type Counters } from '../lib/monitors/sweep/counters';
import { connectSweep, probeShard } from '../lib/monitors/sweep/prober';
import { pushGroups, pushPath, renderMetrics } from '../lib/monitors/sweep/prometheus';
import { sweepMonitor, type SweepMonitor } from '../lib/monitors/sweep/schema';
import { loadSource, readList, TargetListError } from '../lib/monitors/sweep/targets';
import '../lib/monitors/sweep/types';
import { closedPort, httpServer } from '../dev/standins/servers';
import { blackHole, type BlackHole } from './support/blackhole';
import { makeCerts } from './support/certs';
import { anyListener, loopback, type AnyListener } from './support/sweep-targets';
import { WECOM_PATH, wecomStandIn, type WecomStandIn } from './support/wecom';

const monitor = (extra: Record<string, unknown>): SweepMonitor => v.parse(sweepMonitor, { name: 'netsky', type: 'sweep', targets: ['127.0.0.1,a,b'], ...extra });

describe('sweep target list', () => {
  test('rows, ports, CIDRs, a header and comments; every group counted', () => {
    const m = monitor({ ports: [80, 443] });
    const list = readList(m, {
      rows: ['address,province,isp', '# a comment', '', '127.1.0.1,广东,电信', '127.1.0.2:8080,广东,电信', '127.2.0.0/30,江苏,联通', '[::1]:22,北京,移动', '::1,北京,移动'],
    }, { shard: { shard: 0, shards: 1 } });
    // 2 ports + own port + (2 hosts of a /30 × 2 ports) + own port + 2 ports.
    assert.equal(list.total, 2 + 1 + 4 + 1 + 2);
    assert.deepEqual(list.groups.map((g) => g.name), ['广东/电信', '江苏/联通', '北京/移动']);
    assert.deepEqual(list.groups[0]!.labels, { province: '广东', isp: '电信' });
    assert.deepEqual(list.groupTargets, [3, 4, 3]);
    const s = list.shard!;
    const shown = Array.from({ length: s.count }, (_, i) => `${s.v4[i]! >= 0 ? s.v4[i] : s.v6.get(i)}:${s.port[i]}`);
    const ip = (a: string) => a.split('.').reduce((n, x) => n * 256 + Number(x), 0);
    assert.deepEqual(shown, [
      `${ip('127.1.0.1')}:80`, `${ip('127.1.0.1')}:443`, `${ip('127.1.0.2')}:8080`,
      `${ip('127.2.0.1')}:80`, `${ip('127.2.0.1')}:443`, `${ip('127.2.0.2')}:80`, `${ip('127.2.0.2')}:443`,
      '::1:22', '::1:80', '::1:443',
    ]);
  });

  test('grouping by another column, and a bytes source reads like rows', () => {
    const m = monitor({ columns: ['province', 'isp', 'idc'], groupBy: ['idc'] });
    const text = '127.1.0.1,广东,电信,gz1\n127.1.0.2,广东,联通,gz1\r\n127.1.0.3,江苏,电信,nj1\n';
    const a = readList(m, { bytes: Buffer.from(text) });
    assert.deepEqual(a.groups.map((g) => [g.name, g.labels]), [['gz1', { idc: 'gz1' }], ['nj1', { idc: 'nj1' }]]);
    assert.deepEqual(a.groupTargets, [2, 1]);
    // The same list, read again, has the same id; another list another.
    assert.equal(readList(m, { bytes: Buffer.from(text) }).listId, a.listId);
    assert.notEqual(readList(m, { bytes: Buffer.from(text.replace('nj1', 'nj2')) }).listId, a.listId);
  });

  test('shards partition the list: every target in exactly one, each group spread over all', () => {
    const m = monitor({ ports: [1, 2, 3] });
    const rows = ['127.3.0.0/26,广东,电信', '127.4.0.7,江苏,联通', '127.5.0.0/28,北京,移动'];
    const all = readList(m, { rows }, { shard: { shard: 0, shards: 1 } });
    const key = (s: NonNullable<typeof all.shard>, i: number) => `${s.v4[i]}:${s.port[i]}:${s.group[i]}`;
    const everything = Array.from({ length: all.total }, (_, i) => key(all.shard!, i)).sort();
    const seen: string[] = [];
    const perGroup = [0, 0, 0];
    for (let k = 0; k < 7; k++) {
      const s = readList(m, { rows }, { shard: { shard: k, shards: 7 } }).shard!;
      for (let i = 0; i < s.count; i++) {
        seen.push(key(s, i));
        perGroup[s.group[i]!]!++;
      }
      assert.ok(s.count >= Math.floor(all.total / 7) && s.count <= Math.ceil(all.total / 7), `shard ${k} holds ${s.count}`);
    }
    assert.deepEqual(seen.sort(), everything);
    assert.deepEqual(perGroup, all.groupTargets);
  });

  test('bad rows are refused with their line numbers, host names included (a sweep does no DNS)', () => {
    const m = monitor({});
    assert.throws(
      () => readList(m, { rows: ['127.1.0.1,广东,电信', 'www.example.com,广东,电信', '127.1.0.2,广东', '127.1.0.3/24,江苏,联通', '127.1.0.256,a,b', '127.1.0.4:0,a,b', '127.1.0.5,,b'] }),
      (err: Error) => {
        assert.ok(err instanceof TargetListError);
        assert.match(err.message, /^6 bad rows/);
        assert.match(err.message, /line 2: "www\.example\.com" must be an IP address/);
        assert.match(err.message, /line 3: has 1 label, expected 2 \(province, isp\)/);
        assert.match(err.message, /line 4: "127\.1\.0\.3\/24" has host bits set: did you mean 127\.1\.0\.0\/24\?/);
        assert.match(err.message, /line 5: /);
        assert.match(err.message, /line 6: "127\.1\.0\.4:0" has a port outside 1 to 65535/);
        assert.doesNotMatch(err.message, /line 7/, 'only five are shown');
        return true;
      },
    );
    assert.throws(() => readList(monitor({ maxTargets: 100 }), { rows: ['127.1.0.0/24,a,b'] }), /more than maxTargets \(100\)/);
    assert.throws(() => readList(m, { rows: ['# nothing'] }), /has no rows/);
  });

  test('the schema: groupBy names listed columns, concurrency stays under 900', () => {
    assert.throws(() => monitor({ groupBy: ['city'] }), /groupBy must name only columns/);
    assert.throws(() => monitor({ concurrency: 1000 }), /at most 900/);
    assert.throws(() => monitor({ targets: { url: 'http://127.0.0.1/list.csv' } }), /https/);
    assert.equal(monitor({}).baseline.window, 12 * 3600_000);
  });

  test('a file beside the config and an HTTPS URL (with a private CA); failures say which', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-sweep-list-'));
    const certs = makeCerts();
    const server = createHttpsServer({ key: certs.server.key, cert: certs.server.cert }, (req, res) => {
      if (req.url === '/list.csv') res.end('127.1.0.1,广东,电信\n');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      writeFileSync(join(dir, 'targets.csv'), '127.1.0.9,江苏,联通\n');
      const signal = new AbortController().signal;
      const fromFile = await loadSource(monitor({ targets: { file: 'targets.csv' } }), { configDir: dir, signal, timeoutMs: 5000 });
      assert.deepEqual(readList(monitor({}), fromFile).groups.map((g) => g.name), ['江苏/联通']);
      await assert.rejects(loadSource(monitor({ targets: { file: 'missing.csv' } }), { configDir: dir, signal, timeoutMs: 5000 }), /cannot read the target list .*missing\.csv: ENOENT/);
      const fromUrl = await loadSource(monitor({ targets: { url: `https://127.0.0.1:${port}/list.csv` }, ca: certs.ca }), { signal, timeoutMs: 5000 });
      assert.deepEqual(readList(monitor({}), fromUrl).groups.map((g) => g.name), ['广东/电信']);
      await assert.rejects(loadSource(monitor({ targets: { url: `https://127.0.0.1:${port}/nope.csv` }, ca: certs.ca }), { signal, timeoutMs: 5000 }), /HTTP 404/);
      // Without the CA the server's certificate is not trusted.
      await assert.rejects(loadSource(monitor({ targets: { url: `https://127.0.0.1:${port}/list.csv` } }), { signal, timeoutMs: 5000 }), /cannot fetch the target list/);
    } finally {
      server.close();
      certs.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sweep histogram', () => {
  test('quantiles come back within 4 % and sum exactly across shards', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 0.5 + i * 0.1);
    const h = (xs: number[]) => {
      const out: Record<string, number> = {};
      for (const x of xs) out[bucketOf(x)] = (out[bucketOf(x)] ?? 0) + 1;
      return out;
    };
    const exactMedian = values[499]!;
    const exactP95 = values[949]!;
    const whole = h(values);
    const median = quantileMs(whole, 0.5)!;
    const p95 = quantileMs(whole, 0.95)!;
    assert.ok(median >= exactMedian && median <= exactMedian * 1.04, `median ${median} for ${exactMedian}`);
    assert.ok(p95 >= exactP95 && p95 <= exactP95 * 1.04, `p95 ${p95} for ${exactP95}`);
    const c = (xs: number[]): Counters => ({ g: { labels: {}, targets: xs.length, probed: xs.length, attempts: xs.length, answered: xs.length, unreachable: 0, localErrors: 0, histogram: h(xs), unreachableSample: [] } });
    const merged = mergeCounters(mergeCounters({}, c(values.slice(0, 300))), c(values.slice(300)));
    assert.deepEqual(merged.g!.histogram, whole);
    assert.equal(quantileMs({}, 0.5), undefined);
    assert.ok(bucketMs(bucketOf(123.4)) >= 123.4);
  });
});

describe('sweep prober on loopback', () => {
  let listener: AnyListener;
  let hole: BlackHole;
  let refused: number;
  before(async () => {
    listener = await anyListener();
    hole = await blackHole();
    refused = await closedPort();
  });
  after(async () => {
    await listener.close();
    await hole.close();
  });

  test('answered and refused are reachable, the black hole is loss; counts exact per group', async () => {
    const rows = [
      ...Array.from({ length: 40 }, (_, i) => `${loopback(1, i)}:${listener.port},open,x`),
      ...Array.from({ length: 30 }, (_, i) => `${loopback(2, i)}:${refused},refused,x`),
      ...Array.from({ length: 6 }, () => `127.0.0.1:${hole.port},hole,x`),
      `${loopback(3, 0)}:${listener.port},mixed,x`,
      `127.0.0.1:${hole.port},mixed,x`,
    ];
    const m = monitor({ targets: rows, attempts: 2, connectTimeoutMs: 300 });
    const list = readList(m, { rows }, { shard: { shard: 0, shards: 1 } });
    const before = listener.accepted();
    const r = await probeShard(list.shard!, list.groups, { attempts: 2, timeoutMs: 300, concurrency: 50, signal: new AbortController().signal });
    const s = (g: string) => groupStats(g, r.counters[`${g}/x`]!);
    assert.deepEqual([s('open').attempts, s('open').answered, s('open').lossPercent, s('open').unreachable], [80, 80, 0, 0]);
    assert.deepEqual([s('refused').attempts, s('refused').answered, s('refused').lossPercent, s('refused').unreachable], [60, 60, 0, 0]);
    assert.deepEqual([s('hole').attempts, s('hole').answered, s('hole').lossPercent, s('hole').unreachable], [12, 0, 100, 6]);
    assert.equal(s('hole').medianMs, undefined);
    assert.deepEqual(s('hole').unreachableSample, Array(6).fill(`127.0.0.1:${hole.port}`));
    assert.deepEqual([s('mixed').lossPercent, s('mixed').unreachable, s('mixed').targets], [50, 1, 2]);
    assert.ok(s('open').medianMs! > 0 && s('open').p95Ms! >= s('open').medianMs!);
    assert.equal(listener.accepted() - before >= 80, true, 'every answered connect reached the listener');
    assert.equal(r.cut, false);
  });

  test('never more connections in flight than the concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const jobs = 400;
    await connectSweep({
      jobs,
      host: (j) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        return loopback(4, j);
      },
      port: () => refused,
      timeoutMs: 1000,
      concurrency: 7,
      signal: new AbortController().signal,
      done: () => inFlight--,
    });
    assert.equal(peak, 7);
    assert.equal(inFlight, 0);
  });

  test('the deadline stops it: nothing started after, attempts in flight are neither answer nor loss', async () => {
    const ctl = new AbortController();
    const results: number[] = [];
    const p = connectSweep({
      jobs: 50,
      host: () => '127.0.0.1',
      port: () => hole.port,
      timeoutMs: 10_000,
      concurrency: 5,
      signal: ctl.signal,
      done: (_, r) => results.push(r),
    });
    setTimeout(() => ctl.abort(), 100);
    const r = await p;
    assert.equal(r.cut, true);
    assert.equal(r.started, 5);
    assert.deepEqual(results, [-3, -3, -3, -3, -3]);
  });
});

describe('sweep baseline', () => {
  const m = monitor({ deviation: { lossPoints: 5, latencyFactor: 2, latencyMinDeltaMs: 5, runs: 2 }, baseline: { window: '12h', minRuns: 3 } });
  const stats = (lossPercent: number, medianMs?: number) => ({ ...groupStats('g', { labels: {}, targets: 10, probed: 10, attempts: 10, answered: 10, unreachable: 0, localErrors: 0, histogram: {}, unreachableSample: [] }), lossPercent, ...(medianMs !== undefined ? { medianMs } : {}) });
  const now = Date.parse('2026-12-01T12:00:00Z');
  const bucket = (hoursAgo: number, runs: number, loss: number, latency: number) => ({ at: now - hoursAgo * 3600_000, runs, loss: loss * runs, latencyRuns: runs, latency: latency * runs });

  test('nothing is judged before minRuns; then loss over by more than X points, or latency Y times and by the delta', () => {
    assert.equal(judgeGroup({ buckets: [bucket(1, 2, 1, 10)], streak: 0 }, stats(90, 100), m, now).lossDeviates, false);
    const b = { buckets: [bucket(1, 2, 1, 10), bucket(3, 2, 3, 10)], streak: 0 };
    const calm = judgeGroup(b, stats(6.9, 19), m, now);
    assert.deepEqual([calm.baselineRuns, calm.baselineLossPercent, calm.baselineMedianMs, calm.lossDeviates, calm.latencyDeviates], [4, 2, 10, false, false]);
    assert.equal(judgeGroup(b, stats(7.1, 10), m, now).lossDeviates, true);
    assert.equal(judgeGroup(b, stats(2, 21), m, now).latencyDeviates, true);
    // Twice as slow, but by under latencyMinDeltaMs: a fast group does not page anyone.
    const fast = { buckets: [bucket(1, 4, 0, 1)], streak: 0 };
    assert.equal(judgeGroup(fast, stats(0, 4), m, now).latencyDeviates, false);
  });

  test('buckets older than the window are left out', () => {
    const b = { buckets: [bucket(13, 100, 50, 10), bucket(1, 4, 0, 10)], streak: 0 };
    assert.equal(judgeGroup(b, stats(0, 10), m, now).baselineLossPercent, 0);
  });

  test('the record fails only after `runs` deviating runs in a row; a calm run resets the count', () => {
    const b = { buckets: [bucket(1, 4, 0, 10)], streak: 0 };
    const first = judgeGroup(b, stats(50, 10), m, now);
    assert.deepEqual([first.streak, first.failing], [1, false]);
    const second = judgeGroup({ ...b, streak: 1 }, stats(50, 10), m, now);
    assert.deepEqual([second.streak, second.failing], [2, true]);
    assert.equal(judgeGroup({ ...b, streak: 2 }, stats(0, 10), m, now).streak, 0);
  });
});

describe('sweep prometheus', () => {
  const s = { ...groupStats('广东/电信', { labels: { province: '广东', isp: '电信' }, targets: 100, probed: 90, attempts: 180, answered: 171, unreachable: 3, localErrors: 0, histogram: { [bucketOf(12)]: 171 }, unreachableSample: [] }) };

  test('gauges in the text exposition format, labels escaped', () => {
    const text = renderMetrics('net"sky', [{ stats: s, verdict: { baselineRuns: 5, baselineLossPercent: 1, baselineMedianMs: 10, lossDeviates: true, latencyDeviates: false, streak: 2, failing: true } }]);
    const lines = text.split('\n');
    assert.ok(lines.includes('# TYPE scf_monitor_sweep_loss_ratio gauge'));
    assert.ok(lines.includes('scf_monitor_sweep_loss_ratio{monitor="net\\"sky",group="广东/电信",province="广东",isp="电信"} 0.05'), text);
    assert.ok(lines.includes('scf_monitor_sweep_targets{monitor="net\\"sky",group="广东/电信",province="广东",isp="电信"} 100'));
    assert.ok(lines.includes('scf_monitor_sweep_unreachable_targets{monitor="net\\"sky",group="广东/电信",province="广东",isp="电信"} 3'));
    assert.ok(lines.includes('scf_monitor_sweep_baseline_loss_ratio{monitor="net\\"sky",group="广东/电信",province="广东",isp="电信"} 0.01'));
    assert.ok(lines.includes('scf_monitor_sweep_deviating_runs{monitor="net\\"sky",group="广东/电信",province="广东",isp="电信"} 2'));
    assert.ok(text.endsWith('\n'));
    // Each sample line: name{labels} value.
    for (const l of lines.filter((x) => x && !x.startsWith('#'))) assert.match(l, /^[a-z_0-9]+\{[^}]*\} [0-9.e+-]+$/);
  });

  test('a PUT per group to its grouping key; a gateway that fails never throws', async () => {
    const got: { method: string; url: string; body: string }[] = [];
    const gw = await httpServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push({ method: req.method!, url: req.url!, body });
        res.writeHead(req.url!.includes('bad') ? 400 : 200).end();
      });
    });
    try {
      assert.equal(pushPath('scf_monitor_sweep', 'gz-ct'), '/metrics/job/scf_monitor_sweep/group/gz-ct');
      assert.equal(pushPath('j', '广东/电信'), `/metrics/job/j/group@base64/${Buffer.from('广东/电信').toString('base64url')}`);
      const ok = await pushGroups({ url: gw.url('/'), job: 'j', timeoutMs: 2000, monitor: 'netsky' }, [{ stats: s }, { stats: { ...s, group: 'plain' } }]);
      assert.deepEqual(ok, { ok: true, pushed: 2, failed: 0 });
      assert.deepEqual(got.map((g) => g.method), ['PUT', 'PUT']);
      assert.ok(got.some((g) => g.url === '/metrics/job/j/group/plain'));
      // The grouping key carries the group: the body must not repeat it.
      for (const g of got) assert.doesNotMatch(g.body, /group="/);
      const bad = await pushGroups({ url: gw.url('/'), job: 'j', timeoutMs: 2000, monitor: 'netsky' }, [{ stats: { ...s, group: 'bad' } }]);
      assert.deepEqual(bad, { ok: false, pushed: 0, failed: 1, error: 'bad: HTTP 400' });
      const port = await closedPort();
      const down = await pushGroups({ url: `http://127.0.0.1:${port}/`, job: 'j', timeoutMs: 2000, monitor: 'netsky' }, [{ stats: s }]);
      assert.equal(down.ok, false);
      assert.match(down.error!, /ECONNREFUSED/);
    } finally {
      await gw.close();
    }
  });
});

describe('sweep runs through the sweep function', () => {
  let listener: AnyListener;
  let hole: BlackHole;
  let refused: number;
  let wecom: WecomStandIn;
  let dir: string;
  const logged: Record<string, unknown>[] = [];
  const ENV = { SCFM_SWEEP_WECOM: 'wecom-key-sweep-1' };
  before(async () => {
    listener = await anyListener();
    hole = await blackHole();
    refused = await closedPort();
    wecom = await wecomStandIn(ENV.SCFM_SWEEP_WECOM);
    dir = mkdtempSync(join(tmpdir(), 'scf-monitor-sweep-'));
    setLogSink((line) => logged.push(...line.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)));
  });
  after(async () => {
    setLogSink((line) => process.stdout.write(line));
    await listener.close();
    await hole.close();
    await wecom.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const writeList = (guangdong: 'answer' | 'hole') => {
    const rows = [
      ...Array.from({ length: 20 }, (_, i) => (guangdong === 'answer' ? `${loopback(5, i)}:${listener.port},广东,电信` : `127.0.0.1:${hole.port},广东,电信`)),
      ...Array.from({ length: 20 }, (_, i) => `${loopback(6, i)}:${refused},江苏,联通`),
      '127.7.0.0/30,北京,移动',
    ];
    writeFileSync(join(dir, 'targets.csv'), `address,province,isp\n${rows.join('\n')}\n`);
  };
  const writeConfig = (extra: Record<string, unknown> = {}) => {
    const path = join(dir, 'monitors.json');
    writeFileSync(
      path,
      JSON.stringify({
        state: { type: 'file', path: join(dir, 'state') },
        channels: { ops: { type: 'wecom', webhook: `http://127.0.0.1:${wecom.port}${WECOM_PATH}?key=` + '${SCFM_SWEEP_WECOM}' } },
        alerts: { channels: ['ops'] },
        monitors: [
          {
            name: 'netsky',
            type: 'sweep',
            targets: { file: 'targets.csv' },
            ports: [listener.port],
            attempts: 1,
            connectTimeoutMs: 300,
            deviation: { lossPoints: 10, runs: 2 },
            baseline: { minRuns: 2 },
            ...extra,
          },
        ],
      }),
    );
    return path;
  };
  let clock = Date.parse('2026-12-01T00:00:00Z');
  const invoke = (configPath: string) => {
    clock += 5 * 60_000;
    const at = clock;
    return runFunction('sweep', { Type: 'Timer', TriggerName: 't', Time: new Date().toISOString(), Message: '' } as ScfEvent, { time_limit_in_ms: 30_000 }, { configPath, env: { ...process.env, ...ENV }, now: () => at });
  };
  const byGroup = (results: ResultRecord[]) => Object.fromEntries(results.filter((r) => r.subject).map((r) => [r.subject!, r]));

  test('a group that loses packets against its baseline alerts after N runs, as its own incident', async () => {
    writeList('answer');
    const configPath = writeConfig();
    for (let i = 0; i < 2; i++) {
      const s = await invoke(configPath);
      assert.equal(s.ok, true, JSON.stringify(s.results.map((r) => r.reasons)));
      const g = byGroup(s.results);
      assert.deepEqual(Object.keys(g).sort(), ['北京/移动', '广东/电信', '江苏/联通'].sort());
      assert.equal(g['广东/电信']!.sweep!.lossPercent, 0);
      assert.equal(g['江苏/联通']!.sweep!.lossPercent, 0, 'refused is reachable');
      assert.equal(g['北京/移动']!.sweep!.targets, 2, 'a /30 has two hosts');
      const run = s.results.find((r) => !r.subject)!;
      assert.deepEqual([run.sweepRun!.shards, run.sweepRun!.targets, run.sweepRun!.groups], [1, 42, 3]);
    }
    writeList('hole');
    const first = await invoke(configPath);
    const gd = byGroup(first.results)['广东/电信']!;
    assert.deepEqual([gd.ok, gd.sweep!.lossPercent, gd.sweep!.baselineLossPercent, gd.sweep!.streak], [true, 100, 0, 1]);
    assert.deepEqual(first.alerts, []);
    const second = await invoke(configPath);
    const failing = byGroup(second.results)['广东/电信']!;
    assert.equal(failing.ok, false);
    assert.equal(failing.reasons[0]!.code, 'LOSS_DEVIATION');
    assert.match(failing.reasons[0]!.message, /广东\/电信: loss 100\.00% against a baseline of 33\.33% .* for 2 runs in a row; 20 of 20 targets unreachable/);
    assert.equal(failing.table!.rows[0]![0], '广东/电信', 'the worst group first');
    assert.equal(byGroup(second.results)['江苏/联通']!.ok, true);
    assert.deepEqual(second.alerts.map((a) => [a.monitor, a.kind]), [['netsky/广东/电信', 'alert']]);
    assert.match(renderTable(second, 200), /^netsky\/广东\/电信 +sweep +FAIL +0\/20 .*LOSS_DEVIATION/m);
    const text = (wecom.received.at(-1)!.json as { markdown: { content: string } }).markdown.content;
    assert.match(text, /LOSS_DEVIATION/);
    assert.match(text, /广东\/电信/);
  });

  test('the judging invocation pushes each group to the Pushgateway; a gateway that is down fails nothing', async () => {
    writeList('answer');
    const got: string[] = [];
    const gw = await httpServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push(`${req.method} ${req.url}\n${body}`);
        res.writeHead(202).end();
      });
    });
    try {
      const s = await invoke(writeConfig({ pushgateway: { url: gw.url('/'), job: 'netsky_test' } }));
      const run = s.results.find((r) => !r.subject)!;
      assert.deepEqual(run.sweepRun!.pushgateway, { ok: true, pushed: 3, failed: 0 });
      const gd = got.find((g) => g.startsWith(`PUT /metrics/job/netsky_test/group@base64/${Buffer.from('广东/电信').toString('base64url')}\n`));
      assert.ok(gd, got.join('\n---\n'));
      assert.match(gd, /^scf_monitor_sweep_targets\{monitor="netsky",province="广东",isp="电信"\} 20$/m);
    } finally {
      await gw.close();
    }
    const down = await invoke(writeConfig({ pushgateway: { url: `http://127.0.0.1:${await closedPort()}/`, timeoutMs: 1000 } }));
    assert.equal(down.ok, true);
    const run = down.results.find((r) => !r.subject)!;
    assert.equal(run.sweepRun!.pushgateway!.ok, false);
    assert.ok(logged.some((l) => l.event === 'pushgateway' && l.monitor === 'netsky' && /ECONNREFUSED/.test(String(l.error))));
  });

  test('an unreadable list is one failing record saying why', async () => {
    writeFileSync(join(dir, 'targets.csv'), 'not-an-address,广东,电信\n');
    const s = await invoke(writeConfig());
    assert.equal(s.results.length, 1);
    assert.equal(s.results[0]!.reasons[0]!.code, 'TARGETS_UNREADABLE');
    assert.match(s.results[0]!.reasons[0]!.message, /line 1: "not-an-address" must be an IP address/);
  });
});
