/**
 * The ckafka evaluation on its own (lib/kafka/lag.ts and evaluate.ts): partition lags and
 * their sums, and observation sequences that must yield each status. No API, no store.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { computeLag, partitionLag, toObservation, worstPartitions } from '../lib/monitors/ckafka/lag';
import { evaluate, type EvaluateInput } from '../lib/monitors/ckafka/evaluate';
import { count, span } from '../lib/monitors/ckafka/format';
import type { Observation } from '../lib/monitors/ckafka/types';

const MIN = 60_000;
const T0 = Date.parse('2026-01-05T06:00:00Z');

/** Partitions per topic as [committed, lag]; partition ids are the array index. */
type Parts = Record<string, [number, number | null][]>;

function obs(i: number, parts: Parts, state = 'Stable', members: number | undefined = 2): Observation {
  const topics: Observation['topics'] = {};
  let totalLag = 0;
  for (const [topic, list] of Object.entries(parts)) {
    topics[topic] = list.map(([c, l], p) => [p, c, l]);
    for (const [, l] of list) totalLag += l ?? 0;
  }
  return { at: T0 + i * MIN, state, ...(members !== undefined ? { members } : {}), totalLag, topics };
}

function topicLagOf(o: Observation): Record<string, number> {
  const sums = Object.entries(o.topics).map(([t, ps]) => [t, ps.reduce((s, [, , l]) => s + (l ?? 0), 0)] as [string, number]);
  sums.sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(sums);
}

/** Evaluates the last of `seq` with the others as history. */
function run(seq: Observation[], over: Partial<EvaluateInput> = {}) {
  const current = seq[seq.length - 1]!;
  return evaluate({
    group: 'orders-consumer',
    instanceId: 'ckafka-test1',
    history: seq.slice(0, -1),
    current,
    topicLag: topicLagOf(current),
    window: 5,
    expect: {},
    named: true,
    ...over,
  });
}

/** `n` observations built by `f(i)`. */
const seqOf = (n: number, f: (i: number) => Observation) => Array.from({ length: n }, (_, i) => f(i));

describe('partition lag and sums', () => {
  test('Lag as the API gives it, else LogEndOffset - Offset', () => {
    assert.deepEqual(partitionLag('t', { Partition: 0, Offset: 100, LogEndOffset: 150, Lag: 50, ErrorCode: 0 }), { topic: 't', partition: 0, committed: 100, logEnd: 150, lag: 50 });
    assert.equal(partitionLag('t', { Partition: 1, Offset: 100, LogEndOffset: 180 }).lag, 80);
    assert.equal(partitionLag('t', { Partition: 2, Offset: 100 }).note, 'no-log-end');
  });

  test('offset -1 (never committed) is reported, not counted: the API figure for it is the whole log', () => {
    const p = partitionLag('t', { Partition: 3, Offset: -1, LogEndOffset: 9_000_000, Lag: 9_000_001, ErrorCode: 0 });
    assert.equal(p.note, 'uncommitted');
    assert.equal(p.committed, -1);
    assert.equal(p.lag, undefined);
  });

  test('a negative lag is reported as such and counts as 0', () => {
    const p = partitionLag('t', { Partition: 0, Offset: 500, LogEndOffset: 495, Lag: -5 });
    assert.equal(p.note, 'negative-lag');
    assert.equal(p.rawLag, -5);
    assert.equal(p.lag, 0);
  });

  test('a partition answered with a Kafka error code is not counted', () => {
    const p = partitionLag('t', { Partition: 0, Offset: 10, LogEndOffset: 99, Lag: 89, ErrorCode: 3 });
    assert.equal(p.note, 'partition-error');
    assert.equal(p.errorCode, 3);
    assert.equal(p.lag, undefined);
  });

  test('every topic keeps its own sum (the seed kept only the last partition), largest first', () => {
    const snap = computeLag([
      { Topic: 'audit', Partitions: [{ Partition: 0, Offset: 10, LogEndOffset: 1010, Lag: 1000 }, { Partition: 1, Offset: 0, LogEndOffset: 1000, Lag: 1000 }] },
      {
        Topic: 'orders',
        Partitions: [
          { Partition: 0, Offset: 1, LogEndOffset: 100_001, Lag: 100_000 },
          { Partition: 1, Offset: 1, LogEndOffset: 50_001, Lag: 50_000 },
          { Partition: 2, Offset: -1, LogEndOffset: 7_000_000, Lag: 7_000_001 },
          { Partition: 3, Offset: 900, LogEndOffset: 800, Lag: -100 },
        ],
      },
      { Topic: 'idle', Partitions: [{ Partition: 0, Offset: 5, LogEndOffset: 5, Lag: 0 }] },
    ]);
    assert.deepEqual(snap.topicLag, { orders: 150_000, audit: 2000, idle: 0 });
    assert.deepEqual(Object.keys(snap.topicLag), ['orders', 'audit', 'idle']);
    assert.equal(snap.totalLag, 152_000);
    assert.equal(snap.topics, 3);
    assert.equal(snap.partitions.length, 7);
    assert.equal(snap.uncommittedPartitions, 1);
    assert.equal(snap.negativeLagPartitions, 1);
    assert.deepEqual(worstPartitions(snap.partitions, 3).map((p) => `${p.topic}/${p.partition}`), ['orders/0', 'orders/1', 'audit/0']);
    const o = toObservation(T0, snap, 'Stable', 3);
    assert.deepEqual(o.topics.orders, [[0, 1, 100_000], [1, 1, 50_000], [2, -1, null], [3, 900, 0]]);
    assert.equal(o.totalLag, 152_000);
  });

  test('alert text formats', () => {
    assert.equal(count(152000), '152,000');
    assert.equal(span(45_000), '45 s');
    assert.equal(span(4 * MIN), '4 min');
    assert.equal(span(125 * MIN), '2 h 5 min');
  });
});

describe('statuses', () => {
  const moving = (i: number, lag = 0) => obs(i, { orders: [[1000 + i * 600, lag], [2000 + i * 600, lag]] });

  test('OK: a full window, offsets moving, no lag', () => {
    const ev = run(seqOf(5, (i) => moving(i)));
    assert.equal(ev.status, 'OK');
    assert.deepEqual(ev.reasons, []);
    assert.equal(ev.observations, 5);
    assert.equal(ev.consumeRatePerSec, 20); // 1200 messages a minute
    assert.equal(ev.timeLagSeconds, 0);
  });

  test('WARMING_UP: fewer than `window` observations, nothing over a threshold', () => {
    const ev = run(seqOf(3, (i) => moving(i, 50)), { expect: { maxLag: 10_000 } });
    assert.equal(ev.status, 'WARMING_UP');
    assert.deepEqual(ev.reasons, []);
    assert.equal(ev.observations, 3);
  });

  test('WARMING_UP does not hide a stall-shaped history: only thresholds and STOP apply', () => {
    const ev = run(seqOf(4, (i) => obs(i, { orders: [[100, 500]] })));
    assert.equal(ev.status, 'WARMING_UP');
  });

  test('LAG_THRESHOLD on the total, naming the biggest topics, already while warming up', () => {
    const o = obs(0, { orders: [[1, 100_000], [1, 50_000]], audit: [[1, 2000]] });
    const ev = run([o], { expect: { maxLag: 10_000 } });
    assert.equal(ev.status, 'LAG_THRESHOLD');
    assert.deepEqual(ev.reasons, [{ code: 'LAG_THRESHOLD', message: 'group orders-consumer lag 152,000 > 10,000 (orders 150,000; audit 2,000)' }]);
  });

  test('LAG_THRESHOLD per topic, against the topic sum', () => {
    const o = obs(0, { orders: [[1, 400], [1, 400]], audit: [[1, 1500], [1, 500]] });
    const ev = run([o], { expect: { maxLag: 1_000_000, topicMaxLag: { audit: 1000, orders: 1000 } } });
    assert.equal(ev.status, 'LAG_THRESHOLD');
    assert.deepEqual(ev.reasons, [{ code: 'LAG_THRESHOLD', message: 'group orders-consumer topic audit lag 2,000 > 1,000' }]);
  });

  test('STOP: Empty with lag and no committed offset moving across the window', () => {
    const ev = run(seqOf(5, (i) => obs(i, { orders: [[5, 12_000 + i * 10]] }, 'Empty', 0)));
    assert.equal(ev.status, 'STOP');
    assert.deepEqual(ev.reasons, [
      { code: 'STOP', message: 'group orders-consumer has no members (Empty) and its committed offsets have not moved for 5 observations (4 min) while 12,040 messages are waiting' },
    ]);
  });

  test('no STOP from one observation: an Empty group is judged only once its offsets had the window to move', () => {
    assert.equal(run([obs(0, { orders: [[5, 12_000]] }, 'Empty', 0)]).status, 'WARMING_UP');
    assert.equal(run(seqOf(4, (i) => obs(i, { orders: [[5, 12_000]] }, 'Empty', 0))).status, 'WARMING_UP');
  });

  test('STOP needs no members in two polls running: a stuck group whose member just left is STALL first', () => {
    const stuck = seqOf(5, (i) => obs(i, { orders: [[5, 900]] }, i === 4 ? 'Empty' : 'Stable', i === 4 ? 0 : 1));
    assert.deepEqual(run(stuck).reasons.map((r) => r.code), ['STALL']);
    const next = [...stuck, obs(5, { orders: [[5, 900]] }, 'Empty', 0)];
    assert.deepEqual(run(next).reasons.map((r) => r.code), ['STOP']);
  });

  test('STOP: Dead with lag', () => {
    const ev = run(seqOf(5, (i) => obs(i, { orders: [[5, 300]] }, 'Dead', 0)));
    assert.equal(ev.status, 'STOP');
    assert.match(ev.reasons[0]!.message, /is Dead \(no members\) and its committed offsets have not moved for 5 observations \(4 min\) while 300 messages are waiting/);
  });

  test('Empty without lag is fine: an idle consumer that caught up', () => {
    const ev = run(seqOf(5, (i) => obs(i, { orders: [[5, 0]] }, 'Empty', 0)));
    assert.equal(ev.status, 'OK');
  });

  test('a named group that is Dead with no committed offsets is a wrong name; a listed one is not flagged', () => {
    const named = run([obs(0, {}, 'Dead', 0)]);
    assert.equal(named.status, 'STOP');
    assert.match(named.reasons[0]!.message, /does not exist on ckafka-test1 .*check the group name/);
    assert.equal(run([obs(0, {}, 'Dead', 0)], { named: false }).status, 'WARMING_UP');
  });

  test('STOP outranks LAG_THRESHOLD; both are reasons', () => {
    const ev = run(seqOf(5, (i) => obs(i, { orders: [[5, 20_000]] }, 'Empty', 0)), { expect: { maxLag: 10_000 } });
    assert.equal(ev.status, 'STOP');
    assert.deepEqual(ev.reasons.map((r) => r.code), ['STOP', 'LAG_THRESHOLD']);
  });

  test('STALL: members present, some partitions did not move for the whole window while lag waited', () => {
    const seq = seqOf(5, (i) =>
      obs(i, {
        orders: [[100, 5000 + i * 100], [100 + i * 50, 10], [7, 3000]],
        audit: [[40 + i * 10, 0]],
      }),
    );
    const ev = run(seq);
    assert.equal(ev.status, 'STALL');
    assert.deepEqual(ev.reasons, [
      { code: 'STALL', message: 'group orders-consumer: committed offsets of 2 partitions (orders/0, orders/2) have not moved for 5 observations (4 min) while lag is 8,400' },
    ]);
  });

  test('no STALL when the lag was zero somewhere in the window (a quiet topic that just got a message)', () => {
    const seq = seqOf(5, (i) => obs(i, { orders: [[100, i === 0 ? 0 : 3]] }));
    const ev = run(seq);
    assert.equal(ev.status, 'OK');
  });

  test('an Empty group with stuck offsets is STOP, not STALL', () => {
    const ev = run(seqOf(5, (i) => obs(i, { orders: [[100, 800]] }, 'Empty', 0)));
    assert.deepEqual(ev.reasons.map((r) => r.code), ['STOP']);
  });

  test('rebalancing (members unknown) still counts as having members: a group stuck rebalancing stalls', () => {
    const ev = run(seqOf(5, (i) => obs(i, { orders: [[100, 800]] }, 'PreparingRebalance', undefined)));
    assert.equal(ev.status, 'STALL');
  });

  test('WARN: offsets move but lag only grows', () => {
    const lags = [1000, 1500, 1500, 2600, 3000];
    const ev = run(seqOf(5, (i) => obs(i, { orders: [[1000 + i * 600, lags[i]!]] })));
    assert.equal(ev.status, 'WARN');
    assert.deepEqual(ev.reasons, [
      { code: 'WARN', message: 'group orders-consumer is falling behind on partition orders/0: lag grew from 1,000 to 3,000 over 5 observations (4 min) while consuming 10 msg/s' },
    ]);
  });

  test('no WARN for a steady backlog, a dip, or a backlog that was empty inside the window', () => {
    const flat = run(seqOf(5, (i) => obs(i, { orders: [[1000 + i * 600, 1000]] })));
    assert.equal(flat.status, 'OK');
    const dip = [1000, 1500, 1400, 2600, 3000];
    assert.equal(run(seqOf(5, (i) => obs(i, { orders: [[1000 + i * 600, dip[i]!]] }))).status, 'OK');
    const fromZero = [0, 500, 900, 1400, 3000];
    assert.equal(run(seqOf(5, (i) => obs(i, { orders: [[1000 + i * 600, fromZero[i]!]] }))).status, 'OK');
    const tiny = [1000, 1001, 1002, 1003, 1004];
    assert.equal(run(seqOf(5, (i) => obs(i, { orders: [[1000 + i * 600, tiny[i]!]] }))).status, 'OK', 'growth under 10% is jitter');
  });

  test('REWIND: a committed offset went backwards inside the window and has not come back', () => {
    const committed = [500, 600, 200, 260, 300];
    // Log end 700 throughout: the lag is what the rewind put back.
    const ev = run(seqOf(5, (i) => obs(i, { orders: [[committed[i]!, 700 - committed[i]!], [10 + i, 0]] })));
    assert.equal(ev.status, 'REWIND');
    assert.deepEqual(ev.reasons, [
      { code: 'REWIND', message: 'group orders-consumer: committed offset of orders/0 went back from 600 to 200 and is at 300, not yet back to 600 within the last 5 observations (4 min)' },
    ]);
  });

  test('a partition at or below allowedLag now is OK whatever its history, an unrecovered rewind included (Burrow)', () => {
    const committed = [500, 600, 200, 260, 300];
    const lags = [200, 100, 500, 440, 1];
    const seq = seqOf(5, (i) => obs(i, { orders: [[committed[i]!, lags[i]!]] }));
    assert.equal(run(seq, { allowedLag: 1 }).status, 'OK');
    assert.equal(run(seq, { allowedLag: 0 }).status, 'REWIND');
  });

  test('offset -1 is neither a rewind nor a stall, and moving to -1 and back is no rewind', () => {
    const committed = [-1, 50, -1, 70, 80];
    const ev = run(seqOf(5, (i) => obs(i, { orders: [[committed[i]!, committed[i]! < 0 ? null : 0], [-1, null]] })));
    assert.equal(ev.status, 'OK');
  });

  test('maxLagSeconds: lag over the consumption rate, already on the second observation', () => {
    const seq = [obs(0, { orders: [[0, 60_000]] }), obs(1, { orders: [[3600, 60_000]] })];
    const ev = run(seq, { expect: { maxLagSeconds: 300 } });
    assert.equal(ev.consumeRatePerSec, 60);
    assert.equal(ev.timeLagSeconds, 1000);
    assert.equal(ev.status, 'LAG_THRESHOLD');
    assert.deepEqual(ev.reasons, [{ code: 'LAG_THRESHOLD', message: 'group orders-consumer is 17 min behind (lag 60,000 at 60 msg/s) > 300 s' }]);
    assert.equal(run(seq, { expect: { maxLagSeconds: 1200 } }).status, 'WARMING_UP');
  });

  test('maxLagSeconds: nothing consumed over a full window while messages wait is unbounded', () => {
    // Lag 0 at first, so this is no STALL; the consumer simply never took the new messages.
    const seq = seqOf(5, (i) => obs(i, { orders: [[100, i === 0 ? 0 : 100]] }));
    const ev = run(seq, { expect: { maxLagSeconds: 300 } });
    assert.equal(ev.timeLagSeconds, null);
    assert.deepEqual(ev.reasons, [{ code: 'LAG_THRESHOLD', message: 'group orders-consumer consumed nothing in 4 min while 100 messages wait: time lag unbounded > 300 s' }]);
    // While warming up, a consumer that commits every few minutes is not called unbounded.
    assert.equal(run(seq.slice(0, 3), { expect: { maxLagSeconds: 300 } }).status, 'WARMING_UP');
  });

  test('the window is the last `window` observations; observations from the future are ignored', () => {
    const seq = seqOf(12, (i) => obs(i, { orders: [[i < 3 ? 900 - i : 1000 + i, 0]] }));
    const ev = run(seq);
    assert.equal(ev.observations, 5);
    assert.equal(ev.status, 'OK', 'the early rewinds are outside the window');
    const future = { ...obs(99, { orders: [[1, 0]] }) };
    const ev2 = run([...seq.slice(0, 11), future, seq[11]!]);
    assert.equal(ev2.status, 'OK');
    assert.equal(ev2.observations, 5);
  });
});
