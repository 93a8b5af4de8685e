/**
 * Per-group gauges in Prometheus's text exposition format (version 0.0.4), and their push to a
 * Pushgateway: one PUT per group to /metrics/job/<job>/group/<group>, so a group that leaves
 * the list is replaced rather than merged, and one slow group cannot hold the others. A push
 * never fails the run: what happened is returned, for the record and the log.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { GroupVerdict } from './baseline';
import type { GroupStats } from './counters';

export interface GroupMetrics {
  stats: GroupStats;
  verdict?: GroupVerdict;
}

const METRICS: { name: string; help: string; value: (g: GroupMetrics) => number | undefined }[] = [
  { name: 'scf_monitor_sweep_loss_ratio', help: 'Share of connect attempts unanswered in the last run.', value: (g) => (g.stats.lossPercent === undefined ? undefined : g.stats.lossPercent / 100) },
  { name: 'scf_monitor_sweep_latency_median_seconds', help: 'Median connect time of answered attempts.', value: (g) => sec(g.stats.medianMs) },
  { name: 'scf_monitor_sweep_latency_p95_seconds', help: '95th percentile connect time of answered attempts.', value: (g) => sec(g.stats.p95Ms) },
  { name: 'scf_monitor_sweep_targets', help: 'Targets (address x port) in the group.', value: (g) => g.stats.targets },
  { name: 'scf_monitor_sweep_probed_targets', help: 'Targets probed in the last run.', value: (g) => g.stats.probed },
  { name: 'scf_monitor_sweep_unreachable_targets', help: 'Probed targets that answered no attempt.', value: (g) => g.stats.unreachable },
  {
    name: 'scf_monitor_sweep_baseline_loss_ratio',
    help: "Mean loss of the group's baseline window.",
    value: (g) => (g.verdict?.baselineLossPercent === undefined ? undefined : g.verdict.baselineLossPercent / 100),
  },
  { name: 'scf_monitor_sweep_baseline_latency_median_seconds', help: "Mean median connect time of the group's baseline window.", value: (g) => sec(g.verdict?.baselineMedianMs) },
  { name: 'scf_monitor_sweep_deviating_runs', help: 'Consecutive runs the group has deviated from its baseline.', value: (g) => g.verdict?.streak },
];

function sec(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/** A label value as the format escapes it: backslash, double quote and line feed. */
function labelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelName(s: string): string {
  const n = s.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[a-zA-Z_]/.test(n) ? n : `_${n}`;
}

function labels(monitor: string, g: GroupMetrics, withGroup: boolean): string {
  const pairs: [string, string][] = [['monitor', monitor], ...(withGroup ? [['group', g.stats.group] as [string, string]] : [])];
  // A column named like one of ours would clash; ours win.
  for (const [k, v] of Object.entries(g.stats.labels)) if (k !== 'monitor' && k !== 'group') pairs.push([labelName(k), v]);
  return `{${pairs.map(([k, v]) => `${k}="${labelValue(v)}"`).join(',')}}`;
}

function formatValue(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  return String(x);
}

/**
 * The exposition text for these groups. `withGroup` false leaves the group label out of the
 * samples, for a push whose grouping key already carries it (the Pushgateway refuses both).
 */
export function renderMetrics(monitor: string, groups: readonly GroupMetrics[], withGroup = true): string {
  const out: string[] = [];
  for (const metric of METRICS) {
    const rows = groups.flatMap((g) => {
      const v = metric.value(g);
      return v === undefined ? [] : [`${metric.name}${labels(monitor, g, withGroup)} ${formatValue(v)}`];
    });
    if (!rows.length) continue;
    out.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} gauge`, ...rows);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** The grouping-key path: plain where the value is URL-safe, else Pushgateway's `@base64` form. */
export function pushPath(job: string, group: string): string {
  const part = (name: string, value: string) =>
    /^[A-Za-z0-9_.~-]+$/.test(value) ? `${name}/${value}` : `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url') || '='}`;
  return `/metrics/${part('job', job)}/${part('group', group)}`;
}

export interface PushResult {
  ok: boolean;
  pushed: number;
  failed: number;
  /** The first failure, for the log. */
  error?: string;
}

const PUSH_CONCURRENCY = 8;

export async function pushGroups(
  opts: { url: string; job: string; timeoutMs: number; monitor: string; deadlineAt?: number },
  groups: readonly GroupMetrics[],
): Promise<PushResult> {
  const result: PushResult = { ok: true, pushed: 0, failed: 0 };
  const base = new URL(opts.url);
  const budget = Math.min(opts.timeoutMs, opts.deadlineAt !== undefined ? opts.deadlineAt - Date.now() : Infinity);
  if (!(budget > 0)) return { ok: false, pushed: 0, failed: groups.length, error: 'no time left before the deadline' };
  const until = Date.now() + budget;
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const g = groups[next++]!;
      const left = until - Date.now();
      const why = left > 0 ? await putOnce(new URL(base.pathname.replace(/\/$/, '') + pushPath(opts.job, g.stats.group), base), renderMetrics(opts.monitor, [g], false), left) : 'no time left';
      if (why === undefined) result.pushed++;
      else {
        result.failed++;
        result.ok = false;
        result.error ??= `${g.stats.group}: ${why}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PUSH_CONCURRENCY, groups.length) }, worker));
  return result;
}

/** undefined when the gateway took it, else why not. */
function putOnce(url: URL, body: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const done = (why: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer within ${Math.round(timeoutMs)} ms`), timeoutMs);
    const req = send(url, { method: 'PUT', headers: { 'Content-Type': 'text/plain; version=0.0.4', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      done(code >= 200 && code < 300 ? undefined : `HTTP ${code}`);
    });
    req.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    req.end(body);
  });
}
