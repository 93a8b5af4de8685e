/**
 * The durable outbox (at-least-once): a grouped message per channel is written to the store in
 * the same compare-and-set as the incident transition that caused it, so a crash between the
 * two cannot lose an alert. Entries leave only when the channel confirmed them, failed
 * permanently, or grew older than `deadLetterHours`, and an entry given up leaves only in the
 * commit that writes its dead letter and queues its fallback message. A run claims entries for
 * the time it has left, so two runs at once never send the same entry.
 */
import type { Append } from '../state/types';
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
  /** The entry's id: the file store never appends one id twice (a redo after a crash). */
  id: string;
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

/** A change to a function's state, for update(): the new value, what to report, lists to append to in the same commit. */
export interface Change<R> {
  value: FunctionState;
  result: R;
  appends?: Append[];
}

/** Entries this run gives up: each leaves the outbox only in the commit that writes its dead letter. */
export interface GivenUp {
  letter: DeadLetter;
  /** The fallback message that tells about it, added (claimed by this run) in the same commit. */
  fallback?: OutboxEntry;
}

const letters = (fn: string, given: GivenUp[]): Append[] =>
  given.length ? [{ key: deadLetterKey(fn), items: given.map((g) => g.letter), max: DEAD_LETTERS_KEPT }] : [];

/**
 * Claims every entry nobody holds, oldest first. Those older than `maxAgeMs` are not sent:
 * `expire` makes their dead letters (and fallback messages), committed with their removal.
 */
export function claimChange(
  cur: FunctionState | undefined,
  fn: string,
  runId: string,
  until: number,
  now: number,
  maxAgeMs: number,
  expire: (e: OutboxEntry) => GivenUp,
): Change<{ claimed: OutboxEntry[]; expired: GivenUp[] }> {
  const state = cur ?? emptyState();
  const claimed: OutboxEntry[] = [];
  const expired: GivenUp[] = [];
  const outbox: OutboxEntry[] = [];
  for (const e of state.outbox) {
    const free = !e.claim || e.claim.until <= now || e.claim.by === runId;
    if (free && now - Date.parse(e.createdAt) > maxAgeMs) {
      expired.push(expire(e));
      continue;
    }
    if (free) {
      const held = { ...e, claim: { by: runId, until } };
      claimed.push(held);
      outbox.push(held);
    } else outbox.push(e);
  }
  for (const g of expired) {
    if (!g.fallback) continue;
    const held = { ...g.fallback, claim: { by: runId, until } };
    claimed.push(held);
    outbox.push(held);
  }
  claimed.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return { value: { ...state, outbox }, result: { claimed, expired }, appends: letters(fn, expired) };
}

export type Settlement =
  | { outcome: 'delivered' }
  | { outcome: 'permanent'; code: string; message: string }
  | { outcome: 'failed'; code: string; message: string; kind: FailureKind; attempts: number };

/**
 * Records what happened to claimed entries. A permanent failure's entries leave in this same
 * commit as their dead letters and fallback messages (`giveUp`), so a failed write keeps them.
 * Resolves to the entries given up (only those this run still held).
 */
export function settleChange(
  cur: FunctionState | undefined,
  fn: string,
  runId: string,
  outcomes: ReadonlyMap<string, Settlement>,
  giveUp: (e: OutboxEntry) => GivenUp,
): Change<GivenUp[]> {
  const state = cur ?? emptyState();
  const outbox: OutboxEntry[] = [];
  const given: GivenUp[] = [];
  for (const e of state.outbox) {
    const s = outcomes.get(e.id);
    // Someone else's claim (ours expired and theirs began) is theirs to settle.
    if (!s || (e.claim && e.claim.by !== runId)) {
      outbox.push(e);
      continue;
    }
    if (s.outcome === 'delivered') continue;
    if (s.outcome === 'permanent') {
      given.push(giveUp(e));
      continue;
    }
    const { claim: _released, ...rest } = e;
    outbox.push({ ...rest, attempts: e.attempts + s.attempts, lastError: { code: s.code, message: s.message, kind: s.kind } });
  }
  for (const g of given) if (g.fallback) outbox.push(g.fallback);
  return { value: { ...state, outbox }, result: given, appends: letters(fn, given) };
}

/** Lets go of this run's claims (a run that failed half way), so the next run need not wait for them to lapse. */
export function releaseChange(cur: FunctionState | undefined, runId: string): Change<void> {
  const state = cur ?? emptyState();
  const outbox = state.outbox.map((e) => {
    if (e.claim?.by !== runId) return e;
    const { claim: _released, ...rest } = e;
    return rest;
  });
  return { value: { ...state, outbox }, result: undefined };
}

/**
 * Whether a stored value is a FunctionState this code can work on. Anything else (a hand edit,
 * another program's key, a half-migrated format) would fail later in odd places; it is moved
 * aside instead, and the function starts fresh.
 */
export function checkState(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const s = v as Partial<Record<keyof FunctionState, unknown>>;
  if (typeof s.monitors !== 'object' || s.monitors === null || Array.isArray(s.monitors)) return '"monitors" is not an object';
  for (const [k, m] of Object.entries(s.monitors)) {
    const x = m as Partial<MonitorState> | null;
    if (typeof x !== 'object' || x === null || typeof x.failures !== 'number' || typeof x.successes !== 'number') return `monitor ${JSON.stringify(k)} is malformed`;
    const inc = x.incident;
    if (inc !== undefined && (typeof inc !== 'object' || inc === null || typeof inc.id !== 'string' || typeof inc.since !== 'string' || !Array.isArray(inc.reasons))) {
      return `the incident of ${JSON.stringify(k)} is malformed`;
    }
  }
  if (!Array.isArray(s.outbox)) return '"outbox" is not a list';
  for (const e of s.outbox as unknown[]) {
    const x = e as Partial<OutboxEntry> | null;
    if (
      typeof x !== 'object' ||
      x === null ||
      typeof x.id !== 'string' ||
      typeof x.channel !== 'string' ||
      typeof x.createdAt !== 'string' ||
      Number.isNaN(Date.parse(x.createdAt)) ||
      !Array.isArray(x.notices) ||
      typeof x.attempts !== 'number'
    ) {
      return 'an outbox entry is malformed';
    }
  }
  return undefined;
}
