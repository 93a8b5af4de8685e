/** The result record (DESIGN.md "Results"): one per monitor per run, logged as one JSON line. */
import type { Reason } from './codes';

export interface Stats {
  samples: number;
  successes: number;
  successRate: number;
  meanMs?: number;
  stdMs?: number;
  p95Ms?: number;
}

export interface SampleRecord {
  ok: boolean;
  statusCode?: number;
  remoteAddress?: string;
  attempts: number;
  redirects?: number;
  bodyBytes?: number;
  bodyTruncated?: true;
  timings: Record<string, number>;
  error?: Reason;
}

export interface ResultRecord {
  timestamp: string;
  function: string;
  monitor: string;
  type: string;
  target: string;
  ok: boolean;
  reasons: Reason[];
  stats: Stats;
  hostList: string[];
  durationMs: number;
  cert?: { host: string; validTo: string; daysLeft: number };
  samples: SampleRecord[];
}

export interface Summary {
  function: string;
  startedAt: string;
  durationMs: number;
  ok: boolean;
  results: ResultRecord[];
  alerts: unknown[];
}
