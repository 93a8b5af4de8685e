/**
 * The result record: one per monitor per run, logged as one JSON line. Users script against
 * its shape (README "Result records"). A monitor type adds its own detail (`lag`, `speed`)
 * by augmenting ResultRecord from its own types file, so this file names no feature.
 */
import type { Reason } from './codes';

/**
 * Rows an alert shows under its reasons (the worst nodes, the worst partitions): an HTML table
 * in e-mail, a list in WeCom and DingTalk markdown, left out of an SMS.
 */
export interface DetailTable {
  columns: string[];
  rows: string[][];
}

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
  /** dns: the server asked (`host` or `host:port`), its rcode name and the answers of the asked type. */
  server?: string;
  rcode?: string;
  answers?: string[];
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
  /**
   * The function's deadline stopped the monitor after some samples (code DEADLINE): `ok` and
   * `reasons` judge the samples it took, so a healthy target cut short is not failing.
   */
  cut?: Reason;
  /** When the canary failed too: what the target's own checks said (reasons is PROBE_NETWORK). */
  targetReasons?: Reason[];
  /**
   * For monitors that report one record per item (a ckafka monitor: one per consumer group):
   * the item. Each subject has its own incident, keyed `monitor/subject`.
   */
  subject?: string;
  table?: DetailTable;
  samples: SampleRecord[];
}
