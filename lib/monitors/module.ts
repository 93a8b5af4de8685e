/**
 * How a function runs its monitor types. Each deployed function names only its own runners,
 * so a bundle carries only the code (and SDKs) its monitors need: statusCheck never loads the
 * CKafka SDK, kafkaLag never loads the HTTP prober.
 */
import type { Monitor, MonitorType } from '../config/schema';
import type { ResultRecord } from '../report/record';
import type { RunContext } from './context';

export interface Runner<M extends Monitor> {
  /** One record, or one per subject (a ckafka monitor's consumer groups). */
  run(m: M, ctx: RunContext): Promise<ResultRecord | ResultRecord[]>;
  /** What the record's `target` says, with any credentials taken out. */
  target(m: M): string;
}

export type Runners = { [T in MonitorType]?: Runner<Extract<Monitor, { type: T }>> };

export interface FunctionDef {
  name: string;
  runners: Runners;
}

export function runnerFor(def: FunctionDef, m: Monitor): Runner<Monitor> {
  const r = def.runners[m.type] as Runner<Monitor> | undefined;
  // selectMonitors only hands a function its own types.
  if (!r) throw new Error(`${def.name} does not run ${m.type} monitors`);
  return r;
}
