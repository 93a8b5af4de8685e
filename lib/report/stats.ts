/** Statistics over sample times. Population standard deviation, as the seeds' numpy did. */

export function mean(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export function std(values: readonly number[]): number | undefined {
  const m = mean(values);
  if (m === undefined) return undefined;
  let sq = 0;
  for (const v of values) {
    // A product, not `**`: this runs for every record, and `**` on doubles calls out to pow.
    const d = v - m;
    sq += d * d;
  }
  return Math.sqrt(sq / values.length);
}

/** Percentile with linear interpolation between closest ranks (numpy's default). */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  // One sample (tcp and most http monitors in a healthy run): no copy to sort.
  if (values.length === 1) return values[0];
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (rank - lo);
}

/** Milliseconds rounded to 0.1, the precision records carry. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function roundRatio(r: number): number {
  return Math.round(r * 1000) / 1000;
}
