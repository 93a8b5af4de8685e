/**
 * The ckafka monitor: for each consumer group of the instance (the named ones, or all of them),
 * read the offsets and the group's state, compute the lag, evaluate it against the group's
 * history and record this observation. Groups run a few at a time within the deadline; each
 * yields its own record, so a group that fails or runs out of time never costs the others
 * theirs.
 */
import type { CkafkaMonitor } from '../config/ckafka-schema';
import type { RunContext } from '../monitors/context';
import type { Runner } from '../monitors/runner';
import type { ResultRecord } from '../report/record';
import { runPool } from '../runtime/pool';
import type { StateStore } from '../state/types';
import { CkafkaStepError, ckafkaReader, type CkafkaReader } from './client';
import { evaluate } from './evaluate';
import { historyKey, readHistory, recordObservation } from './history';
import { computeLag, toObservation, worstPartitions } from './lag';
import { failureReason, groupFailure, groupRecord, instanceRecord, instanceWide, type RecordBase } from './records';
import type { GroupLagDetail, Observation } from './types';

/** Groups read at once: each is one DescribeGroupInfo and a few DescribeGroupOffsets pages. */
const GROUP_CONCURRENCY = 4;
const WORST_PARTITIONS = 10;

const base = (ctx: RunContext): RecordBase => ({ timestamp: new Date().toISOString(), function: ctx.functionName, started: performance.now() });

/** Members as the API reports them: listed only while Stable; none when Empty or Dead; unknown while rebalancing. */
function memberCount(state: string | undefined, listed: number | undefined): number | undefined {
  if (state === 'Empty' || state === 'Dead') return 0;
  if (state === 'Stable') return listed ?? 0;
  return undefined;
}

function errorText(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

interface GroupJob {
  m: CkafkaMonitor;
  ctx: RunContext;
  reader: CkafkaReader;
  store: StateStore | undefined;
  /** Why there is no store to keep history in, when opening it failed. */
  storeError?: string;
  named: boolean;
  /** Set by the first group that meets an error every group would meet (bad key, no such instance). */
  shared: { failure?: unknown };
}

async function runGroup(job: GroupJob, group: string): Promise<ResultRecord> {
  const { m, ctx, reader, store } = job;
  const b = base(ctx);
  if (job.shared.failure) return groupFailure(m, b, group, failureReason(m, job.shared.failure, ctx.signal));

  let fetched;
  try {
    fetched = await Promise.all([reader.groupInfo(group), reader.groupOffsets(group)]);
  } catch (err) {
    if (err instanceof CkafkaStepError && instanceWide(err.apiError)) job.shared.failure ??= err;
    return groupFailure(m, b, group, failureReason(m, err, ctx.signal));
  }
  const [info, offsets] = fetched;
  const at = Date.now();

  const snap = computeLag(offsets.topics);
  const state = info?.State;
  const members = memberCount(state, info?.Members?.length);
  const current = toObservation(at, snap, state, members);

  // History is best effort: without it the group is still judged on thresholds and STOP.
  const key = historyKey(m.name, m.instanceId, group);
  let history: Observation[] = [];
  let historyError = job.storeError;
  if (store) {
    try {
      history = await readHistory(store, key);
    } catch (err) {
      historyError = `history not read: ${errorText(err)}`;
    }
  }
  const ev = evaluate({ group, instanceId: m.instanceId, history, current, topicLag: snap.topicLag, window: m.window, expect: m.expect, named: job.named });
  if (store && !historyError) {
    try {
      await recordObservation(store, key, current, m.window);
    } catch (err) {
      historyError = `history not written: ${errorText(err)}`;
    }
  }

  const detail: GroupLagDetail = {
    group,
    status: ev.status,
    ...(state !== undefined ? { state } : {}),
    ...(members !== undefined ? { members } : {}),
    totalLag: snap.totalLag,
    topicLag: snap.topicLag,
    topics: snap.topics,
    partitions: snap.partitions.length,
    worst: worstPartitions(snap.partitions, WORST_PARTITIONS),
    uncommittedPartitions: snap.uncommittedPartitions,
    negativeLagPartitions: snap.negativeLagPartitions,
    unreadablePartitions: snap.unreadablePartitions,
    ...(ev.consumeRatePerSec !== undefined ? { consumeRatePerSec: ev.consumeRatePerSec } : {}),
    ...(ev.timeLagSeconds !== undefined ? { timeLagSeconds: ev.timeLagSeconds } : {}),
    observations: ev.observations,
    window: m.window,
    ...(historyError ? { historyError } : {}),
  };
  return groupRecord(m, b, detail, ev.reasons);
}

async function runCkafka(m: CkafkaMonitor, ctx: RunContext): Promise<ResultRecord[]> {
  const listing = base(ctx);
  const named = m.groups !== undefined;
  let reader: CkafkaReader;
  try {
    reader = ckafkaReader(m, ctx);
  } catch (err) {
    // No credentials: every group (or the instance, when none are named) says so.
    const reason = failureReason(m, err, ctx.signal);
    return m.groups ? m.groups.map((g) => groupFailure(m, base(ctx), g, reason)) : [instanceRecord(m, listing, reason)];
  }

  let groups = m.groups;
  const out: ResultRecord[] = [];
  if (!groups) {
    try {
      groups = await reader.listGroups();
    } catch (err) {
      return [instanceRecord(m, listing, failureReason(m, err, ctx.signal))];
    }
    out.push(instanceRecord(m, listing));
  }

  const job: GroupJob = { m, ctx, reader, store: undefined, named, shared: {} };
  try {
    job.store = ctx.store?.();
  } catch (err) {
    job.storeError = `history not read: ${errorText(err)}`;
  }
  const records = await runPool(
    groups,
    GROUP_CONCURRENCY,
    ctx.signal,
    (g) => runGroup(job, g),
    (g) => groupFailure(m, base(ctx), g, { code: 'DEADLINE', message: `stopped at the function deadline before group ${g} of ${m.instanceId} was read` }),
  );
  return [...out, ...records];
}

export const ckafkaRunner: Runner<CkafkaMonitor> = {
  run: runCkafka,
  target: (m) => `${m.region}/${m.instanceId}`,
};
