import type { StateStore } from '../state/types';

/** What every monitor run gets from the handler. */
export interface RunContext {
  functionName: string;
  /** Aborts at the function's deadline minus its margin. */
  signal: AbortSignal;
  /** When `signal` aborts (epoch ms), for work that must not start too late. */
  deadlineAt?: number;
  /**
   * The configured state store, opened on first call and shared by the run (ckafka keeps its
   * offset history there); the handler closes it.
   */
  store?: () => StateStore;
  /** The clock monitors judge elapsed time by (heartbeats, hosts) and stamp observations with (ckafka); tests inject one. */
  now?: () => number;
  /** The invocation's event, for a type that invokes its own function (sweep's shards say which shard they are). */
  event?: Readonly<Record<string, unknown>>;
  /** The directory of the config file, which files the config names are relative to. */
  configDir?: string;
  /** The file store's folder when state is `type: file`: where files kept beside the records go (page screenshots). */
  filesDir?: string;
}
