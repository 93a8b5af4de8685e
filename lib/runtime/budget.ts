/**
 * The longest a function's run can take when everything times out, for `validate`'s warning
 * that a function's timeout is too short. Each monitor type knows its own worst case
 * (MonitorModule.worstCaseMs); redirect hops are not counted (each would add its own).
 */
import type { MonitorConfig } from '../config/schema';

/** Monitors share `concurrency` slots: the run takes at least the longest one, and at least the total spread over the slots. */
export function runWorstCaseMs(
  monitors: readonly MonitorConfig[],
  concurrency: number,
  marginMs: number,
  worstCaseMs: (m: MonitorConfig) => number,
): number {
  if (monitors.length === 0) return 0;
  const each = monitors.map(worstCaseMs);
  return Math.ceil(Math.max(Math.max(...each), each.reduce((a, b) => a + b, 0) / concurrency)) + marginMs;
}
