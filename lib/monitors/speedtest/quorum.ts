/**
 * The verdict over all nodes (Uptime Kuma #84's quorum): one node's bad day never pages anyone.
 * Down when more nodes failed than allowed AND the failures span `minProvinces` provinces
 * (regions, for scf-regions); slow when most answering nodes exceed `maxTotalMs` across as many
 * provinces. Nodes that could not run the check (PROVIDER_ERROR) or were cut by the deadline
 * count neither way; when no node could run it, the record says the provider failed, never
 * that the target is down.
 */
import type { FailureCode, Reason } from '../../report/codes';
import type { Stats } from '../../report/record';
import { mean, percentile, roundMs, roundRatio, std } from '../../report/stats';
import { answered, speaksForTarget } from './aggregate';
import type { NodeResult } from './types';

export interface QuorumExpect {
  maxTotalMs?: number | undefined;
  maxFailedNodes?: number | undefined;
  maxFailedRatio?: number | undefined;
  minProvinces: number;
}

export interface QuorumVerdict {
  ok: boolean;
  reasons: Reason[];
  stats: Stats;
  hostList: string[];
}

/** When neither maxFailedNodes nor maxFailedRatio is set: down when more than half failed. */
export const DEFAULT_MAX_FAILED_RATIO = 0.5;
const SHOWN_PER_GROUP = 3;
const MAX_HOSTS = 20;

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function areasOf(results: readonly NodeResult[]): Set<string> {
  return new Set(results.map((r) => r.province));
}

/** "10 of 20 nodes: <first messages>" per failure code, largest group first. */
export function groupFailures(failed: readonly NodeResult[], total: number): Reason[] {
  const groups = new Map<FailureCode, string[]>();
  for (const r of failed) {
    if (!r.error) continue;
    const list = groups.get(r.error.code);
    if (list) list.push(r.error.message);
    else groups.set(r.error.code, [r.error.message]);
  }
  return [...groups.entries()]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([code, messages]) => {
      const distinct = [...new Set(messages)];
      const more = distinct.length > SHOWN_PER_GROUP ? `; and ${distinct.length - SHOWN_PER_GROUP} more` : '';
      return { code, message: `${messages.length} of ${count(total, 'node')}: ${distinct.slice(0, SHOWN_PER_GROUP).join('; ')}${more}` };
    });
}

function stats(target: readonly NodeResult[]): Stats {
  const successes = target.filter((r) => !r.error).length;
  const times = target.filter(answered).map((r) => r.totalMs!);
  const s: Stats = { samples: target.length, successes, successRate: target.length ? roundRatio(successes / target.length) : 0 };
  const m = mean(times);
  if (m !== undefined) {
    s.meanMs = roundMs(m);
    s.stdMs = roundMs(std(times)!);
    s.p95Ms = roundMs(percentile(times, 95)!);
  }
  return s;
}

function failedLimit(e: QuorumExpect, failed: number, total: number): string | undefined {
  const ratio = e.maxFailedRatio ?? (e.maxFailedNodes === undefined ? DEFAULT_MAX_FAILED_RATIO : undefined);
  const overCount = e.maxFailedNodes !== undefined && failed > e.maxFailedNodes;
  const overRatio = ratio !== undefined && total > 0 && failed / total > ratio;
  if (overCount) return `allowed: at most ${count(e.maxFailedNodes!, 'failed node')}`;
  if (overRatio) return `allowed: at most ${roundRatio(ratio * 100)}% of nodes`;
  return undefined;
}

/** `areas` names what `minProvinces` counts: provinces (chinaz) or regions (scf-regions). */
export function judgeNodes(results: readonly NodeResult[], e: QuorumExpect, areas: 'province' | 'region'): QuorumVerdict {
  const target = results.filter(speaksForTarget);
  const failed = target.filter((r) => r.error);
  const fast = target.filter(answered);
  const reasons: Reason[] = [];

  const cut = results.filter((r) => r.error?.code === 'DEADLINE').length;
  if (cut > 0) {
    const measured = results.length - cut;
    reasons.push({
      code: 'DEADLINE',
      message:
        measured === 0
          ? `stopped at the function deadline before any of the ${count(results.length, 'node')} reported (raise the timeout, or lower nodeTimeoutMs or select.maxNodes)`
          : `stopped at the function deadline with ${measured} of ${count(results.length, 'node')} measured (the rest are left out of the verdict)`,
    });
  }

  const providerFailed = results.filter((r) => r.error?.code === 'PROVIDER_ERROR');
  if (target.length === 0 && providerFailed.length > 0) {
    const reported = results.length - cut;
    const [group] = groupFailures(providerFailed, reported);
    const which = cut > 0 ? `${count(reported, 'node')} that reported` : count(reported, 'node');
    reasons.push({
      code: 'PROVIDER_ERROR',
      message: `none of the ${which} could run the check, so nothing is known about the target: ${group!.message}`,
    });
  }

  // A sample that covers fewer areas than minProvinces can still alert when it all fails.
  const areasHere = areasOf(target).size;
  const limit = failedLimit(e, failed.length, target.length);
  const failedAreas = areasOf(failed).size;
  if (limit && failedAreas >= Math.min(e.minProvinces, areasHere)) {
    reasons.push({
      code: 'LOW_SUCCESS_RATE',
      message: `${failed.length} of ${count(target.length, 'node')} failed in ${count(failedAreas, areas)} (${limit})`,
    });
    reasons.push(...groupFailures(failed, target.length));
  }

  if (e.maxTotalMs !== undefined && fast.length > 0) {
    const max = e.maxTotalMs;
    const slow = fast.filter((r) => r.totalMs! > max);
    const slowAreas = areasOf(slow).size;
    if (slow.length * 2 > fast.length && slowAreas >= Math.min(e.minProvinces, areasOf(fast).size)) {
      const median = roundMs(percentile(fast.map((r) => r.totalMs!), 50)!);
      reasons.push({
        code: 'SLOW_RESPONSE',
        message: `median total time ${median} ms over ${count(fast.length, 'answering node')} is above ${max} ms (${slow.length} slower than ${max} ms in ${count(slowAreas, areas)})`,
      });
    }
  }

  const hostList: string[] = [];
  for (const r of results) if (r.ip && !hostList.includes(r.ip) && hostList.length < MAX_HOSTS) hostList.push(r.ip);
  return { ok: reasons.length === 0, reasons, stats: stats(target), hostList };
}
