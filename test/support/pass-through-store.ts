/**
 * A state store that hands every call to another: what a test or a bench that watches or
 * breaks some calls extends, overriding only those. `version` is left out on purpose: a store
 * without it is one whose callers read values back, and a subclass adds it to say otherwise.
 */
import type { Append, SeriesPoint, StateStore, Versioned } from '../../lib/state/types';

export class PassThroughStore implements StateStore {
  constructor(protected readonly inner: StateStore) {}

  get<T>(key: string): Promise<Versioned<T> | undefined> {
    return this.inner.get<T>(key);
  }
  compareAndSet<T>(key: string, expected: string | undefined, value: T, appends?: readonly Append[], version?: string): Promise<boolean> {
    return this.inner.compareAndSet(key, expected, value, appends, version);
  }
  append<T>(key: string, item: T, max: number): Promise<void> {
    return this.inner.append(key, item, max);
  }
  list<T>(key: string): Promise<T[]> {
    return this.inner.list<T>(key);
  }
  quarantine(key: string, kind: 'value' | 'list', version?: string): Promise<string | undefined> {
    return this.inner.quarantine(key, kind, version);
  }
  addPoints(points: readonly SeriesPoint[], keepAfter: number): Promise<void> {
    return this.inner.addPoints(points, keepAfter);
  }
  points<T>(key: string, from: number, to: number): Promise<{ at: number; item: T }[]> {
    return this.inner.points<T>(key, from, to);
  }
  trimPoints(keys: readonly string[], before: number): Promise<number> {
    return this.inner.trimPoints(keys, before);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
