/** What a run returns (and the CLI prints): the records, what alerting did, canary and heartbeat. */
import type { PushOutcome } from '../history/push';
import type { AlertingSummary } from '../alerting/process';
import type { ResultRecord } from '../report/record';
import type { CanaryResult } from './canary';
import type { HeartbeatResult } from './heartbeat';

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
  /** Set when the run's history could not be written (the run itself stands). */
  historyError?: string;
  /** The push to `metrics.pushgateway`, when one is configured. */
  metricsPush?: PushOutcome;
}
