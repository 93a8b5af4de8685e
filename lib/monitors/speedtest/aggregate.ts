/**
 * Per ISP, per province and overall: how many nodes spoke for the target, how many of them
 * failed, and the median, p90 and worst total time of those that answered.
 */
import { percentile, roundMs } from '../../report/stats';
import type { Aggregate, NodeResult, SpeedAggregates } from './types';

/** PROVIDER_ERROR and DEADLINE say nothing about the target. */
export function speaksForTarget(r: NodeResult): boolean {
  return !r.error || (r.error.code !== 'PROVIDER_ERROR' && r.error.code !== 'DEADLINE');
}

/** Answered 2xx/3xx, with a time to count. */
export function answered(r: NodeResult): boolean {
  return !r.error && r.totalMs !== undefined;
}

export function aggregateOf(results: readonly NodeResult[]): Aggregate {
  let nodes = 0;
  let failed = 0;
  let providerErrors = 0;
  const times: number[] = [];
  let worst: NodeResult | undefined;
  for (const r of results) {
    if (!speaksForTarget(r)) {
      if (r.error?.code === 'PROVIDER_ERROR') providerErrors++;
      continue;
    }
    nodes++;
    if (r.error) failed++;
    else if (r.totalMs !== undefined) {
      times.push(r.totalMs);
      if (!worst || r.totalMs > worst.totalMs!) worst = r;
    }
  }
  const a: Aggregate = { nodes, failed, providerErrors };
  if (times.length) {
    a.medianMs = roundMs(percentile(times, 50)!);
    a.p90Ms = roundMs(percentile(times, 90)!);
    a.worstMs = roundMs(worst!.totalMs!);
    a.worstNode = worst!.node;
  }
  return a;
}

function groupedBy(results: readonly NodeResult[], key: (r: NodeResult) => string | undefined): Record<string, Aggregate> {
  const groups = new Map<string, NodeResult[]>();
  for (const r of results) {
    const k = key(r);
    if (k === undefined) continue;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out: Record<string, Aggregate> = {};
  // defineProperty: a label such as "__proto__[电信]" from a page stays a plain key.
  for (const [k, g] of groups) Object.defineProperty(out, k, { value: aggregateOf(g), enumerable: true, writable: true, configurable: true });
  return out;
}

export function aggregate(results: readonly NodeResult[]): SpeedAggregates {
  return {
    overall: aggregateOf(results),
    byIsp: groupedBy(results, (r) => r.isp),
    byProvince: groupedBy(results, (r) => r.province),
  };
}
