/**
 * Each group's usual loss and latency: a rolling window (12 h by default) of the group's past
 * runs in the store, kept as 12 buckets of sums so the record stays small however often the
 * timer fires. A run is judged against the baseline before it joins it. Deviating runs join it
 * too: after a window's worth of a new normal, the new normal is the baseline (netsky's).
 */
import type { StateStore } from '../../state/types';
import { update } from '../../state/types';
import type { GroupStats } from './counters';
import type { SweepMonitor } from './schema';

const BUCKETS_PER_WINDOW = 12;

interface Bucket {
  /** Start of the bucket, epoch ms. */
  at: number;
  runs: number;
  /** Sum of the runs' loss %. */
  loss: number;
  latencyRuns: number;
  /** Sum of the runs' median connect times. */
  latency: number;
}

interface GroupBaseline {
  buckets: Bucket[];
  /** Consecutive deviating runs up to now. */
  streak: number;
}

export interface BaselineState {
  groups: Record<string, GroupBaseline>;
}

export interface GroupVerdict {
  baselineRuns: number;
  baselineLossPercent?: number;
  baselineMedianMs?: number;
  lossDeviates: boolean;
  latencyDeviates: boolean;
  streak: number;
  /** Deviating for `deviation.runs` runs in a row. */
  failing: boolean;
}

export const baselineKey = (monitor: string) => `sweep/${monitor}/baseline`;

export function judgeGroup(b: GroupBaseline | undefined, s: GroupStats, m: Pick<SweepMonitor, 'deviation' | 'baseline'>, now: number): GroupVerdict {
  const from = now - m.baseline.window;
  const buckets = (b?.buckets ?? []).filter((x) => x.at + m.baseline.window / BUCKETS_PER_WINDOW > from);
  const runs = buckets.reduce((n, x) => n + x.runs, 0);
  const latencyRuns = buckets.reduce((n, x) => n + x.latencyRuns, 0);
  const baseLoss = runs > 0 ? buckets.reduce((n, x) => n + x.loss, 0) / runs : undefined;
  const baseMedian = latencyRuns > 0 ? buckets.reduce((n, x) => n + x.latency, 0) / latencyRuns : undefined;
  const ready = runs >= m.baseline.minRuns;
  const d = m.deviation;
  const lossDeviates = ready && baseLoss !== undefined && s.lossPercent !== undefined && s.lossPercent - baseLoss > d.lossPoints;
  const latencyDeviates =
    ready && baseMedian !== undefined && s.medianMs !== undefined && s.medianMs > baseMedian * d.latencyFactor && s.medianMs - baseMedian >= d.latencyMinDeltaMs;
  // A run that measured nothing (cut before its first attempt) neither extends nor breaks a streak.
  const streak = s.attempts === 0 ? (b?.streak ?? 0) : lossDeviates || latencyDeviates ? (b?.streak ?? 0) + 1 : 0;
  return {
    baselineRuns: runs,
    ...(baseLoss !== undefined ? { baselineLossPercent: Math.round(baseLoss * 1000) / 1000 } : {}),
    ...(baseMedian !== undefined ? { baselineMedianMs: Math.round(baseMedian * 1000) / 1000 } : {}),
    lossDeviates,
    latencyDeviates,
    streak,
    failing: streak >= d.runs,
  };
}

function joined(b: GroupBaseline | undefined, s: GroupStats, v: GroupVerdict, window: number, now: number): GroupBaseline {
  const size = window / BUCKETS_PER_WINDOW;
  const at = Math.floor(now / size) * size;
  const buckets = (b?.buckets ?? []).filter((x) => x.at + size > now - window).map((x) => ({ ...x }));
  if (s.lossPercent !== undefined) {
    let cur = buckets.find((x) => x.at === at);
    if (!cur) buckets.push((cur = { at, runs: 0, loss: 0, latencyRuns: 0, latency: 0 }));
    cur.runs++;
    cur.loss += s.lossPercent;
    if (s.medianMs !== undefined) {
      cur.latencyRuns++;
      cur.latency += s.medianMs;
    }
  }
  return { buckets, streak: v.streak };
}

/** Judges every group of a completed run and adds the run to the baselines, in one compare-and-set. */
export async function judgeAndRecord(store: StateStore, monitor: string, m: Pick<SweepMonitor, 'deviation' | 'baseline'>, stats: readonly GroupStats[], now: number): Promise<Map<string, GroupVerdict>> {
  return update<BaselineState, Map<string, GroupVerdict>>(store, baselineKey(monitor), (cur) => {
    const groups: Record<string, GroupBaseline> = {};
    const verdicts = new Map<string, GroupVerdict>();
    // Groups gone from the list for a whole window are forgotten.
    for (const [g, b] of Object.entries(cur?.groups ?? {})) if (b.buckets.some((x) => x.at + m.baseline.window > now - m.baseline.window)) groups[g] = b;
    for (const s of stats) {
      const v = judgeGroup(groups[s.group], s, m, now);
      verdicts.set(s.group, v);
      groups[s.group] = joined(groups[s.group], s, v, m.baseline.window, now);
    }
    return { value: { groups }, result: verdicts };
  });
}
