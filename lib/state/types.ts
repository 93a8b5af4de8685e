/**
 * The state store: one small interface with a file store as the embedded default
 * and Redis for production. Values are JSON. Every update is a compare-and-set on a version,
 * so two invocations racing on one key never both win: the loser re-reads and re-applies.
 */
import { randomBytes } from 'node:crypto';

export interface Versioned<T> {
  value: T;
  /** Opaque; pass it back to compareAndSet. */
  version: string;
}

/** Items added to a list in the same commit as a compare-and-set (dead letters with the outbox). */
export interface Append {
  key: string;
  items: unknown[];
  /** Keep only the newest `max` items. */
  max: number;
}

/**
 * A key whose content cannot be what we wrote: not JSON, cut short, the wrong shape, a Redis
 * key of the wrong type. Distinct from a store that cannot be reached or written, because the
 * remedy differs: this record is moved aside (quarantine) and the caller starts fresh.
 */
export class UnreadableStateError extends Error {
  constructor(
    readonly key: string,
    /** Where the record lives (file path, Redis key), for the operator. */
    readonly where: string,
    readonly why: string,
  ) {
    super(`state key ${key}: ${where} is unreadable (${why})`);
    this.name = 'UnreadableStateError';
  }
}

/** One item of a time series (history): kept in time order, dropped once older than retention. */
export interface SeriesPoint {
  key: string;
  /** Epoch ms. */
  at: number;
  item: unknown;
}

export interface StateStore {
  /** The value and its version, or undefined when the key was never set. */
  get<T>(key: string): Promise<Versioned<T> | undefined>;
  /**
   * Write `value` only if the key is still at `expected` (undefined: only if it does not exist).
   * Resolves true when written, false when someone else wrote first.
   */
  compareAndSet<T>(key: string, expected: string | undefined, value: T, appends?: readonly Append[], version?: string): Promise<boolean>;
  /**
   * The key's version without its value (undefined when the key was never set): with a
   * `version` given to compareAndSet, a caller can tell that the value is still the one it
   * wrote, without reading it back.
   */
  version?(key: string): Promise<string | undefined>;
  /** Append to a list and keep only its newest `max` items. */
  append<T>(key: string, item: T, max: number): Promise<void>;
  /** A list's items, oldest first. */
  list<T>(key: string): Promise<T[]>;
  /**
   * Moves an unreadable key out of the way, keeping its content for inspection; resolves to
   * where it now is. Only the record that was judged moves: with `version`, only if the key is
   * still at it (a value that parsed but has the wrong shape); without, only if the key is still
   * not a readable record of its `kind`. Otherwise (someone else moved or rewrote it) resolves
   * undefined.
   */
  quarantine(key: string, kind: 'value' | 'list', version?: string): Promise<string | undefined>;
  /**
   * Adds every point to its series and drops, from each series written, the points older than
   * `keepAfter` (epoch ms), all in one round trip: a run's history costs one request however
   * many monitors it ran.
   */
  addPoints(points: readonly SeriesPoint[], keepAfter: number): Promise<void>;
  /** A series' points with from <= at <= to, oldest first. */
  points<T>(key: string, from: number, to: number): Promise<{ at: number; item: T }[]>;
  /** Drops the points older than `before` from each series; resolves to how many went. */
  trimPoints(keys: readonly string[], before: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * What a caller last read or wrote under a key, kept across its updates (see update()). The
 * value is shared, not copied: changes must build new values, never modify the current one.
 */
export interface Remembered<T> {
  last?: Versioned<T>;
}

/** A version no other writer can have chosen. */
export const newVersion = () => randomBytes(12).toString('base64url');

/**
 * get, change, compare-and-set (skipped when nothing changed); on a lost race, read again and re-apply (at most `tries`
 * times), after a short random pause so that racers stop colliding in lockstep.
 *
 * With `memo`, the value this caller committed last is used as it is while the store's
 * version is still the one it wrote (a store with version()): a run that commits the same
 * key several times reads and parses it once, not once per commit. The compare-and-set is
 * unchanged, so a writer in between is still noticed.
 */
export async function update<T, R>(
  store: StateStore,
  key: string,
  change: (current: T | undefined) => { value: T; result: R; appends?: Append[] },
  tries = 50,
  memo?: Remembered<T>,
): Promise<R> {
  for (let i = 0; i < tries; i++) {
    const known = memo?.last;
    if (memo) memo.last = undefined;
    const current = known && store.version && (await store.version(key)) === known.version ? known : await store.get<T>(key);
    const { value, result, appends } = change(current?.value);
    const adding = appends?.some((a) => a.items.length > 0) ?? false;
    // A healthy run changes nothing: skipping the write keeps it off the disk and the network.
    if (current && !adding && sameJson(value, current.value)) {
      if (memo) memo.last = current;
      return result;
    }
    const version = memo && store.version ? newVersion() : undefined;
    const won = await store.compareAndSet(key, current?.version, value, adding ? appends : undefined, version);
    if (won) {
      if (memo && version) memo.last = { version, value };
      return result;
    }
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** i)));
  }
  throw new Error(`state key ${key}: lost ${tries} races in a row`);
}

/**
 * Whether two values are the same JSON (key order aside), walked in place: serialising a
 * function's state twice to compare it cost several times the state's size in garbage at a
 * few thousand monitors. Never true where the JSON differs; false where it cannot tell
 * cheaply (NaN, a toJSON, undefined against null in a list), which only costs a write.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (!plain(a) || !plain(b)) return JSON.stringify(a) === JSON.stringify(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (!Object.prototype.hasOwnProperty.call(x, k) || !written(x[k])) continue;
    if (!Object.prototype.hasOwnProperty.call(y, k) || !sameJson(x[k], y[k])) return false;
    n++;
  }
  for (const k in y) if (Object.prototype.hasOwnProperty.call(y, k) && written(y[k])) n--;
  return n === 0;
}

/** A list or an object literal without toJSON: what JSON.parse makes, written as its properties. */
function plain(v: object): boolean {
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/** JSON.stringify leaves these properties out. */
const written = (v: unknown) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
