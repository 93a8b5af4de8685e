/**
 * From one group's fetched answers to its lag detail and reasons: lag per partition, the
 * history read, the evaluation, this observation appended. Everything the monitor does
 * besides the API calls, in one place, so the benchmark times exactly this.
 */
import type { GroupInfoResponse, GroupOffsetTopic } from 'tencentcloud-sdk-nodejs-ckafka/tencentcloud/services/ckafka/v20190819/ckafka_models';
import type { CkafkaMonitor } from './schema';
import type { Reason } from '../../report/codes';
import { UnreadableStateError, type StateStore } from '../../state/types';
import { evaluate } from './evaluate';
import { historyKey, readHistory, recordObservation } from './history';
import { computeLag, toObservation, worstPartitions } from './lag';
import type { GroupLagDetail, Observation } from './types';

const WORST_PARTITIONS = 10;

export interface Fetched {
  group: string;
  /** DescribeGroupInfo's entry for the group, when it gave one. */
  info: GroupInfoResponse | undefined;
  /** Every page of DescribeGroupOffsets, merged. */
  topics: readonly GroupOffsetTopic[];
  /** When the offsets were read (epoch ms). */
  at: number;
}

export interface AssessOptions {
  /** The run's store; none (or `storeError`) means judging this observation alone. */
  store?: StateStore;
  storeError?: string;
  /** Named in the config rather than listed from the instance. */
  named: boolean;
}

/** Members as the API reports them: listed only while Stable; none when Empty or Dead; unknown while rebalancing. */
function memberCount(state: string | undefined, listed: number | undefined): number | undefined {
  if (state === 'Empty' || state === 'Dead') return 0;
  if (state === 'Stable') return listed ?? 0;
  return undefined;
}

const errorText = (err: unknown) => (err as Error)?.message ?? String(err);

export async function assessGroup(m: CkafkaMonitor, f: Fetched, opts: AssessOptions): Promise<{ lag: GroupLagDetail; reasons: Reason[] }> {
  const snap = computeLag(f.topics);
  const state = f.info?.State;
  const members = memberCount(state, f.info?.Members?.length);
  const current = toObservation(f.at, snap, state, members);

  // History is best effort: without it the group is still judged on thresholds and STOP.
  const { store } = opts;
  const key = historyKey(m.name, m.instanceId, f.group);
  let history: Observation[] = [];
  let historyError = opts.storeError;
  let restarted: string | undefined;
  if (store && !historyError) {
    try {
      history = await readHistory(store, key);
    } catch (err) {
      historyError = `history not read: ${errorText(err)}`;
      // Unreadable for good (not JSON, a key of another type): kept aside, and the group's
      // history starts again, instead of every later run failing to read it.
      if (err instanceof UnreadableStateError) {
        const movedTo = await store.quarantine(key, 'list').catch(() => undefined);
        if (movedTo) restarted = `history was unreadable (${err.why}); kept at ${movedTo}, starting afresh`;
      }
    }
  }
  const own = m.groupOverrides?.[f.group];
  const ev = evaluate({
    group: f.group,
    instanceId: m.instanceId,
    history,
    current,
    topicLag: snap.topicLag,
    window: m.window,
    allowedLag: own?.allowedLag ?? m.allowedLag,
    warnMinLag: own?.warnMinLag ?? m.warnMinLag,
    expect: m.expect,
    named: opts.named,
  });
  if (restarted) historyError = undefined;
  if (store && !historyError) {
    try {
      await recordObservation(store, key, current, ev.keep);
    } catch (err) {
      historyError = `history not written: ${errorText(err)}`;
    }
  }

  const lag: GroupLagDetail = {
    group: f.group,
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
    ...(historyError || restarted ? { historyError: historyError ?? restarted } : {}),
  };
  return { lag, reasons: ev.reasons };
}
