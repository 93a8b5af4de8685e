/**
 * Every function by name, for the CLI, the demo and tests. Never imported by a function
 * bundle: it would pull every monitor type's code (and SDK) into each of them.
 */
import { kafkaLag } from '../kafka/function';
import type { FunctionName } from '../monitors';
import type { FunctionDef } from '../monitors/runner';
import { statusCheck } from '../monitors/status-check';
import { speedTest } from '../speedtest/function';
import type { Summary } from '../report/record';
import { runDefinedFunction, type RunOptions } from './handler';
import type { ScfContext, ScfEvent } from './scf';

export const FUNCTIONS: Record<FunctionName, FunctionDef> = { statusCheck, speedTest, kafkaLag };

export function runFunction(
  fn: FunctionName,
  event: ScfEvent | undefined,
  context: Partial<ScfContext> | undefined,
  opts: RunOptions = {},
): Promise<Summary> {
  return runDefinedFunction(FUNCTIONS[fn], event, context, opts);
}
