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
import { ckafkaMonitor, DEFAULT_ALLOWED_LAG, DEFAULT_WARN_MIN_LAG, DEFAULT_WINDOW, type CkafkaMonitor } from '../lib/config/ckafka-schema';
import { validateConfig } from '../lib/config/validate';
import { ckafkaRunner } from '../lib/kafka/runner';
import type { LagStatus } from '../lib/kafka/types';
import type { ResultRecord, Summary } from '../lib/report/record';
import { setLogSink } from '../lib/report/log';
import { runFunction } from '../lib/runtime/functions';
import type { ScfEvent } from '../lib/runtime/scf';
import { FileStore } from '../lib/state/file';
import type { StateStore } from '../lib/state/types';
import { BURROW_CASES, type BurrowCase } from './support/burrow-cases';
import { ckafkaService, type CkafkaStandIn } from './support/tc-ckafka';
import { startTencentCloud, type TencentCloudStandIn } from './support/tencent-cloud';
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
