/**
 * The whole run behind every `main_handler`: event -> config -> monitors -> records ->
 * summary. Each record is logged as it completes, so a run killed at its time limit still
 * leaves every finished result in the log.
 */
import { loadConfig, type LoadOptions } from '../config/load';
import type { Monitor } from '../config/schema';
import { FUNCTION_TYPES, runMonitor, targetOf, type FunctionName } from '../monitors';
import { logJson } from '../report/log';
import type { ResultRecord, Summary } from '../report/record';
import { judge } from '../monitors/verdict';
import { startDeadline } from './deadline';
import { runPool } from './pool';
import type { ScfContext, ScfEvent } from './scf';
import { parseMessage, selectMonitors } from './selection';

const DEFAULT_TIME_LIMIT_MS = 60_000;

function notRun(fn: string, m: Monitor): ResultRecord {
  const planned = 'samples' in m ? m.samples : 1;
  return {
    timestamp: new Date().toISOString(),
    function: fn,
    monitor: m.name,
    type: m.type,
    target: targetOf(m),
    ...judge([], { minSuccessRate: 0, maxMeanMs: Infinity }, planned, 'between'),
    durationMs: 0,
    samples: [],
  };
}

export async function runFunction(
  fn: FunctionName,
  event: ScfEvent | undefined,
  context: Partial<ScfContext> | undefined,
  load: LoadOptions = {},
): Promise<Summary> {
  const startedAt = Date.now();
  const { config } = loadConfig(load);
  const monitors = selectMonitors(config.monitors, FUNCTION_TYPES[fn], parseMessage(event));
  const limit = context?.time_limit_in_ms && context.time_limit_in_ms > 0 ? context.time_limit_in_ms : DEFAULT_TIME_LIMIT_MS;
  const deadline = startDeadline(startedAt, limit, config.deadlineMarginMs);
  try {
    const results = await runPool(
      monitors,
      config.concurrency,
      deadline.signal,
      async (m) => {
        const record = await runMonitor(m, { functionName: fn, signal: deadline.signal });
        logJson(record);
        return record;
      },
      (m) => {
        const record = notRun(fn, m);
        logJson(record);
        return record;
      },
    );
    return {
      function: fn,
      startedAt: new Date(startedAt).toISOString(),
      durationMs: Date.now() - startedAt,
      ok: results.every((r) => r.ok),
      results,
      alerts: [],
    };
  } finally {
    deadline.dispose();
  }
}

/** What `functions/<name>.ts` exports as `main_handler`. */
export function createHandler(fn: FunctionName) {
  return (event: ScfEvent, context: ScfContext): Promise<Summary> => runFunction(fn, event, context);
}
