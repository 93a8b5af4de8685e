/**
 * The longest a monitor can take when everything times out, for `validate`'s warning that a
 * function's timeout is too short. Redirect hops are not counted (each would add its own).
 */
import type { Monitor } from '../config/schema';

export function worstCaseMs(m: Monitor): number {
  // Servers are asked in parallel; each may use every attempt.
  if (m.type === 'dns') return m.attempts * m.timeoutMs;
  if (m.type === 'speedtest') {
    // chinaz reads its node page first (bounded by nodeTimeoutMs); scf-regions knows its nodes.
    // Then rounds of `concurrency` nodes, each bounded by nodeTimeoutMs, retries included.
    const nodes = m.select.maxNodes ?? (m.provider === 'scf-regions' ? m.regions.length : 100);
    return (m.provider === 'chinaz' ? m.nodeTimeoutMs : 0) + Math.ceil(nodes / m.concurrency) * m.nodeTimeoutMs;
  }
  // ckafka: the group list (all-groups mode), then per group its info and two rounds of offset
  // pages (the first page, then the rest four at a time), each call retried up to 4 times.
  // Groups run four at a time, so a handful of groups costs about the same.
  if (m.type === 'ckafka') return (m.groups ? 3 : 4) * 4 * m.apiTimeoutMs;
  const perSample = m.attempts * m.connectTimeoutMs + (m.type === 'http' ? m.readTimeoutMs : 0);
  return (m.samples - 1) * Math.max(m.intervalMs, perSample) + perSample;
}

/** Monitors share `concurrency` slots: the run takes at least the longest one, and at least the total spread over the slots. */
export function runWorstCaseMs(monitors: readonly Monitor[], concurrency: number, marginMs: number): number {
  if (monitors.length === 0) return 0;
  const each = monitors.map(worstCaseMs);
  return Math.ceil(Math.max(Math.max(...each), each.reduce((a, b) => a + b, 0) / concurrency)) + marginMs;
}

/**
 * Peak RSS of one run, in MB, when every monitor fails at once and alerts: what `validate`
 * holds against the function's memorySize. Fitted to bench/memory.ts (the built statusCheck
 * bundle, http monitors from YAML, 1,000 to 5,000 of them): about 64 MB for node and the
 * bundle, 13 KB per monitor (its config, prober state, record and the heap's slack around
 * them), and with channels 28 MB plus 3.5 KB per notice for incidents, the outbox and the
 * messages. Extra samples add their sample records (about 1 KB each, not fitted).
 */
export function peakMemoryMb(monitors: readonly Monitor[], alerting: boolean): number {
  let kb = 0;
  for (const m of monitors) kb += 13 + ('samples' in m ? m.samples - 1 : 0) + (alerting ? 3.5 : 0);
  return Math.ceil(64 + (alerting ? 28 : 0) + kb / 1024);
}
