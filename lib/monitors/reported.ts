/**
 * What monitors judged on reports pushed to ingest (heartbeats, hosts) share: the state the
 * reports built, seeded with the time the check was first seen (so "no data at all" counts
 * from then), and a record of one judgment at the run's time.
 */
import type { Reason } from '../report/codes';
import type { ResultRecord } from '../report/record';
import { update } from '../state/types';
import type { RunContext } from './context';

/** The stored state, or `{ firstSeen: now }` written the first time (ingest may write first). */
export async function reportedState<S extends { firstSeen?: number }>(ctx: RunContext, key: string, now: number): Promise<S> {
  if (!ctx.store) throw new Error('monitors judged on reports need the state store');
  const store = ctx.store();
  const found = (await store.get<S>(key))?.value;
  if (found) return found;
  return update<S, S>(store, key, (cur) => {
    const value = cur ?? ({ firstSeen: now } as S);
    return { value, result: value };
  });
}

/** One judgment: ok without reasons; its detail goes under the type's own key. */
export function judgedRecord(
  ctx: RunContext,
  m: { name: string; type: string },
  target: string,
  now: number,
  started: number,
  reasons: Reason[],
): ResultRecord {
  const ok = reasons.length === 0;
  return {
    timestamp: new Date(now).toISOString(),
    function: ctx.functionName,
    monitor: m.name,
    type: m.type,
    target,
    ok,
    reasons,
    stats: { samples: 1, successes: ok ? 1 : 0, successRate: ok ? 1 : 0 },
    hostList: [],
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    samples: [],
  };
}
