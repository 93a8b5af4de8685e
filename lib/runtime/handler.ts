/**
 * The whole run behind every `main_handler`: event -> config -> monitors -> records ->
 * incidents -> alerts -> summary. Each record is logged as it completes, so a run killed at its
 * time limit still leaves every finished result in the log.
 */
import { dirname } from 'node:path';
import { loadConfig, type LoadOptions } from '../config/load';
import type { MonitorConfig } from '../config/schema';
import type { ChannelLoader } from '../alerting/deliver';
import { AlertingError, incidentKey, processAlerts, type AlertingSummary } from '../alerting/process';
import { stateKey, type FunctionState } from '../alerting/outbox';
import type { Config } from '../config/schema';
import { renderMetrics } from '../history/metrics';
import { pointOf } from '../history/point';
import { pushMetrics, type PushOutcome } from '../history/push';
import { writeHistory, type NoticePoint } from '../history/store';
import { applyOverrides, THRESHOLDS_KEY, type Overrides } from '../history/thresholds';
import { scrubbingLoader } from '../alerting/scrubbing-loader';
import { loadChannel } from '../channels/load';
import { moduleFor, type FunctionDef } from '../monitors/module';
import { blameNetwork, checkCanary, type CanaryResult } from './canary';
import { functionSchema } from './config';
import { flushLog, logJson, logLine } from '../report/log';
import type { ResultRecord } from '../report/record';
import type { Summary } from './summary';
import { judge } from '../monitors/verdict';
import { mayHoldSecret, scrubDeep, scrubText } from '../report/secrets';
import { openStore } from '../state/open';
import type { StateStore } from '../state/types';
import { alertReserveMs, startDeadline } from '../util/deadline';
import { heartbeatUrlFor, pingHeartbeat } from './heartbeat';
import { runPool } from '../util/pool';
import { keepYoungGenerationSmall, sizeYoungGeneration } from '../util/heap';
import { peakMemoryMb } from './budget';
import type { ScfContext, ScfEvent } from './scf';
import { parseMessage, selectMonitors } from './selection';

const DEFAULT_TIME_LIMIT_MS = 60_000;
/** serverless.yml's memorySize, when the context does not say. */
const DEFAULT_MEMORY_MB = 128;
const HEARTBEAT_TIMEOUT_MS = 5000;

function notRun(def: FunctionDef, m: MonitorConfig): ResultRecord {
  const planned = 'samples' in m && typeof m.samples === 'number' ? m.samples : 1;
  return {
    timestamp: new Date().toISOString(),
    function: def.name,
    monitor: m.name,
    type: m.type,
    target: moduleFor(def, m).target(m),
    ...judge([], { minSuccessRate: 0, maxMeanMs: Infinity }, planned, 'between'),
    durationMs: 0,
    samples: [],
  };
}

/** The run finished, but its alerts could not be recorded or sent; `summary` has everything else. */
export class AlertingFailedError extends Error {
  constructor(readonly summary: Summary) {
    super(`${summary.function}: alerting failed: ${summary.alertingError}`);
    this.name = 'AlertingFailedError';
  }
}

/** Seams for tests: a store or channels other than the configured ones. */
export interface RunOptions extends LoadOptions {
  store?: StateStore;
  loadChannel?: ChannelLoader;
  /** Every monitor type of the deployment (the catalog's list); a bundle has it built in. */
  allMonitorTypes?: readonly string[];
  /** The monitors' clock (RunContext.now). */
  now?: () => number;
  /** Let V8's young generation grow when the config leaves room (see util/heap.ts): the deployed handler's choice, for its process. */
  sizeHeap?: boolean;
}

export async function runDefinedFunction(
  def: FunctionDef,
  event: ScfEvent | undefined,
  context: Partial<ScfContext> | undefined,
  opts: RunOptions = {},
): Promise<Summary> {
  const startedAt = Date.now();
  const fn = def.name;
  const { config, secrets, path: configPath } = loadConfig(functionSchema(def, opts.allMonitorTypes), opts);
  const selected = selectMonitors(config.monitors, def.monitors.map((m) => m.type), parseMessage(event));
  const limit = context?.time_limit_in_ms && context.time_limit_in_ms > 0 ? context.time_limit_in_ms : DEFAULT_TIME_LIMIT_MS;
  const alerting = Object.keys(config.channels).length > 0;
  if (opts.sizeHeap) sizeYoungGeneration(() => peakMemoryMb(config.monitors, alerting), context?.memory_limit_in_mb ?? DEFAULT_MEMORY_MB);
  const deadline = startDeadline(startedAt, limit, config.deadlineMarginMs, alerting ? alertReserveMs(limit) : 0);
  // Opened once for the run, by the first monitor or by alerting that needs it.
  let opened: StateStore | undefined;
  const store = (): StateStore => opts.store ?? (opened ??= openStore(config.state, { deadlineAt: deadline.finalAt }));
  try {
    // Checked alongside the monitors rather than before them, so it costs the run no time; a
    // record waits for it only if it finishes first, so no log line blames a target wrongly.
    const canary = config.canary ? checkCanary(config.canary, deadline.signal).then((c) => scrubDeep(c, secrets)) : undefined;
    // The one door from a target into the run: every record is blanked here, before it is
    // logged, judged, stored or quoted in an alert.
    const finish = async (r: ResultRecord) => {
      const judged = canary ? blameNetwork(r, await canary) : r;
      // Serialized once, for the check and the log line alike; nearly every record has
      // nothing to blank and is logged as it is.
      const json = JSON.stringify(judged);
      if (!mayHoldSecret(json, secrets)) {
        logLine(json);
        return judged;
      }
      const record = scrubDeep(judged, secrets);
      logJson(record);
      return record;
    };
    const monitors = await withOverrides(def, config, selected, store, startedAt, limit);
    const ctx = {
      functionName: fn,
      signal: deadline.signal,
      deadlineAt: deadline.at,
      store,
      configDir: dirname(configPath),
      ...(event ? { event } : {}),
      ...(opts.now ? { now: opts.now } : {}),
      ...(config.state.type === 'file' ? { filesDir: config.state.path } : {}),
    };
    const perMonitor = await runPool(
      monitors,
      config.concurrency,
      deadline.signal,
      async (m) => {
        const out = await moduleFor(def, m).run(m, ctx);
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
          loadChannel: scrubbingLoader(opts.loadChannel ?? loadChannel, secrets),
        });
      } catch (err) {
        // The results above are already logged; say plainly that alerting could not run.
        alertingError = scrubText(String((err as Error)?.message), secrets);
        if (err instanceof AlertingError) alerts = err.partial;
        logJson({ event: 'alerting-error', function: fn, message: alertingError });
      }
    }

    const noticedAt = Date.now();
    const [historyError, push] = await Promise.all([
      config.history.enabled ? recordHistory(store(), results, alerts, noticedAt, config.history.retention) : undefined,
      config.metrics.pushgateway ? pushRun(config, fn, results, alerting ? store : undefined, deadline.finalAt, deadline.finalSignal) : undefined,
    ]);
    if (historyError) logJson({ event: 'history-error', function: fn, message: scrubText(historyError, secrets) });
    if (push && !push.ok) logJson({ event: 'metrics-push', function: fn, ...scrubDeep(push, secrets) });

    const heartbeatUrl = heartbeatUrlFor(config, fn);
    const heartbeat = heartbeatUrl
      ? scrubDeep(await pingHeartbeat(heartbeatUrl, Math.min(HEARTBEAT_TIMEOUT_MS, Math.max(1, deadline.finalAt - Date.now())), deadline.finalSignal), secrets)
      : undefined;
    if (heartbeat && !heartbeat.ok) logJson({ event: 'heartbeat', function: fn, ...heartbeat });

    const summary: Summary = {
      function: fn,
      startedAt: new Date(startedAt).toISOString(),
      durationMs: Date.now() - startedAt,
      ok: results.every((r) => r.ok),
      results,
      ...alerts,
      ...(alertingError ? { alertingError } : {}),
      ...(canaryResult ? { canary: canaryResult } : {}),
      ...(heartbeat ? { heartbeat } : {}),
      ...(historyError ? { historyError: scrubText(historyError, secrets) } : {}),
      ...(push ? { metricsPush: scrubDeep(push, secrets) } : {}),
    };
    if (!alertingError) return summary;
    // Alerts that cannot be recorded must not pass for a quiet success: the invocation fails,
    // so SCF's function-error alarm fires, after the summary is in the log.
    logJson({ event: 'summary', ...summary });
    throw new AlertingFailedError(summary);
  } finally {
    deadline.dispose();
    if (opened) await opened.close().catch(() => {});
    flushLog();
  }
}

/** Waits for the thresholds key at most this share of the time limit: a slow store must not eat the monitors' time. */
const OVERRIDES_SHARE = 0.1;

/**
 * Thresholds set through the api (PUT /api/thresholds) merged over each monitor's `expect`.
 * Read only when an admin token is configured, since nobody can set one otherwise; a store
 * that cannot answer in time leaves the config's values, said in the log, never a failed run.
 */
async function withOverrides<M extends MonitorConfig>(def: FunctionDef, config: Config, monitors: M[], store: () => StateStore, startedAt: number, limit: number): Promise<M[]> {
  if (!config.api.adminToken || monitors.length === 0) return monitors;
  const fn = def.name;
  let timer: NodeJS.Timeout | undefined;
  try {
    const wait = Math.max(1, startedAt + limit * OVERRIDES_SHARE - Date.now());
    const read = store().get<Overrides>(THRESHOLDS_KEY);
    read.catch(() => {});
    const got = await Promise.race([read, new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), wait)))]);
    if (got === 'late') {
      logJson({ event: 'thresholds-error', function: fn, message: `the state store did not answer within ${wait} ms: the config's thresholds apply` });
      return monitors;
    }
    const { monitors: merged, applied, refused } = applyOverrides(monitors, got?.value, (type) => def.monitors.find((m) => m.type === type)?.schema);
    if (applied.length) logJson({ event: 'thresholds', function: fn, applied });
    for (const r of refused) logJson({ event: 'thresholds-error', function: fn, ...r });
    return merged;
  } catch (err) {
    logJson({ event: 'thresholds-error', function: fn, message: `${(err as Error).message}: the config's thresholds apply` });
    return monitors;
  } finally {
    clearTimeout(timer);
  }
}

/** The run's points and notices, one store request; resolves to what went wrong, if anything. */
async function recordHistory(store: StateStore, results: readonly ResultRecord[], alerts: AlertingSummary, at: number, retentionMs: number): Promise<string | undefined> {
  const notices: NoticePoint[] = alerts.alerts.map((a) => {
    const r = results.find((x) => incidentKey(x) === a.monitor);
    const reasons = r ? (r.reasons.length ? r.reasons : (r.targetReasons ?? [])) : [];
    return {
      at,
      m: a.monitor,
      kind: a.kind,
      id: a.incidentId,
      ...(reasons.length ? { r: [...new Set(reasons.map((x) => x.code))], msg: reasons[0]!.message.slice(0, 200) } : {}),
    };
  });
  try {
    await writeHistory(store, results, notices, at, retentionMs);
    return undefined;
  } catch (err) {
    return String((err as Error)?.message);
  }
}

/** This run's figures to the Pushgateway, inside the deadline; the outcome is logged, never thrown. */
async function pushRun(
  config: Config,
  fn: string,
  results: readonly ResultRecord[],
  store: (() => StateStore) | undefined,
  deadlineAt: number,
  signal: AbortSignal,
): Promise<PushOutcome> {
  const left = () => Math.max(1, Math.min(config.metrics.timeoutMs, deadlineAt - Date.now()));
  let open: Set<string> | undefined;
  if (store) {
    try {
      const got = await Promise.race([store().get<FunctionState>(stateKey(fn)), new Promise<undefined>((r) => setTimeout(() => r(undefined), left()).unref())]);
      const monitors = got?.value?.monitors;
      if (monitors && typeof monitors === 'object') open = new Set(Object.entries(monitors).filter(([, m]) => m?.incident).map(([k]) => k));
    } catch {
      // Pushed without the incident gauge rather than not at all.
    }
  }
  const rows = results.map((r) => ({ monitor: r.monitor, type: r.type, point: pointOf(r), ...(open ? { incidentOpen: open.has(incidentKey(r)) } : {}) }));
  return pushMetrics(config.metrics.pushgateway!, config.metrics.job, fn, renderMetrics(rows), { timeoutMs: left(), signal });
}

/** What `functions/<name>.ts` exports as `main_handler`. */
export function createHandler(def: FunctionDef) {
  keepYoungGenerationSmall();
  return (event: ScfEvent, context: ScfContext): Promise<Summary> => runDefinedFunction(def, event, context, { sizeHeap: true });
}
