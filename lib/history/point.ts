/**
 * A run's record as history keeps it: the few figures a chart, an uptime or a Prometheus gauge
 * needs, about 100 bytes a point instead of the record's kilobytes (samples, tables, messages).
 * The record's own `timestamp` becomes the point's time in the store.
 */
import type { FailureCode } from '../report/codes';
import type { ResultRecord } from '../report/record';

export interface HistoryItem {
  /** The function that ran it. */
  f: string;
  ok: boolean;
  /** The item of a monitor with subjects (a ckafka consumer group). */
  s?: string;
  /** Failure codes, in the record's order. */
  r?: FailureCode[];
  /** Mean and p95 response time over the samples that got an answer. */
  ms?: number;
  p95?: number;
  /** Success rate of the run's samples, and how many there were. */
  sr: number;
  n: number;
  /** Mean time of each phase (dns, connect, tls, ttfb, download, answer) over the samples that have it. */
  ph?: Record<string, number>;
  /** ckafka: the group's total lag in messages. */
  lag?: number;
  /** speedtest: probe nodes that failed to reach the site, of `nodes`. */
  fail?: number;
  nodes?: number;
  /** The deadline cut the monitor short (judged on the samples it had). */
  cut?: true;
}

export interface HistoryPoint extends HistoryItem {
  /** Epoch ms. */
  at: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * The detail of particular types is read by shape, not by import: history sits below the
 * monitor types, and a type that stops writing `lag` or `speed` only leaves the field out.
 */
interface Detailed {
  lag?: { totalLag?: unknown };
  speed?: { aggregates?: { overall?: { failed?: unknown; nodes?: unknown } } };
}

export function pointOf(r: ResultRecord): HistoryPoint {
  const item: HistoryPoint = { at: Date.parse(r.timestamp), f: r.function, ok: r.ok, sr: r.stats.successRate, n: r.stats.samples };
  if (r.subject !== undefined) item.s = r.subject;
  if (r.reasons.length) item.r = [...new Set(r.reasons.map((x) => x.code))];
  if (r.stats.meanMs !== undefined) item.ms = r.stats.meanMs;
  if (r.stats.p95Ms !== undefined) item.p95 = r.stats.p95Ms;
  // Plain loops: this runs for every record of every run.
  const sums: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const s of r.samples) {
    if (!s.ok) continue;
    for (const k in s.timings) {
      if (k === 'totalMs') continue;
      const value = s.timings[k];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const phase = k.endsWith('Ms') ? k.slice(0, -2) : k;
      sums[phase] = (sums[phase] ?? 0) + value;
      counts[phase] = (counts[phase] ?? 0) + 1;
    }
  }
  for (const k in sums) (item.ph ??= {})[k] = round1(sums[k]! / counts[k]!);
  const d = r as ResultRecord & Detailed;
  if (typeof d.lag?.totalLag === 'number') item.lag = d.lag.totalLag;
  const overall = d.speed?.aggregates?.overall;
  if (typeof overall?.failed === 'number') item.fail = overall.failed;
  if (typeof overall?.nodes === 'number') item.nodes = overall.nodes;
  if (r.cut) item.cut = true;
  return item;
}
