/**
 * Per-partition lag from DescribeGroupOffsets, summed per topic and per group.
 *
 * The seed summed each topic's partitions but then reported the last partition's lag and
 * reset its list per topic; here every topic's sum is kept. A partition the group never
 * committed (Offset -1) has no meaningful lag: the API's figure for it is the whole log (or
 * the log plus one), so counting it would raise an alarm for a consumer that simply never read
 * that partition. Such partitions, negative lags and partitions answered with a Kafka error
 * are reported as counts and in `note`, never summed as negative or absurd numbers.
 */
import type { GroupOffsetTopic } from 'tencentcloud-sdk-nodejs-ckafka/tencentcloud/services/ckafka/v20190819/ckafka_models';
import type { Observation, PartitionLag } from './types';

export interface LagSnapshot {
  totalLag: number;
  /** Summed lag per topic, largest first. */
  topicLag: Record<string, number>;
  topics: number;
  /** Every partition, in the API's order. */
  partitions: PartitionLag[];
  uncommittedPartitions: number;
  negativeLagPartitions: number;
  unreadablePartitions: number;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** One partition of the answer, judged. */
export function partitionLag(topic: string, p: { Partition?: number; Offset?: number; LogEndOffset?: number; Lag?: number; ErrorCode?: number }): PartitionLag {
  const committed = isCount(p.Offset) && p.Offset >= 0 ? p.Offset : -1;
  const out: PartitionLag = { topic, partition: p.Partition ?? -1, committed };
  if (isCount(p.LogEndOffset)) out.logEnd = p.LogEndOffset;
  if (isCount(p.ErrorCode) && p.ErrorCode !== 0) {
    out.note = 'partition-error';
    out.errorCode = p.ErrorCode;
    return out;
  }
  if (committed < 0) {
    out.note = 'uncommitted';
    return out;
  }
  // The API's own Lag first (the rule); the difference only when Lag is missing.
  const raw = isCount(p.Lag) ? p.Lag : out.logEnd !== undefined ? out.logEnd - committed : undefined;
  if (raw === undefined) {
    out.note = 'no-log-end';
    return out;
  }
  if (raw < 0) {
    // The log end fell below the commit (topic recreated, log truncated): nothing is waiting.
    out.note = 'negative-lag';
    out.rawLag = raw;
    out.lag = 0;
    return out;
  }
  out.lag = raw;
  return out;
}

/** The whole group: partitions judged, sums per topic and in all. */
export function computeLag(topics: readonly GroupOffsetTopic[]): LagSnapshot {
  const partitions: PartitionLag[] = [];
  const perTopic: [string, number][] = [];
  let totalLag = 0;
  let uncommitted = 0;
  let negative = 0;
  let unreadable = 0;
  for (const t of topics) {
    const name = t.Topic ?? '';
    let sum = 0;
    for (const p of t.Partitions ?? []) {
      const pl = partitionLag(name, p);
      partitions.push(pl);
      if (pl.lag !== undefined) sum += pl.lag;
      if (pl.note === 'uncommitted') uncommitted++;
      else if (pl.note === 'negative-lag') negative++;
      else if (pl.note === 'partition-error' || pl.note === 'no-log-end') unreadable++;
    }
    perTopic.push([name, sum]);
    totalLag += sum;
  }
  perTopic.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return {
    totalLag,
    topicLag: Object.fromEntries(perTopic),
    topics: perTopic.length,
    partitions,
    uncommittedPartitions: uncommitted,
    negativeLagPartitions: negative,
    unreadablePartitions: unreadable,
  };
}

/** The `n` partitions with the most lag, largest first (ties by topic and partition, for stable output). */
export function worstPartitions(partitions: readonly PartitionLag[], n = 10): PartitionLag[] {
  const withLag = partitions.filter((p) => p.lag !== undefined && p.lag > 0);
  withLag.sort((a, b) => b.lag! - a.lag! || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  return withLag.slice(0, n);
}

/** What the history keeps of this snapshot. */
export function toObservation(at: number, snap: LagSnapshot, state?: string, members?: number): Observation {
  const topics: Observation['topics'] = {};
  for (const p of snap.partitions) {
    (topics[p.topic] ??= []).push([p.partition, p.committed, p.lag ?? null]);
  }
  return { at, ...(state !== undefined ? { state } : {}), ...(members !== undefined ? { members } : {}), totalLag: snap.totalLag, topics };
}
