/**
 * History in the state store: one series per monitor, and one for the notices runs sent.
 * Written once per run in one round trip, trimmed to the retention in that same write.
 */
import type { ResultRecord } from '../report/record';
import type { SeriesPoint, StateStore } from '../state/types';
import { pointOf, type HistoryItem, type HistoryPoint } from './point';

export const historyKey = (monitor: string) => `history:${monitor}`;
export const NOTICES_KEY = 'history-notices';

/** A notice as the status page lists it. */
export interface NoticeItem {
  /** Monitor (and subject, `monitor/subject`). */
  m: string;
  kind: 'alert' | 'reminder' | 'resolved';
  id: string;
  /** Failure codes of the run that sent it. */
  r?: string[];
  /** The first reason's message, cut to 200 characters. */
  msg?: string;
}

export interface NoticePoint extends NoticeItem {
  at: number;
}

/** What a run writes: its records' points and the notices it sent, each under its own series. */
export function historyWrites(records: readonly ResultRecord[], notices: readonly NoticePoint[]): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (const r of records) {
    const { at, ...item } = pointOf(r);
    if (Number.isFinite(at)) out.push({ key: historyKey(r.monitor), at, item });
  }
  for (const { at, ...item } of notices) out.push({ key: NOTICES_KEY, at, item });
  return out;
}

export function writeHistory(store: StateStore, records: readonly ResultRecord[], notices: readonly NoticePoint[], now: number, retentionMs: number): Promise<void> {
  return store.addPoints(historyWrites(records, notices), now - retentionMs);
}

/**
 * Every point in one shape, absent fields undefined (JSON.stringify leaves them out): the page
 * and the metrics walk a hundred thousand of them, and objects of one hidden class are read
 * several times faster than the mix of shapes JSON.parse makes of optional fields.
 */
function shaped(at: number, i: HistoryItem): HistoryPoint {
  return { at, f: i.f, ok: i.ok, sr: i.sr, n: i.n, ms: i.ms, p95: i.p95, r: i.r, s: i.s, ph: i.ph, lag: i.lag, fail: i.fail, nodes: i.nodes, cut: i.cut } as HistoryPoint;
}

export async function readHistory(store: StateStore, monitor: string, from: number, to: number): Promise<HistoryPoint[]> {
  return (await store.points<HistoryItem>(historyKey(monitor), from, to)).map(({ at, item }) => shaped(at, item));
}

export async function readNotices(store: StateStore, from: number, to: number): Promise<NoticePoint[]> {
  return (await store.points<NoticeItem>(NOTICES_KEY, from, to)).map(({ at, item }) => ({ ...item, at }));
}

/** Drops what is older than retention from every monitor's series and the notices. */
export function cleanupHistory(store: StateStore, monitors: readonly string[], now: number, retentionMs: number): Promise<number> {
  return store.trimPoints([...monitors.map(historyKey), NOTICES_KEY], now - retentionMs);
}

/** Share of good runs among the points at or after `since`; undefined with none. */
export function uptime(points: readonly HistoryPoint[], since: number): number | undefined {
  let n = 0;
  let ok = 0;
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i]!;
    if (p.at < since) break;
    // A run the deadline stopped before any sample says nothing about the target.
    if (p.n === 0 && p.r?.includes('DEADLINE')) continue;
    n++;
    if (p.ok) ok++;
  }
  return n ? ok / n : undefined;
}
