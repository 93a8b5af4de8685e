/**
 * Prometheus text exposition format (version 0.0.4), from the last point of each monitor: what
 * GET /metrics serves and what a run pushes to a Pushgateway. No timestamps on samples: the
 * Pushgateway refuses them, and a scrape of /metrics is "now" anyway; the run's time is its own
 * gauge (scf_monitor_last_run_timestamp_seconds), so staleness is visible.
 */
import type { HistoryPoint } from './point';

export interface MetricRow {
  monitor: string;
  type: string;
  point: HistoryPoint;
  incidentOpen?: boolean;
}

const FAMILIES: [name: string, help: string, value: (r: MetricRow) => number | undefined][] = [
  ['scf_monitor_up', '1 when the last run of the monitor passed, 0 when it failed', (r) => (r.point.ok ? 1 : 0)],
  ['scf_monitor_success_rate', 'Share of the last run\'s samples that succeeded', (r) => r.point.sr],
  ['scf_monitor_response_mean_ms', 'Mean response time of the last run, ms', (r) => r.point.ms],
  ['scf_monitor_response_p95_ms', '95th percentile response time of the last run, ms', (r) => r.point.p95],
  ['scf_monitor_samples', 'Samples the last run took', (r) => r.point.n],
  ['scf_monitor_lag_messages', 'ckafka: total consumer-group lag, messages', (r) => r.point.lag],
  ['scf_monitor_failed_nodes', 'speedtest: probe nodes that could not reach the site', (r) => r.point.fail],
  ['scf_monitor_incident_open', '1 while an incident is open for the monitor', (r) => (r.incidentOpen === undefined ? undefined : r.incidentOpen ? 1 : 0)],
  ['scf_monitor_last_run_timestamp_seconds', 'When the last run of the monitor finished, Unix seconds', (r) => r.point.at / 1000],
];

/** Label values: backslash, double quote and line feed escaped, as the format requires. */
export function labelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(r: MetricRow, extra = ''): string {
  const subject = r.point.s !== undefined ? `,subject="${labelValue(r.point.s)}"` : '';
  return `{monitor="${labelValue(r.monitor)}",type="${labelValue(r.type)}",function="${labelValue(r.point.f)}"${subject}${extra}}`;
}

const num = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN');

export function renderMetrics(rows: readonly MetricRow[]): string {
  const out: string[] = [];
  for (const [name, help, value] of FAMILIES) {
    const lines: string[] = [];
    for (const r of rows) {
      const x = value(r);
      if (x !== undefined) lines.push(`${name}${labels(r)} ${num(x)}`);
    }
    if (!lines.length) continue;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...lines);
  }
  const phases: string[] = [];
  for (const r of rows) for (const [phase, ms] of Object.entries(r.point.ph ?? {})) phases.push(`scf_monitor_phase_ms${labels(r, `,phase="${labelValue(phase)}"`)} ${num(ms)}`);
  if (phases.length) out.push('# HELP scf_monitor_phase_ms Mean time of each request phase in the last run, ms', '# TYPE scf_monitor_phase_ms gauge', ...phases);
  return out.length ? `${out.join('\n')}\n` : '';
}
