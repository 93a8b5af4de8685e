/**
 * What a notice says, in zh-CN (the default) or en, before any channel formats it: a headline,
 * labelled fields and an optional user template. Channels turn these into markdown, text or
 * HTML and fit them to their size limits with `fitMessage`.
 */
import type { Locale } from '../config/channel-base';
import type { DetailTable } from '../report/record';
import type { Notice, NoticeKind } from './types';
import { fillTemplate, type TemplateField } from '../config/template';

export { TEMPLATE_FIELDS, fillTemplate, unknownPlaceholders, type TemplateField } from '../config/template';

interface Words {
  kind: Record<NoticeKind, string>;
  /** The headline word of an alert that updates an open incident, and the label for what it was before. */
  worse: string;
  before: string;
  title: (counts: Record<NoticeKind, number>) => string;
  reasons: string;
  numbers: string;
  since: string;
  at: string;
  lasted: string;
  incident: string;
  target: string;
  more: (n: number, names: string) => string;
  truncated: string;
  successRate: string;
  mean: string;
  p95: string;
  duration: (ms: number) => string;
  /** On broken and cleared notices sent to a monitor's own channels (no alerts.monitoringChannels). */
  monitorChannels: string;
  /** The line that tells a broken notice from an outage. */
  notAnOutage: string;
  note: string;
}

/** "12 min", "3 h 5 min", "2 d 4 h": seconds only under a minute. */
function durationIn(unit: { s: string; min: string; h: string; d: string }): (ms: number) => string {
  return (ms) => {
    const m = Math.round(ms / 60_000);
    if (m < 1) return `${Math.max(1, Math.round(ms / 1000))}${unit.s}`;
    if (m < 60) return `${m}${unit.min}`;
    const h = Math.floor(m / 60);
    if (h < 24) return `${h}${unit.h} ${m % 60}${unit.min}`;
    return `${Math.floor(h / 24)}${unit.d} ${h % 24}${unit.h}`;
  };
}

const zh: Words = {
  kind: { alert: '告警', reminder: '仍未恢复', resolved: '已恢复', broken: '监测失效', cleared: '监测已恢复' },
  worse: '告警升级',
  before: '此前',
  title: (c) =>
    [
      c.alert && `${c.alert} 个告警`,
      c.reminder && `${c.reminder} 个仍未恢复`,
      c.resolved && `${c.resolved} 个已恢复`,
      c.broken && `${c.broken} 个监测失效`,
      c.cleared && `${c.cleared} 个监测已恢复`,
    ]
      .filter(Boolean)
      .join('，'),
  reasons: '原因',
  numbers: '数据',
  since: '开始时间',
  at: '检测时间',
  lasted: '持续',
  incident: '事件编号',
  target: '目标',
  more: (n, names) => `……另有 ${n} 条未列出：${names}`,
  truncated: '（消息过长，已截断）',
  successRate: '成功率',
  mean: '均值',
  p95: 'p95',
  duration: durationIn({ s: ' 秒', min: ' 分钟', h: ' 小时', d: ' 天' }),
  monitorChannels: '未配置 alerts.monitoringChannels，发往本监控自己的渠道',
  note: '说明',
  notAnOutage: '无法完成测量（测速源、云 API 或本函数网络的问题），不代表目标故障',
};

const en: Words = {
  kind: { alert: 'ALERT', reminder: 'STILL FAILING', resolved: 'RESOLVED', broken: 'MEASUREMENT BROKEN', cleared: 'MEASURING AGAIN' },
  worse: 'WORSE',
  before: 'Before',
  title: (c) =>
    [
      c.alert && `${c.alert} alert${c.alert > 1 ? 's' : ''}`,
      c.reminder && `${c.reminder} still failing`,
      c.resolved && `${c.resolved} resolved`,
      c.broken && `${c.broken} measurement${c.broken > 1 ? 's' : ''} broken`,
      c.cleared && `${c.cleared} measuring again`,
    ]
      .filter(Boolean)
      .join(', '),
  reasons: 'Reason',
  numbers: 'Numbers',
  since: 'Since',
  at: 'Checked',
  lasted: 'Lasted',
  incident: 'Incident',
  target: 'Target',
  more: (n, names) => `... and ${n} more not shown: ${names}`,
  truncated: '(message too long, cut short)',
  successRate: 'success rate',
  mean: 'mean',
  p95: 'p95',
  duration: durationIn({ s: ' s', min: ' min', h: ' h', d: ' d' }),
  monitorChannels: "sent to this monitor's channels: alerts.monitoringChannels is not set",
  note: 'Note',
  notAnOutage: 'the monitor could not measure (its provider, a cloud API or our own network): this says nothing about the target',
};

export const WORDS: Record<Locale, Words> = { 'zh-CN': zh, en };

/** Times are shown where our users are (the seeds' teams are in China), with the offset. */
const DISPLAY_TZ = 'Asia/Shanghai';
// Made on first use: a time-zone formatter costs milliseconds to build, and a run that sends
// nothing never formats a time.
let clock: Intl.DateTimeFormat | undefined;
const makeClock = () => new Intl.DateTimeFormat('sv-SE', {
  timeZone: DISPLAY_TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

export function displayTime(iso: string): string {
  clock ??= makeClock();
  return `${clock.format(new Date(iso))} (UTC+8)`;
}



export function templateValues(n: Notice, locale: Locale): Record<TemplateField, string> {
  const w = WORDS[locale];
  return {
    kind: n.worseThan ? w.worse : w.kind[n.kind],
    monitor: n.monitor,
    type: n.type,
    target: n.target,
    function: n.function,
    incidentId: n.incidentId,
    since: displayTime(n.since),
    at: displayTime(n.at),
    duration: w.duration(n.durationMs ?? Date.parse(n.at) - Date.parse(n.since)),
    codes: [...new Set(n.reasons.map((r) => r.code))].join(', '),
    reasons: n.reasons.map((r) => `${r.code}: ${r.message}`).join('; '),
    successRate: n.stats ? `${Math.round(n.stats.successRate * 1000) / 10}%` : '',
    meanMs: n.stats?.meanMs === undefined ? '' : String(n.stats.meanMs),
    p95Ms: n.stats?.p95Ms === undefined ? '' : String(n.stats.p95Ms),
  };
}

export interface NoticeView {
  kind: NoticeKind;
  headline: string;
  /** Label and value pairs, in display order. */
  fields: [string, string][];
  /** The worst nodes or partitions (speedtest, ckafka), for an HTML table or list lines. */
  table?: DetailTable;
  /** The user's template, filled, when the channel has one for this kind. */
  custom?: string;
}

export type Templates = Partial<Record<NoticeKind, string>>;

export function viewNotice(n: Notice, locale: Locale, templates?: Templates): NoticeView {
  const w = WORDS[locale];
  const values = templateValues(n, locale);
  const template = templates?.[n.kind];
  const fields: [string, string][] = [[w.target, n.target]];
  if (n.kind === 'broken' || n.kind === 'cleared') {
    fields.push([w.note, w.notAnOutage]);
    if (n.kind === 'broken') for (const r of n.reasons) fields.push([w.reasons, `${r.code}: ${r.message}`]);
    else fields.push([w.reasons, values.reasons], [w.lasted, values.duration]);
    fields.push([w.since, values.since], [w.incident, n.incidentId]);
    if (n.monitorChannels) fields.push([w.note, w.monitorChannels]);
    return { kind: n.kind, headline: `${values.kind} ${n.monitor}`, fields, ...(template ? { custom: fillTemplate(template, values) } : {}) };
  }
  if (n.kind !== 'resolved') {
    for (const r of n.reasons) fields.push([w.reasons, `${r.code}: ${r.message}`]);
    if (n.worseThan?.length) fields.push([w.before, n.worseThan.join(', ')]);
    // One judgment with no time (a consumer group's lag, a heartbeat, a host) has its numbers
    // in its reasons; "success rate 0% (0/1)" would say nothing more.
    if (n.stats && (n.stats.samples > 1 || (n.stats.samples === 1 && n.stats.meanMs !== undefined))) {
      const parts = [`${w.successRate} ${values.successRate} (${n.stats.successes}/${n.stats.samples})`];
      if (n.stats.meanMs !== undefined) parts.push(`${w.mean} ${n.stats.meanMs} ms`);
      if (n.stats.p95Ms !== undefined) parts.push(`${w.p95} ${n.stats.p95Ms} ms`);
      fields.push([w.numbers, parts.join(', ')]);
    }
    fields.push([w.since, values.since]);
  } else {
    fields.push([w.reasons, values.reasons], [w.since, values.since], [w.lasted, values.duration]);
  }
  fields.push([w.incident, n.incidentId]);
  return {
    kind: n.kind,
    headline: `${values.kind} ${n.monitor}`,
    fields,
    ...(n.table && n.kind !== 'resolved' && n.table.rows.length ? { table: n.table } : {}),
    ...(template ? { custom: fillTemplate(template, values) } : {}),
  };
}

/** A detail table as plain lines: the header, then one line per row, cells joined by " · ". */
export function tableLines(t: DetailTable): string[] {
  return [t.columns.join(' · '), ...t.rows.map((r) => r.join(' · '))];
}

/** The subject or title line of a grouped message, e.g. "[scf-monitor] 2 个告警，1 个已恢复". */
export function messageTitle(notices: readonly Notice[], locale: Locale): string {
  const counts: Record<NoticeKind, number> = { alert: 0, reminder: 0, resolved: 0, broken: 0, cleared: 0 };
  for (const n of notices) counts[n.kind]++;
  const one = notices.length === 1 ? notices[0] : undefined;
  const what = one ? `${WORDS[locale].kind[one.kind]} ${one.monitor}` : WORDS[locale].title(counts);
  return `[scf-monitor] ${what}`;
}

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** The longest prefix of `s` within `maxBytes` of UTF-8, never splitting a character. */
export function cutUtf8(s: string, maxBytes: number): string {
  if (utf8(s) <= maxBytes) return s;
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const b = utf8(ch);
    if (bytes + b > maxBytes) break;
    bytes += b;
    end += ch.length;
  }
  return s.slice(0, end);
}

export interface FitOptions {
  /** Text before the blocks (title, note); always kept. */
  head: string;
  /** One rendered block per notice, in order. */
  blocks: string[];
  /** Between blocks. */
  separator: string;
  /** The "and N more" line for the notices left out (given their indexes). */
  more: (omitted: number[]) => string;
  /** Appended after everything (mentions), always kept. */
  tail?: string;
  maxBytes: number;
  maxItems: number;
  locale: Locale;
}

/**
 * Joins as many whole blocks as fit the byte and item limits, then a line for the rest. When
 * even the first block does not fit, it is cut on a character boundary and the message says so.
 */
export function fitMessage(o: FitOptions): { text: string; shown: number; truncated: boolean } {
  const tail = o.tail ?? '';
  const join = (blocks: string[], rest: number[]) =>
    o.head + blocks.join(o.separator) + (rest.length ? o.separator + o.more(rest) : '') + tail;
  if (o.blocks.length === 0) return { text: cutUtf8(o.head + tail, o.maxBytes), shown: 0, truncated: false };
  let shown = Math.min(o.blocks.length, o.maxItems);
  for (; shown > 0; shown--) {
    const rest = o.blocks.map((_, i) => i).slice(shown);
    const text = join(o.blocks.slice(0, shown), rest);
    if (utf8(text) <= o.maxBytes) return { text, shown, truncated: false };
  }
  // Not even one block fits: cut the first one and say so.
  const note = WORDS[o.locale].truncated;
  const rest = o.blocks.map((_, i) => i).slice(1);
  const fixed = join([''], rest);
  const room = o.maxBytes - utf8(fixed) - utf8(note) - 1;
  const first = cutUtf8(o.blocks[0] ?? '', Math.max(0, room));
  const text = cutUtf8(join([`${first}\n${note}`], rest), o.maxBytes);
  return { text, shown: o.blocks.length ? 1 : 0, truncated: true };
}
