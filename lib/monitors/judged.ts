/**
 * A record of one judgment rather than of samples (a consumer group's lag, a heartbeat, a
 * host): ok without reasons, one "sample", no timings; the type adds its detail beside it.
 */
import type { Reason } from '../report/codes';
import type { ResultRecord } from '../report/record';
import { roundMs } from '../report/stats';

export interface RecordBase {
  timestamp: string;
  function: string;
  /** performance.now() when the work for this record began. */
  started: number;
}

export function judgedRecord(base: RecordBase, m: { name: string; type: string }, target: string, reasons: Reason[]): ResultRecord {
  const ok = reasons.length === 0;
  return {
    timestamp: base.timestamp,
    function: base.function,
    monitor: m.name,
    type: m.type,
    target,
    ok,
    reasons,
    stats: { samples: 1, successes: ok ? 1 : 0, successRate: ok ? 1 : 0 },
    hostList: [],
    durationMs: roundMs(performance.now() - base.started),
    samples: [],
  };
}
