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

/**
 * Peak RSS of one run, in MB, when every monitor fails at once and alerts: what `validate`
 * holds against the function's memorySize. Fitted to bench/memory.ts (the built statusCheck
 * bundle, http monitors from YAML, 1,000, 2,500 and 5,000 of them, above the highest of three
 * runs each): about 56 MB for node and the bundle and 12 KB per monitor (its config, prober
 * state, record and the heap's slack around them); with channels, at least 85 MB plus 8 KB
 * per monitor (incidents, the outbox and the messages). That line is the flatter one
 * because alerting's peak comes after the monitors' and does not simply add to it; beyond
 * the fitted range the larger of the two is taken. Extra samples add their sample records (about 1 KB each, not fitted).
 */
export function peakMemoryMb(monitors: readonly MonitorConfig[], alerting: boolean): number {
  let samples = 0;
  for (const m of monitors) samples += 'samples' in m && typeof m.samples === 'number' ? m.samples - 1 : 0;
  const n = monitors.length;
  const healthy = 56 + (12 * n) / 1024;
  const failing = alerting ? 85 + (8 * n) / 1024 : 0;
  return Math.ceil(Math.max(healthy, failing) + samples / 1024);
}
