/**
 * The whole run behind every `main_handler`: event -> config -> monitors -> records ->
 * incidents -> alerts -> summary. Each record is logged as it completes, so a run killed at its
 * time limit still leaves every finished result in the log.
 */
import { loadConfig, type LoadOptions } from '../config/load';
import type { Monitor, MonitorType } from '../config/schema';
import type { ChannelLoader } from '../alerting/deliver';
import { defaultLoader, processAlerts, type AlertingSummary } from '../alerting/process';
import { runnerFor, type FunctionDef } from '../monitors/runner';
import { blameNetwork, checkCanary, type CanaryResult } from '../monitors/canary';
import { flushLog, logJson } from '../report/log';
import type { ResultRecord, Summary } from '../report/record';
import { judge } from '../monitors/verdict';
import { scrubbingLoader, scrubDeep, scrubText } from '../report/secrets';
import { openStore } from '../state/open';
import type { StateStore } from '../state/types';
import { alertReserveMs, startDeadline } from './deadline';
import { heartbeatUrlFor, pingHeartbeat } from './heartbeat';
import { runPool } from './pool';
import type { ScfContext, ScfEvent } from './scf';
import { parseMessage, selectMonitors } from './selection';

const DEFAULT_TIME_LIMIT_MS = 60_000;
const HEARTBEAT_TIMEOUT_MS = 5000;

function notRun(def: FunctionDef, m: Monitor): ResultRecord {
  const planned = 'samples' in m ? m.samples : 1;
  return {
    timestamp: new Date().toISOString(),
    function: def.name,
    monitor: m.name,
    type: m.type,
    target: runnerFor(def, m).target(m),
    ...judge([], { minSuccessRate: 0, maxMeanMs: Infinity }, planned, 'between'),
    durationMs: 0,
    samples: [],
  };
}

/** Seams for tests: a store or channels other than the configured ones. */
export interface RunOptions extends LoadOptions {
  store?: StateStore;
  loadChannel?: ChannelLoader;
}

export async function runDefinedFunction(
  def: FunctionDef,
  event: ScfEvent | undefined,
  context: Partial<ScfContext> | undefined,
  opts: RunOptions = {},
): Promise<Summary> {
  const startedAt = Date.now();
  const fn = def.name;
  const { config, secrets } = loadConfig(opts);
  const monitors = selectMonitors(config.monitors, Object.keys(def.runners) as MonitorType[], parseMessage(event));
  const limit = context?.time_limit_in_ms && context.time_limit_in_ms > 0 ? context.time_limit_in_ms : DEFAULT_TIME_LIMIT_MS;
  const alerting = Object.keys(config.channels).length > 0;
  const deadline = startDeadline(startedAt, limit, config.deadlineMarginMs, alerting ? alertReserveMs(limit) : 0);
  // Opened once for the run, by the first monitor or by alerting that needs it.
  let opened: StateStore | undefined;
  const store = (): StateStore => opts.store ?? (opened ??= openStore(config.state));
  try {
    // Checked alongside the monitors rather than before them, so it costs the run no time; a
    // record waits for it only if it finishes first, so no log line blames a target wrongly.
    const canary = config.canary ? checkCanary(config.canary, deadline.signal).then((c) => scrubDeep(c, secrets)) : undefined;
    // The one door from a target into the run: every record is blanked here, before it is
    // logged, judged, stored or quoted in an alert.
    const finish = async (r: ResultRecord) => {
      const record = scrubDeep(canary ? blameNetwork(r, await canary) : r, secrets);
      logJson(record);
      return record;
    };
    const ctx = { functionName: fn, signal: deadline.signal, deadlineAt: deadline.at, store };
    const perMonitor = await runPool(
      monitors,
      config.concurrency,
      deadline.signal,
      async (m) => {
        const out = await runnerFor(def, m).run(m, ctx);
        return Array.isArray(out) ? Promise.all(out.map(finish)) : [await finish(out)];
      },
      async (m) => [await finish(notRun(def, m))],
    );
    const results = perMonitor.flat();
    const canaryResult: CanaryResult | undefined = await canary;
    if (canaryResult && !canaryResult.ok) logJson({ event: 'canary', function: fn, ...canaryResult });

    let alerts: AlertingSummary = { alerts: [], deliveries: [], deadLetters: [] };
    let alertingError: string | undefined;
    if (alerting) {
      try {
        alerts = await processAlerts({
          fn,
          config,
          results,
          signal: deadline.finalSignal,
          deadlineAt: deadline.finalAt,
          store: store(),
          loadChannel: scrubbingLoader(opts.loadChannel ?? defaultLoader, secrets),
        });
      } catch (err) {
        // The results above are already logged; say plainly that alerting could not run.
        alertingError = scrubText(String((err as Error)?.message), secrets);
        logJson({ event: 'alerting-error', function: fn, message: alertingError });
      }
    }

    const heartbeatUrl = heartbeatUrlFor(config, fn);
    const heartbeat = heartbeatUrl
      ? scrubDeep(await pingHeartbeat(heartbeatUrl, Math.min(HEARTBEAT_TIMEOUT_MS, Math.max(1, deadline.finalAt - Date.now())), deadline.finalSignal), secrets)
      : undefined;
    if (heartbeat && !heartbeat.ok) logJson({ event: 'heartbeat', function: fn, ...heartbeat });

    return {
      function: fn,
      startedAt: new Date(startedAt).toISOString(),
      durationMs: Date.now() - startedAt,
      ok: results.every((r) => r.ok),
      results,
      ...alerts,
      ...(alertingError ? { alertingError } : {}),
      ...(canaryResult ? { canary: canaryResult } : {}),
      ...(heartbeat ? { heartbeat } : {}),
    };
  } finally {
    deadline.dispose();
    if (opened) await opened.close().catch(() => {});
    flushLog();
  }
}

/** What `functions/<name>.ts` exports as `main_handler`. */
export function createHandler(def: FunctionDef) {
  return (event: ScfEvent, context: ScfContext): Promise<Summary> => runDefinedFunction(def, event, context);
}
