/**
 * Every function by name, for the CLI, the demo and tests. Never imported by a function
 * bundle: it would pull every monitor type's code (and SDK) into each of them.
 */
import { kafkaLag } from './kafkaLag';
import type { FunctionName } from '../monitors/index';
import type { FunctionDef } from '../monitors/module';
import { statusCheck } from './statusCheck';
import { speedTest } from './speedTest';
import type { Summary } from '../report/record';
import { runDefinedFunction, type RunOptions } from '../runtime/handler';
import type { ScfContext, ScfEvent } from '../runtime/scf';

export const FUNCTIONS: Record<FunctionName, FunctionDef> = { statusCheck, speedTest, kafkaLag };

export function runFunction(
  fn: FunctionName,
  event: ScfEvent | undefined,
  context: Partial<ScfContext> | undefined,
  opts: RunOptions = {},
): Promise<Summary> {
  return runDefinedFunction(FUNCTIONS[fn], event, context, opts);
}
