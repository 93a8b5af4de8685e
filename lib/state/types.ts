/**
 * The state store: one small interface with a file store as the embedded default
 * and Redis for production. Values are JSON. Every update is a compare-and-set on a version,
 * so two invocations racing on one key never both win: the loser re-reads and re-applies.
 */
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
  compareAndSet<T>(key: string, expected: string | undefined, value: T, appends?: readonly Append[]): Promise<boolean>;
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
 * get, change, compare-and-set (skipped when nothing changed); on a lost race, read again and re-apply (at most `tries`
 * times), after a short random pause so that racers stop colliding in lockstep.
 */
export async function update<T, R>(
  store: StateStore,
  key: string,
  change: (current: T | undefined) => { value: T; result: R; appends?: Append[] },
  tries = 50,
): Promise<R> {
  for (let i = 0; i < tries; i++) {
    const current = await store.get<T>(key);
    const { value, result, appends } = change(current?.value);
    const adding = appends?.some((a) => a.items.length > 0) ?? false;
    // A healthy run changes nothing: skipping the write keeps it off the disk and the network.
    if (current && !adding && JSON.stringify(value) === JSON.stringify(current.value)) return result;
    if (await store.compareAndSet(key, current?.version, value, adding ? appends : undefined)) return result;
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** i)));
  }
  throw new Error(`state key ${key}: lost ${tries} races in a row`);
}
