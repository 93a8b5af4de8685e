/**
 * What a shard adds up per group, in a form that sums exactly across shards: counts, and
 * connect times as a log-bucketed histogram (a median cannot be summed; bucket counts can).
 * Buckets grow by 4 %, so a quantile read back is within 4 % of the measured time.
 */
export const BUCKET_BASE_MS = 0.01;
export const BUCKET_GROWTH = 1.04;
const LOG_GROWTH = Math.log(BUCKET_GROWTH);
/** 0.01 ms × 1.04^420 ≈ 140 s, past any connect timeout. */
export const BUCKETS = 421;
/** Unreachable addresses kept per group, for the alert and the log; the count is exact. */
export const UNREACHABLE_SAMPLE = 10;

export function bucketOf(ms: number): number {
  if (!(ms > BUCKET_BASE_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / BUCKET_BASE_MS) / LOG_GROWTH));
}

/** The bucket's upper bound: what a quantile falling in it reads as. */
export function bucketMs(i: number): number {
  return BUCKET_BASE_MS * BUCKET_GROWTH ** i;
}

export interface GroupCounters {
  /** Label values by column. */
  labels: Record<string, string>;
  /** Targets (address × port) in the list. */
  targets: number;
  /** Targets at least one attempt was made on (fewer when the deadline cut the run). */
  probed: number;
  attempts: number;
  /** Attempts answered: connected or refused (a refusal comes from the host). */
  answered: number;
  /** Probed targets that answered no attempt. */
  unreachable: number;
  /** Attempts that failed on our side (no ephemeral port, no descriptor): neither answer nor loss. */
  localErrors: number;
  /** Connect times of answered attempts: bucket index -> count. */
  histogram: Record<string, number>;
  unreachableSample: string[];
}

export type Counters = Record<string, GroupCounters>;

export function emptyGroup(labels: Record<string, string>): GroupCounters {
  return { labels, targets: 0, probed: 0, attempts: 0, answered: 0, unreachable: 0, localErrors: 0, histogram: {}, unreachableSample: [] };
}

/** Adds `add` into `into` (which it changes and returns). */
export function mergeCounters(into: Counters, add: Counters): Counters {
  for (const [g, a] of Object.entries(add)) {
    const t = (into[g] ??= emptyGroup(a.labels));
    t.targets += a.targets;
    t.probed += a.probed;
    t.attempts += a.attempts;
    t.answered += a.answered;
    t.unreachable += a.unreachable;
    t.localErrors += a.localErrors;
    for (const [b, n] of Object.entries(a.histogram)) t.histogram[b] = (t.histogram[b] ?? 0) + n;
    for (const s of a.unreachableSample) if (t.unreachableSample.length < UNREACHABLE_SAMPLE) t.unreachableSample.push(s);
  }
  return into;
}

/** The q-quantile (0..1) of the histogram, as its bucket's upper bound; undefined when empty. */
export function quantileMs(histogram: Record<string, number>, q: number): number | undefined {
  const entries = Object.entries(histogram).map(([b, n]) => [Number(b), n] as const).sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return undefined;
  // The nearest-rank definition: the smallest value with at least q of the samples at or below it.
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [b, n] of entries) {
    seen += n;
    if (seen >= rank) return bucketMs(b);
  }
  return bucketMs(entries[entries.length - 1]![0]);
}

export interface GroupStats {
  group: string;
  labels: Record<string, string>;
  targets: number;
  probed: number;
  attempts: number;
  answered: number;
  /** Percent of attempts unanswered; undefined when none was made. */
  lossPercent?: number;
  medianMs?: number;
  p95Ms?: number;
  unreachable: number;
  unreachableSample: string[];
  localErrors: number;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function groupStats(group: string, c: GroupCounters): GroupStats {
  const median = quantileMs(c.histogram, 0.5);
  const p95 = quantileMs(c.histogram, 0.95);
  return {
    group,
    labels: c.labels,
    targets: c.targets,
    probed: c.probed,
    attempts: c.attempts,
    answered: c.answered,
    ...(c.attempts > 0 ? { lossPercent: round(((c.attempts - c.answered) / c.attempts) * 100, 3) } : {}),
    ...(median !== undefined ? { medianMs: round(median, 3) } : {}),
    ...(p95 !== undefined ? { p95Ms: round(p95, 3) } : {}),
    unreachable: c.unreachable,
    unreachableSample: c.unreachableSample,
    localErrors: c.localErrors,
  };
}
