/**
 * What a monitor type is: one folder under lib/monitors/ whose index.ts exports one of these.
 * A function lists the types it runs (lib/functions/<name>.ts); the config it validates, the
 * function-to-types table and the timeout budget all follow from those lists, and a bundle
 * carries only its own types' code (and SDKs): statusCheck never loads the CKafka SDK.
 */
import type * as v from 'valibot';
import type { Config, MonitorConfig, MonitorSchema } from '../config/schema';
import type { ResultRecord } from '../report/record';
import type { RunContext } from './context';

export interface MonitorModule<M extends MonitorConfig = MonitorConfig> {
  type: string;
  schema: MonitorSchema;
  /** One record, or one per subject (a ckafka monitor's consumer groups). */
  run(m: M, ctx: RunContext): Promise<ResultRecord | ResultRecord[]>;
  /** What the record's `target` says, with any credentials taken out. */
  target(m: M): string;
  /** The longest a run of it can take when everything times out, for `validate`'s timeout check. */
  worstCaseMs(m: M): number;
  /** How `worstCaseMs` adds up, in a few words, for `validate`'s message: each type's formula differs. */
  worstCaseHow: string;
  /** Whether it calls Tencent Cloud with the execution role's keys (no secretId of its own). */
  usesRoleCredentials?(m: M): boolean;
  /** What `validate` should say about a monitor beyond its schema, given its function's timer. */
  advise?(m: M, env: { timerPeriodMs?: number; config: Config }): Advice | undefined;
}

export interface Advice {
  text: string;
  /** A warning (printed to stderr) rather than a note. */
  warning: boolean;
}

/** Ties a module's functions to its schema's output type; the runtime sees the erased form. */
export function defineMonitor<S extends MonitorSchema>(mod: Omit<MonitorModule<v.InferOutput<S> & MonitorConfig>, 'type' | 'schema'> & { schema: S }): MonitorModule {
  return { ...mod, type: mod.schema.entries.type.literal } as unknown as MonitorModule;
}

export interface FunctionDef {
  name: string;
  monitors: readonly MonitorModule[];
}

export function moduleFor(def: FunctionDef, m: MonitorConfig): MonitorModule {
  const mod = def.monitors.find((x) => x.type === m.type);
  // selectMonitors only hands a function its own types.
  if (!mod) throw new Error(`${def.name} does not run ${m.type} monitors`);
  return mod;
}

/** The part of a module its runner file provides. */
export type Runner<M extends MonitorConfig> = Pick<MonitorModule<M>, 'run' | 'target'>;
