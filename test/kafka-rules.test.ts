/**
 * kafkaLag's rules against Burrow's evaluator cases (test/support/burrow-cases.ts) and the
 * false alarms of issue 14, each as a sequence of CKafka polls: the stand-in's offsets, log
 * ends and group state moved between repeated runs of the monitor, with its file state store
 * and a clock a poll apart. Everything stays on 127.0.0.1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { ckafkaMonitor, DEFAULT_ALLOWED_LAG, DEFAULT_WARN_MIN_LAG, DEFAULT_WINDOW, type CkafkaMonitor } from '../lib/monitors/ckafka/schema';
import { validateFullConfig } from '../lib/functions';
import { ckafkaRunner } from '../lib/monitors/ckafka/runner';
import type { LagStatus } from '../lib/monitors/ckafka/types';
import type { ResultRecord } from '../lib/report/record';
import type { Summary } from '../lib/runtime/summary';
import { setLogSink } from '../lib/report/log';
import { runFunction } from '../lib/functions';
import type { ScfEvent } from '../lib/runtime/scf';
import { FileStore } from '../lib/state/file';
import type { StateStore } from '../lib/state/types';
import { BURROW_CASES, type BurrowCase } from './support/burrow-cases';
import { ckafkaService, type CkafkaStandIn } from '../dev/standins/tc-ckafka';
import { startTencentCloud, type TencentCloudStandIn } from '../dev/standins/tencent-cloud';
import { WECOM_PATH, wecomStandIn, type WecomStandIn } from './support/wecom';

const ACCOUNT = { secretId: 'AKIDckafkaRulesTest0001', secretKey: 'ckRulesSK-never-logged-4b1e' };
const REGION = 'ap-guangzhou';
const MIN = 60_000;
const T0 = Date.parse('2026-03-02T08:00:00Z');

let cloud: TencentCloudStandIn;
let ck: CkafkaStandIn;
let dir: string;
let made = 0;

before(async () => {
  ck = ckafkaService();
  cloud = await startTencentCloud({ accounts: [ACCOUNT], services: [ck.service] });
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-kafka-rules-'));
});
after(async () => {
  await cloud.close();
  rmSync(dir, { recursive: true, force: true });
});

function monitor(instanceId: string, over: Record<string, unknown> = {}): CkafkaMonitor {
  return v.parse(ckafkaMonitor, {
    name: 'lag',
    type: 'ckafka',
    region: REGION,
    instanceId,
    groups: ['g'],
    endpoint: cloud.endpoint('ckafka'),
    proxy: cloud.proxyUrl,
    secretId: ACCOUNT.secretId,
    secretKey: ACCOUNT.secretKey,
    ...over,
  });
}

/** One partition of one topic, as CKafka shows it in one poll. */
interface Poll {
  at: number;
  committed: number;
  logEnd: number;
  /** The partition answered with a Kafka error code: its lag is unknown. */
  unreadable?: boolean;
  state?: 'Stable' | 'Empty' | 'Dead';
}

/** A fresh instance with topic `t` of `partitions` partitions and group `g`. */
function instance(partitions = 1, state: 'Stable' | 'Empty' = 'Stable'): string {
  const id = `ckafka-rules-${++made}`;
  ck.addInstance(id, REGION);
  ck.addTopic(id, 't', partitions, 0);
  ck.addGroup(id, 'g', { state, members: state === 'Stable' ? 1 : 0, offsets: { t: Array.from({ length: partitions }, () => 0) } });
  return id;
}

/** Sets partition `p` of topic `t` as the poll shows it. */
function show(id: string, p: number, poll: Omit<Poll, 'at'>): void {
  ck.model.instances[id]!.topics.t![p] = poll.logEnd;
  ck.commit(id, 'g', 't', p, poll.committed);
  const g = ck.group(id, 'g');
  g.partitionErrors = { ...g.partitionErrors, t: { ...g.partitionErrors?.t } };
  if (poll.unreadable) g.partitionErrors.t![p] = 3;
  else delete g.partitionErrors.t![p];
  if (poll.state && poll.state !== g.state) ck.setState(id, 'g', poll.state, poll.state === 'Stable' ? 1 : 0);
}

/** One run of the monitor at time `at`, with the store that keeps the group's history. */
async function poll(m: CkafkaMonitor, store: StateStore, at: number): Promise<ResultRecord> {
  const out = await ckafkaRunner.run(m, { functionName: 'kafkaLag', signal: new AbortController().signal, deadlineAt: Date.now() + 30_000, store: () => store, now: () => at });
  const records = Array.isArray(out) ? out : [out];
  assert.equal(records.length, 1, JSON.stringify(records));
  return records[0]!;
}

const newStore = () => new FileStore(join(dir, `store-${++made}`));

/** Runs one partition through `polls` and returns every record. */
async function runPolls(polls: readonly Poll[], over: Record<string, unknown> = {}, state: 'Stable' | 'Empty' = 'Stable'): Promise<ResultRecord[]> {
  const id = instance(1, state);
  const m = monitor(id, over);
  const store = newStore();
  const out: ResultRecord[] = [];
  for (const p of polls) {
    show(id, 0, { state, ...p });
    out.push(await poll(m, store, p.at));
  }
  return out;
}

const statusOf = (r: ResultRecord): LagStatus | string => r.lag?.status ?? `no lag: ${JSON.stringify(r.reasons)}`;

/** Polls a minute apart from T0 for one partition: committed offsets and lags. */
function minutely(committed: readonly number[], lags: readonly number[], state?: Poll['state']): Poll[] {
  return committed.map((c, i) => ({ at: T0 + i * MIN, committed: c, logEnd: c + lags[i]!, ...(state ? { state } : {}) }));
}

// ---------------------------------------------------------------------------------------------

/** Burrow's case as CKafka polls (the translation is described in burrow-cases.ts). */
function burrowPolls(c: BurrowCase): Poll[] {
  if (c.commits.length === 0) return Array.from({ length: c.intervals ?? 2 }, (_, i) => ({ at: T0 + i * MIN, committed: -1, logEnd: 0 }));
  const polls: Poll[] = [];
  let logEnd = 0;
  for (const [offset, lag, t] of c.commits) {
    logEnd = lag === null ? Math.max(logEnd, offset) : offset + lag;
    polls.push({ at: t * 1000, committed: offset, logEnd, ...(lag === null ? { unreadable: true } : {}) });
  }
  const times = c.commits.map(([, , t]) => t);
  const gaps = times.slice(1).map((t, i) => t - times[i]!).filter((g) => g > 0).sort((a, b) => a - b);
  const step = gaps[Math.floor(gaps.length / 2)] ?? 60;
  const last = c.commits[c.commits.length - 1]![0];
  const extra: number[] = [];
  for (let t = times[times.length - 1]! + step; t < c.timeNow; t += step) extra.push(t);
  if (times[times.length - 1]! < c.timeNow) extra.push(c.timeNow);
  // Burrow's broker offsets, oldest first, are the log ends of the last polls; earlier extra
  // polls see the oldest of them; the last poll shows Burrow's current lag.
  const ring = [...c.brokerOffsets].reverse();
  extra.forEach((t, i) => {
    const fromEnd = extra.length - 1 - i;
    const end = fromEnd === 0 ? last + c.currentLag : (ring[ring.length - 1 - fromEnd] ?? ring[0]!);
    polls.push({ at: t * 1000, committed: last, logEnd: end });
  });
  return polls;
}

describe("Burrow's evaluator cases, as CKafka polls", () => {
  for (const c of BURROW_CASES) {
    for (const state of ['Stable', 'Empty'] as const) {
      test(`${c.id} (${state}): Burrow ${c.burrow}, ours ${c.ours[state]} - ${c.what}`, async () => {
        const window = c.intervals ?? c.commits.length;
        const over = { window, allowedLag: c.allowedLag, warnMinLag: 0 };
        if (c.missing) {
          ck.addInstance(`ckafka-rules-${++made}`, REGION);
          const r = await poll(monitor(`ckafka-rules-${made}`), newStore(), T0);
          assert.equal(statusOf(r), c.ours[state]);
          assert.match(r.reasons[0]!.message, /does not exist .*check the group name/);
          return;
        }
        const records = await runPolls(burrowPolls(c), over, state);
        const last = records[records.length - 1]!;
        assert.equal(statusOf(last), c.ours[state], JSON.stringify(last.reasons));
        if (c.oursByDefault) {
          const byDefault = await runPolls(burrowPolls(c), { window, allowedLag: c.allowedLag }, state);
          assert.equal(statusOf(byDefault[byDefault.length - 1]!), c.oursByDefault);
        }
      });
    }
  }

  test('every case where ours differs from Burrow says why; the agreeing ones need no reason', () => {
    // WARMING_UP is ok, as Burrow's OK is.
    const same = (ours: string, burrow: string) => ours === burrow || (ours === 'WARMING_UP' && burrow === 'OK');
    for (const c of BURROW_CASES) {
      const agrees = same(c.ours.Stable, c.burrow) && same(c.ours.Empty, c.burrow);
      assert.equal(c.why === undefined, agrees, `${c.id}: ${agrees ? 'agrees, yet has a reason' : 'differs without a reason'}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('issue 14: no false alarm on healthy consumers', () => {
  test('an Empty group whose offsets move (Flink, Spark, assign()) is never STOP; one that stops moving is', async () => {
    const lags = [300, 250, 400, 200, 350];
    const polls = Array.from({ length: 14 }, (_, i) => ({ at: T0 + i * MIN, committed: 1000 + i * 500, logEnd: 1000 + i * 500 + lags[i % 5]!, state: 'Empty' as const }));
    const records = await runPolls(polls, {}, 'Empty');
    assert.deepEqual(records.map(statusOf), [...Array(10).fill('WARMING_UP'), 'OK', 'OK', 'OK', 'OK'], 'the default window is 10m: 11 polls a minute apart');
    assert.ok(records.every((r) => r.ok));
    // The same client gone: offsets stay put while 350 wait, a whole window long.
    const last = polls[polls.length - 1]!;
    const gone = [...polls, ...Array.from({ length: 10 }, (_, i) => ({ ...last, at: last.at + (i + 1) * MIN, logEnd: last.logEnd + 10 * (i + 1) }))];
    const after = await runPolls(gone, {}, 'Empty');
    const statuses = after.map(statusOf);
    assert.deepEqual(statuses.slice(14, 23), Array(9).fill('OK'), 'not STOP while the window still holds movement');
    assert.equal(statuses[23], 'STOP', 'ten minutes after the last commit');
    assert.match(after[23]!.reasons[0]!.message, /^group g has no members \(Empty\) and its committed offsets have not moved for 11 observations \(10 min\) while 300 messages are waiting$/);
  });

  test('one Empty poll while a one-member group restarts is not STOP', async () => {
    const polls: Poll[] = Array.from({ length: 16 }, (_, i) => ({ at: T0 + i * MIN, committed: 5000 + i * 200, logEnd: 5000 + i * 200 + (i % 2 ? 750 : 800), state: 'Stable' }));
    // Poll 12: the member left and has not rejoined; nothing was committed in that minute.
    polls[12] = { ...polls[11]!, at: polls[12]!.at, logEnd: polls[11]!.logEnd + 200, state: 'Empty' };
    const records = await runPolls(polls);
    assert.deepEqual(records.slice(10).map(statusOf), ['OK', 'OK', 'OK', 'OK', 'OK', 'OK']);
    assert.equal(records[12]!.lag!.state, 'Empty');
  });

  test('a permanent lag of 1 (a transactional control marker) is OK for ever; allowedLag 0 makes it STALL; a group override wins', async () => {
    const polls = Array.from({ length: 13 }, (_, i) => ({ at: T0 + i * MIN, committed: 900, logEnd: 901 }));
    assert.equal(DEFAULT_ALLOWED_LAG, 1);
    const byDefault = await runPolls(polls);
    assert.deepEqual(byDefault.slice(10).map(statusOf), ['OK', 'OK', 'OK']);
    const strict = await runPolls(polls, { allowedLag: 0 });
    assert.equal(statusOf(strict[12]!), 'STALL');
    assert.match(strict[12]!.reasons[0]!.message, /^group g: committed offsets of partition t\/0 have not moved for 11 observations \(10 min\) while lag is 1$/);
    const overridden = await runPolls(polls, { allowedLag: 0, groupOverrides: { g: { allowedLag: 1 } } });
    assert.deepEqual(overridden.slice(10).map(statusOf), ['OK', 'OK', 'OK']);
    // No members and the marker left: nothing is waiting that allowedLag does not allow.
    const empty = await runPolls(polls.map((p) => ({ ...p, state: 'Empty' as const })), {}, 'Empty');
    assert.deepEqual(empty.slice(10).map(statusOf), ['OK', 'OK', 'OK']);
  });

  test('a rewind that recovered stops alarming: REWIND only until the offset is back where it rewound from', async () => {
    // A long-running consumer; a rebalance re-commits an older offset once (1500, 1450, 1600).
    const committed = [900, 1000, 1100, 1200, 1300, 1400, 1500, 1450, 1600, 1700, 1800, 1900, 2000];
    const records = await runPolls(minutely(committed, committed.map(() => 400)), { window: 4 });
    assert.deepEqual(records.map(statusOf), ['WARMING_UP', 'WARMING_UP', 'WARMING_UP', 'OK', 'OK', 'OK', 'OK', 'REWIND', 'OK', 'OK', 'OK', 'OK', 'OK']);
    assert.match(records[7]!.reasons[0]!.message, /^group g: committed offset of t\/0 went back from 1,500 to 1,450 and is at 1,450, not yet back to 1,500 within the last 4 observations \(3 min\)$/);
    // 1400, 1500, 1450, 1600, 1700: recovered by the time the window is full.
    const short = [1400, 1500, 1450, 1600, 1700];
    const r2 = await runPolls(minutely(short, short.map(() => 400)), { window: 4 });
    assert.deepEqual(r2.map(statusOf), ['WARMING_UP', 'WARMING_UP', 'WARMING_UP', 'OK', 'OK']);
    // One that does not come back keeps its REWIND.
    const stuck = [1400, 1500, 1450, 1460, 1470, 1480];
    const r3 = await runPolls(minutely(stuck, stuck.map(() => 400)), { window: 4 });
    assert.deepEqual(r3.map(statusOf), ['WARMING_UP', 'WARMING_UP', 'WARMING_UP', 'REWIND', 'REWIND', 'OK'], 'until the rewind itself leaves the window');
  });

  test('one partition falling behind while another drains is WARN, naming the partition', async () => {
    const id = instance(2);
    const m = monitor(id, { window: 5 });
    const store = newStore();
    const lag0 = [1000, 1400, 1900, 2500, 3000];
    const lag1 = [5000, 4000, 3000, 2000, 1000];
    const statuses: string[] = [];
    let r: ResultRecord | undefined;
    for (let i = 0; i < 5; i++) {
      show(id, 0, { committed: 10_000 + i * 600, logEnd: 10_000 + i * 600 + lag0[i]! });
      show(id, 1, { committed: 20_000 + i * 1600, logEnd: 20_000 + i * 1600 + lag1[i]! });
      r = await poll(m, store, T0 + i * MIN);
      statuses.push(statusOf(r));
    }
    assert.deepEqual(statuses, ['WARMING_UP', 'WARMING_UP', 'WARMING_UP', 'WARMING_UP', 'WARN']);
    assert.equal(r!.lag!.totalLag, 4000, 'the group total went down from 6,000');
    assert.deepEqual(r!.reasons, [{ code: 'WARN', message: 'group g is falling behind on partition t/0: lag grew from 1,000 to 3,000 over 5 observations (4 min) while consuming 10 msg/s' }]);
  });

  test('a topic falling behind as a whole, its partitions taking turns, is WARN naming the topic', async () => {
    const id = instance(2);
    const m = monitor(id, { window: 5 });
    const store = newStore();
    const lag0 = [1000, 900, 2000, 1900, 3000];
    const lag1 = [1000, 1500, 1000, 1600, 1200];
    let r: ResultRecord | undefined;
    for (let i = 0; i < 5; i++) {
      show(id, 0, { committed: 10_000 + i * 600, logEnd: 10_000 + i * 600 + lag0[i]! });
      show(id, 1, { committed: 20_000 + i * 600, logEnd: 20_000 + i * 600 + lag1[i]! });
      r = await poll(m, store, T0 + i * MIN);
    }
    assert.deepEqual(r!.reasons, [{ code: 'WARN', message: 'group g is falling behind on topic t: lag grew from 2,000 to 4,200 over 5 observations (4 min) while consuming 20 msg/s' }]);
  });

  test('a consumer a few messages behind is quiet (warnMinLag); past warnMinLag the same climb is WARN', async () => {
    const lags = [11, 40, 80, 120, 145];
    const polls = minutely([0, 1, 2, 3, 4].map((i) => 500 + i * 300), lags);
    assert.equal(DEFAULT_WARN_MIN_LAG, 1000);
    const quiet = await runPolls(polls, { window: 5 });
    assert.equal(statusOf(quiet[4]!), 'OK');
    const low = await runPolls(polls, { window: 5, warnMinLag: 100 });
    assert.equal(statusOf(low[4]!), 'WARN');
    const perGroup = await runPolls(polls, { window: 5, warnMinLag: 5000, groupOverrides: { g: { warnMinLag: 145 } } });
    assert.equal(statusOf(perGroup[4]!), 'WARN');
  });

  test('a consumer that commits every 6 minutes: STALL between commits with window 5 on a 1-minute timer, never with the default 10m', async () => {
    // Producers add 100 a minute; every 6th minute the consumer commits what it processed, 50 short of the log end.
    const polls: Poll[] = [];
    let committed = 0;
    for (let i = 0; i < 40; i++) {
      const logEnd = 1000 + i * 100;
      if (i % 6 === 0) committed = logEnd - 50;
      polls.push({ at: T0 + i * MIN, committed, logEnd });
    }
    assert.equal(DEFAULT_WINDOW, '10m');
    const sized = await runPolls(polls);
    assert.deepEqual(new Set(sized.slice(10).map(statusOf)), new Set(['OK']));
    const short = await runPolls(polls, { window: 5 });
    assert.ok(short.slice(4).some((r) => statusOf(r) === 'STALL'), 'the short window calls it stalled between commits');
  });
});

describe('config', () => {
  const base = { name: 'k', type: 'ckafka', region: REGION, instanceId: 'ckafka-cfg00001' };
  const problems = (extra: Record<string, unknown>) => validateFullConfig({ monitors: [{ ...base, ...extra }] }).problems.map((p) => `${p.path.join('.')}: ${p.message}`);

  test('defaults: window 10m, allowedLag 1, warnMinLag 1000; a count window still reads as before', () => {
    const m = validateFullConfig({ monitors: [base] }).config!.monitors[0] as CkafkaMonitor;
    assert.deepEqual([m.window, m.allowedLag, m.warnMinLag], ['10m', 1, 1000]);
    assert.equal((validateFullConfig({ monitors: [{ ...base, window: 5 }] }).config!.monitors[0] as CkafkaMonitor).window, 5);
    assert.equal((validateFullConfig({ monitors: [{ ...base, window: '1h30m' }] }).config!.monitors[0] as CkafkaMonitor).window, '1h30m');
  });

  test('bad values are named by path with the reason', () => {
    assert.deepEqual(problems({ window: 1 }), ['monitors.0.window: must be at least 2, got 1']);
    assert.deepEqual(problems({ window: '10 minutes' }), ['monitors.0.window: must be a duration such as 10m, 90s or 1h30m, or a number of observations']);
    assert.deepEqual(problems({ window: '30s' }), ['monitors.0.window: must be at least 1m']);
    assert.deepEqual(problems({ window: '25h' }), ['monitors.0.window: must be at most 24h']);
    assert.deepEqual(problems({ window: true }), ['monitors.0.window: must be a duration such as 10m, or a number of observations from 2 to 50, got true']);
    assert.deepEqual(problems({ allowedLag: -1 }), ['monitors.0.allowedLag: must be at least 0, got -1']);
    assert.deepEqual(problems({ warnMinLag: 1.5 }), ['monitors.0.warnMinLag: must be a number of messages, got 1.5']);
    assert.deepEqual(problems({ groupOverrides: { g: { maxLag: 3 } } }), ['monitors.0.groupOverrides.g.maxLag: unknown key (known here: allowedLag, warnMinLag)']);
    assert.deepEqual(problems({ groups: ['orders'], groupOverrides: { ordres: { allowedLag: 3 } } }), ['monitors.0.groupOverrides: ordres: not in groups (orders)']);
  });
});

describe('kafkaLag runs end to end: healthy consumers stay quiet, a rewind alerts once and resolves', () => {
  const ENV = { SCFM_RULES_ID: ACCOUNT.secretId, SCFM_RULES_KEY: ACCOUNT.secretKey, SCFM_RULES_WECOM: 'wecom-key-rules-1' };
  let wecom: WecomStandIn;
  before(async () => {
    wecom = await wecomStandIn(ENV.SCFM_RULES_WECOM);
  });
  after(() => wecom.close());

  test('three groups over 13 polls a minute apart: an assign() client (Empty, moving), a transactional consumer (lag 1), a rebalance', async () => {
    const id = `ckafka-rules-e2e-${++made}`;
    ck.addInstance(id, REGION);
    ck.addTopic(id, 'clicks', 1, 0);
    ck.addTopic(id, 'ledger', 1, 901);
    ck.addTopic(id, 'orders', 1, 0);
    ck.addGroup(id, 'flink-sink', { state: 'Empty', members: 0, offsets: { clicks: [0] } });
    ck.addGroup(id, 'ledger-txn', { state: 'Stable', members: 1, offsets: { ledger: [900] } });
    ck.addGroup(id, 'orders-consumer', { state: 'Stable', members: 2, offsets: { orders: [0] } });
    const configPath = join(dir, `rules-e2e-${made}.json`);
    writeFileSync(
      configPath,
      JSON.stringify({
        state: { type: 'file', path: join(dir, `rules-e2e-state-${made}`) },
        channels: { ops: { type: 'wecom', webhook: `http://127.0.0.1:${wecom.port}${WECOM_PATH}?key=` + '${SCFM_RULES_WECOM}' } },
        alerts: { channels: ['ops'], failureThreshold: 1 },
        monitors: [
          {
            name: 'lag',
            type: 'ckafka',
            region: REGION,
            instanceId: id,
            groups: ['flink-sink', 'ledger-txn', 'orders-consumer'],
            window: 4,
            endpoint: cloud.endpoint('ckafka'),
            proxy: cloud.proxyUrl,
            secretId: '${SCFM_RULES_ID}',
            secretKey: '${SCFM_RULES_KEY}',
          },
        ],
      }),
    );
    const flinkLags = [300, 250, 400, 200, 350];
    const orders = [900, 1000, 1100, 1200, 1300, 1400, 1500, 1450, 1600, 1700, 1800, 1900, 2000];
    const statuses: Record<string, string[]> = {};
    const alerts: string[][] = [];
    setLogSink(() => {});
    try {
      for (let i = 0; i < orders.length; i++) {
        ck.model.instances[id]!.topics.clicks![0] = 1000 + i * 500 + flinkLags[i % 5]!;
        ck.commit(id, 'flink-sink', 'clicks', 0, 1000 + i * 500);
        ck.model.instances[id]!.topics.orders![0] = orders[i]! + 400;
        ck.commit(id, 'orders-consumer', 'orders', 0, orders[i]!);
        const at = T0 + i * MIN;
        const s: Summary = await runFunction('kafkaLag', { Type: 'Timer', TriggerName: 'kafka', Time: new Date(at).toISOString(), Message: '' } as ScfEvent, { time_limit_in_ms: 30_000 }, { configPath, env: { ...process.env, ...ENV }, now: () => at });
        for (const r of s.results) (statuses[r.subject!] ??= []).push(statusOf(r));
        alerts.push(s.alerts.map((a) => `${a.monitor} ${a.kind}`));
      }
    } finally {
      setLogSink((line) => process.stdout.write(line));
    }
    const quiet = [...Array(3).fill('WARMING_UP'), ...Array(10).fill('OK')];
    assert.deepEqual(statuses['flink-sink'], quiet);
    assert.deepEqual(statuses['ledger-txn'], quiet);
    assert.deepEqual(statuses['orders-consumer'], [...Array(3).fill('WARMING_UP'), 'OK', 'OK', 'OK', 'OK', 'REWIND', ...Array(5).fill('OK')]);
    assert.deepEqual(alerts, [...Array(7).fill([]), ['lag/orders-consumer alert'], ['lag/orders-consumer resolved'], ...Array(4).fill([])]);
    const texts = wecom.received.map((r) => (r.json as { markdown: { content: string } }).markdown.content);
    assert.equal(texts.length, 2);
    assert.match(texts[0]!, /committed offset of orders\/0 went back from 1,500 to 1,450/);
  });
});
