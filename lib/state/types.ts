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

export interface StateStore {
  /** The value and its version, or undefined when the key was never set. */
  get<T>(key: string): Promise<Versioned<T> | undefined>;
  /**
   * Write `value` only if the key is still at `expected` (undefined: only if it does not exist).
   * Resolves true when written, false when someone else wrote first.
   */
  compareAndSet<T>(key: string, expected: string | undefined, value: T): Promise<boolean>;
  /** Append to a list and keep only its newest `max` items. */
  append<T>(key: string, item: T, max: number): Promise<void>;
  /** A list's items, oldest first. */
  list<T>(key: string): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * get, change, compare-and-set (skipped when nothing changed); on a lost race, read again and re-apply (at most `tries`
 * times), after a short random pause so that racers stop colliding in lockstep.
 */
export async function update<T, R>(
  store: StateStore,
  key: string,
  change: (current: T | undefined) => { value: T; result: R },
  tries = 50,
): Promise<R> {
  for (let i = 0; i < tries; i++) {
    const current = await store.get<T>(key);
    const { value, result } = change(current?.value);
    // A healthy run changes nothing: skipping the write keeps it off the disk and the network.
    if (current && JSON.stringify(value) === JSON.stringify(current.value)) return result;
    if (await store.compareAndSet(key, current?.version, value)) return result;
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** i)));
  }
  throw new Error(`state key ${key}: lost ${tries} races in a row`);
}
