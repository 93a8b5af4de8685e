/** The CLI's readable view of a summary: one row per record, every reason in full as detail (wrapped). */
import type { ResultRecord } from '../report/record';
import type { Summary } from './summary';

/** Display width: CJK and full-width characters take two columns (monitor names are often Chinese). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd) ? 2 : 1;
  }
  return w;
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

/**
 * `s` in lines of at most `width` columns, broken after a space where there is one: a reason
 * cut short hides what failed (the port of a refused connection, the status a target sent).
 */
export function wrap(s: string, width: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (displayWidth(rest) > width) {
    let cut = '';
    for (const ch of rest) {
      if (displayWidth(cut + ch) > width) break;
      cut += ch;
    }
    const space = cut.lastIndexOf(' ');
    if (rest[cut.length] !== ' ' && space > 0) cut = cut.slice(0, space + 1);
    out.push(cut.trimEnd());
    rest = rest.slice(cut.length).trimStart();
  }
  out.push(rest);
  return out;
}

const ms = (v: number | undefined) => (v === undefined ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);

function detail(r: ResultRecord): string {
  if (!r.ok) return r.reasons.map((x) => `${x.code}: ${x.message}`).join(' | ');
  const statuses = [...new Set(r.samples.flatMap((s) => (s.statusCode === undefined ? [] : [s.statusCode])))];
  const parts = [];
  if (statuses.length) parts.push(statuses.join(','));
  if (r.hostList.length) parts.push(`from ${r.hostList.join(', ')}`);
  if (r.cert) parts.push(`cert ${r.cert.daysLeft} days left`);
  if (r.cut) parts.push(`(${r.cut.message})`);
  return parts.join(' ');
}

export function renderTable(summary: Summary, width = 120): string {
  const header = ['MONITOR', 'TYPE', 'RESULT', 'OK/N', 'MEAN', 'P95', 'DETAIL'];
  const rows = summary.results.map((r) => [
    // A record per subject (a consumer group, a sweep's group) reads as its incident's key.
    r.subject === undefined ? r.monitor : `${r.monitor}/${r.subject}`,
    r.type,
    r.ok ? 'ok' : 'FAIL',
    `${r.stats.successes}/${r.stats.samples}`,
    ms(r.stats.meanMs),
    ms(r.stats.p95Ms),
    detail(r),
  ]);
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((row) => displayWidth(row[i]!))));
  const fixed = widths.slice(0, -1).reduce((a, b) => a + b + 2, 0);
  const detailWidth = Math.max(30, width - fixed);
  const indent = ' '.repeat(fixed);
  const line = (cells: string[]) => {
    const [first, ...more] = wrap(cells[cells.length - 1]!, detailWidth);
    const head = [...cells.slice(0, -1).map((c, i) => pad(c, widths[i]!)), first].join('  ').trimEnd();
    return [head, ...more.map((m) => indent + m)].join('\n');
  };
  const failing = summary.results.filter((r) => !r.ok).length;
  const head =
    `${summary.function}  ${summary.startedAt}  ${(summary.durationMs / 1000).toFixed(1)} s  ` +
    (summary.results.length === 0 ? 'no monitors selected' : failing ? `${failing} of ${summary.results.length} failing` : `all ${summary.results.length} ok`);
  const table = summary.results.length ? ['', line(header), ...rows.map(line)] : [];
  return [head, ...table, ...afterword(summary)].join('\n') + '\n';
}

/** Alerts, deliveries and the run's own checks, under the table. */
function afterword(s: Summary): string[] {
  const out: string[] = [];
  if (s.canary && !s.canary.ok) out.push(`canary ${s.canary.url} FAILED (${s.canary.error?.code ?? 'no answer'}): connection failures are reported as PROBE_NETWORK`);
  if (s.alerts.length) {
    out.push('', 'ALERTS');
    for (const a of s.alerts) out.push(`  ${a.kind.padEnd(8)} ${a.monitor}  ${a.incidentId}  -> ${a.channels.join(', ') || '(no channels)'}`);
  }
  if (s.deliveries.length) {
    out.push('', 'DELIVERIES');
    for (const d of s.deliveries) {
      const what = `${d.notices} notice${d.notices === 1 ? '' : 's'}${d.carriedOver ? `, ${d.carriedOver} from earlier runs` : ''}, ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
      const via = d.fallbackFor ? ` (fallback for ${d.fallbackFor})` : '';
      out.push(d.ok ? `  ${d.channel}${via}  delivered  (${what})` : `  ${d.channel}${via}  ${d.outcome.toUpperCase()}  ${d.code}: ${d.message}  (${what})`);
    }
  }
  for (const l of s.deadLetters) out.push(`  dead letter: ${l.channel}: ${l.notices} notices (${l.monitors.join(', ')}): ${l.reason}`);
  if (s.alertingError) out.push('', `alerting FAILED: ${s.alertingError}`);
  if (s.heartbeat) out.push('', `heartbeat ${s.heartbeat.host}: ${s.heartbeat.ok ? 'ok' : `FAILED ${s.heartbeat.code}`}`);
  return out;
}
