/**
 * The durable outbox (at-least-once): a grouped message per channel is written to the store in
 * the same compare-and-set as the incident transition that caused it, so a crash between the
 * two cannot lose an alert. Entries leave only when the channel confirmed them, failed
 * permanently, or grew older than `deadLetterHours`; a run claims entries for the time it has
 * left, so two runs at once never send the same entry.
 */
import type { StateStore } from '../state/types';
import { update } from '../state/types';
import type { MonitorState } from './incident';
import type { FailureKind, Notice } from './types';

export interface OutboxEntry {
  id: string;
  channel: string;
  /** ISO time the entry was written. */
  createdAt: string;
  notices: Notice[];
  /** Shown above the notices (fallback messages say which channel failed). */
  note?: string;
  /** On a fallback message: the channel that could not deliver these notices. */
  fallbackFor?: string;
  /** Delivery attempts so far, over all runs. */
  attempts: number;
  lastError?: { code: string; message: string; kind: FailureKind };
  /** Held by a run until `until` (epoch ms). */
  claim?: { by: string; until: number };
}

/** Everything one function keeps, under one key, so a transition and its alerts commit together. */
export interface FunctionState {
  monitors: Record<string, MonitorState>;
  outbox: OutboxEntry[];
}

export interface DeadLetter {
  entry: OutboxEntry;
  /** Why it was given up: "permanent: ..." or "undelivered for 24 h". */
  reason: string;
  at: string;
}

export const stateKey = (fn: string) => `fn:${fn}`;
export const deadLetterKey = (fn: string) => `deadletter:${fn}`;
/** Dead letters kept for inspection (`redis-cli LRANGE`, or the file store's JSON). */
export const DEAD_LETTERS_KEPT = 500;

export const emptyState = (): FunctionState => ({ monitors: {}, outbox: [] });

/**
 * Claims every entry nobody holds, oldest first, and takes out those older than `maxAgeMs`
 * (they go to the dead-letter list instead of being sent).
 */
export function claimPending(
  store: StateStore,
  fn: string,
  runId: string,
  until: number,
  now: number,
  maxAgeMs: number,
): Promise<{ claimed: OutboxEntry[]; expired: OutboxEntry[] }> {
  return update<FunctionState, { claimed: OutboxEntry[]; expired: OutboxEntry[] }>(store, stateKey(fn), (cur) => {
    const state = cur ?? emptyState();
    const claimed: OutboxEntry[] = [];
    const expired: OutboxEntry[] = [];
    const outbox: OutboxEntry[] = [];
    for (const e of state.outbox) {
      const free = !e.claim || e.claim.until <= now || e.claim.by === runId;
      if (free && now - Date.parse(e.createdAt) > maxAgeMs) {
        expired.push(e);
        continue;
      }
      if (free) {
        const held = { ...e, claim: { by: runId, until } };
        claimed.push(held);
        outbox.push(held);
      } else outbox.push(e);
    }
    claimed.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return { value: { ...state, outbox }, result: { claimed, expired } };
  });
}

export type Settlement =
  | { outcome: 'delivered' }
  | { outcome: 'permanent'; code: string; message: string }
  | { outcome: 'failed'; code: string; message: string; kind: FailureKind; attempts: number };

/** Records what happened to claimed entries, and adds `added` (fallback messages) in the same write. */
export function settle(
  store: StateStore,
  fn: string,
  runId: string,
  outcomes: ReadonlyMap<string, Settlement>,
  added: OutboxEntry[] = [],
): Promise<void> {
  return update<FunctionState, void>(store, stateKey(fn), (cur) => {
    const state = cur ?? emptyState();
    const outbox: OutboxEntry[] = [];
    for (const e of state.outbox) {
      const s = outcomes.get(e.id);
      // Someone else's claim (ours expired and theirs began) is theirs to settle.
      if (!s || (e.claim && e.claim.by !== runId)) {
        outbox.push(e);
        continue;
      }
      if (s.outcome !== 'failed') continue;
      const { claim: _released, ...rest } = e;
      outbox.push({ ...rest, attempts: e.attempts + s.attempts, lastError: { code: s.code, message: s.message, kind: s.kind } });
    }
    return { value: { ...state, outbox: [...outbox, ...added] }, result: undefined };
  });
}
