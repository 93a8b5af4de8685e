/**
 * What monitors judged on reports pushed to ingest (heartbeats, hosts) share: the state the
 * reports built, seeded with the time the check was first seen (so "no data at all" counts
 * from then). Their records are one judgment each (judged.ts).
 */
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
