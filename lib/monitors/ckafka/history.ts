/**
 * A group's last observations in the state store: one list per monitor, instance and group,
 * trimmed by the store's own append to what the window needs (window.ts). The instance is part of the key so that
 * pointing a monitor at another instance starts a fresh history instead of reading the old
 * instance's offsets as a rewind.
 */
import type { StateStore } from '../../state/types';
import type { Observation } from './types';

export function historyKey(monitor: string, instanceId: string, group: string): string {
  return `kafka:${monitor}:${instanceId}:${group}`;
}

/** Observations only, oldest first; anything malformed (an older format, a hand edit) is dropped. */
export async function readHistory(store: StateStore, key: string): Promise<Observation[]> {
  const items = await store.list<unknown>(key);
  return items.filter(isObservation);
}

/** Called only after a complete fetch: a failed or cut-short read never enters the history. */
export function recordObservation(store: StateStore, key: string, o: Observation, keep: number): Promise<void> {
  return store.append(key, o, keep);
}

function isObservation(v: unknown): v is Observation {
  const o = v as Partial<Observation> | null;
  return typeof o === 'object' && o !== null && typeof o.at === 'number' && typeof o.totalLag === 'number' && typeof o.topics === 'object' && o.topics !== null;
}
