/**
 * The seed's answer shape (`GET /monitor/server-info-minutes`): one array per measurement and a
 * `date` array beside them, index for index. A measurement a point lacks is null there, so
 * the arrays stay aligned.
 */
import type { HistoryPoint } from './point';

export interface SeedShape {
  /** Epoch ms. */
  at: number[];
  /** The seed's "09:34", in `timeZone`; "12-01 09:34" when the range spans more than a day. */
  date: string[];
  ok: boolean[];
  ms: (number | null)[];
  p95: (number | null)[];
  successRate: number[];
  samples: number[];
  reasons: string[][];
  [measurement: string]: unknown[];
}

export function seedShape(points: readonly HistoryPoint[], timeZone: string, spansDays: boolean): SeedShape {
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    ...(spansDays ? { month: '2-digit', day: '2-digit' } : {}),
  });
  const out: SeedShape = { at: [], date: [], ok: [], ms: [], p95: [], successRate: [], samples: [], reasons: [] };
  const phases = new Set<string>();
  let lag = false;
  let nodes = false;
  let subjects = false;
  for (const p of points) {
    for (const k in p.ph ?? {}) phases.add(k);
    if (p.lag !== undefined) lag = true;
    if (p.nodes !== undefined) nodes = true;
    if (p.s !== undefined) subjects = true;
  }
  const extra: Record<string, unknown[]> = {};
  for (const k of phases) extra[`${k}Ms`] = [];
  if (lag) extra.lag = [];
  if (nodes) (extra.failedNodes = []), (extra.nodes = []);
  if (subjects) extra.subject = [];
  for (const p of points) {
    out.at.push(p.at);
    out.date.push(fmt.format(p.at).replace(/^(\d\d)-(\d\d), /, '$1-$2 '));
    out.ok.push(p.ok);
    out.ms.push(p.ms ?? null);
    out.p95.push(p.p95 ?? null);
    out.successRate.push(p.sr);
    out.samples.push(p.n);
    out.reasons.push(p.r ?? []);
    for (const k of phases) extra[`${k}Ms`]!.push(p.ph?.[k] ?? null);
    if (lag) extra.lag!.push(p.lag ?? null);
    if (nodes) extra.failedNodes!.push(p.fail ?? null), extra.nodes!.push(p.nodes ?? null);
    if (subjects) extra.subject!.push(p.s ?? null);
  }
  return Object.assign(out, extra);
}
