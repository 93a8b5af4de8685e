/** The result record (DESIGN.md "Results"): one per monitor per run, logged as one JSON line. */
import type { Reason } from './codes';
import type { AlertingSummary } from '../alerting/process';
import type { CanaryResult } from '../monitors/canary';
import type { HeartbeatResult } from '../runtime/heartbeat';
import type { GroupLagDetail } from '../kafka/types';
import type { SpeedDetail } from '../speedtest/types';

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
  lag?: GroupLagDetail;
  speed?: SpeedDetail;
  samples: SampleRecord[];
}

export interface Summary extends AlertingSummary {
  function: string;
  startedAt: string;
  durationMs: number;
  ok: boolean;
  results: ResultRecord[];
  /** Set when incidents or delivery could not run at all (the state store was unreachable). */
  alertingError?: string;
  canary?: CanaryResult;
  heartbeat?: HeartbeatResult;
}
