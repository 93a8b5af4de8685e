/**
 * One state store per process for the HTTP functions: a warm instance (or `serve`) keeps its
 * Redis connection between requests instead of opening one per request.
 */
import type { Config } from '../config/schema';
import { openStore } from '../state/open';
import type { StateStore } from '../state/types';

const stores = new Map<string, StateStore>();

export function processStore(config: Config): StateStore {
  const key = JSON.stringify(config.state);
  let s = stores.get(key);
  if (!s) stores.set(key, (s = openStore(config.state)));
  return s;
}

/** Closes the stores this process opened (serve on exit, tests). */
export async function closeProcessStores(): Promise<void> {
  const all = [...stores.values()];
  stores.clear();
  await Promise.all(all.map((s) => s.close().catch(() => {})));
}
