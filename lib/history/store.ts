/**
 * History in the state store: one series per monitor, and one for the notices runs sent.
 * Written once per run in one round trip, trimmed to the retention in that same write.
 */
import type { ResultRecord } from '../report/record';
import type { SeriesPoint, StateStore } from '../state/types';
import { pointOf, type HistoryPoint } from './point';

export const historyKey = (monitor: string) => `history:${monitor}`;
export const NOTICES_KEY = 'history-notices';

/** A notice as the status page lists it. */
export interface NoticeItem {
  /** Monitor (and subject, `monitor/subject`). */
  m: string;
  /** alert, reminder, resolved; broken and cleared for a measurement that could not be made. */
  kind: 'alert' | 'reminder' | 'resolved' | 'broken' | 'cleared';
  id: string;
  /** Failure codes of the run that sent it. */
  r?: string[];
  /** The first reason's message, cut to 200 characters. */
  msg?: string;
}

export interface NoticePoint extends NoticeItem {
  at: number;
}

/**
 * A point as stored: its fields by position, absent ones null and trailing ones cut, so the
 * names are not stored 1440 times a day per monitor (a third less memory and parsing).
 * Fields are only ever added at the end.
 */
type Stored = (string | number | boolean | null | string[] | Record<string, number>)[];
const FIELDS = ['f', 'ok', 'sr', 'n', 'ms', 'p95', 'r', 'ph', 's', 'lag', 'fail', 'nodes', 'cut'] as const;

function encode(item: Omit<HistoryPoint, 'at'>): Stored {
  const out: Stored = FIELDS.map((k) => {
    const v = item[k];
    return v === undefined ? null : k === 'ok' || k === 'cut' ? (v ? 1 : 0) : (v as Stored[number]);
  });
  while (out.length && out[out.length - 1] === null) out.pop();
  return out;
}

function decode(at: number, x: unknown): HistoryPoint {
  // A point written as an object (nothing writes those; a hand-made one) reads as well.
  const a: unknown[] = Array.isArray(x) ? x : FIELDS.map((k) => (x as Record<string, unknown> | null)?.[k]);
  const v = (i: number) => (a[i] === null ? undefined : a[i]);
  return {
    at,
    f: String(v(0) ?? ''),
    ok: v(1) === 1 || v(1) === true,
    sr: Number(v(2) ?? 0),
    n: Number(v(3) ?? 0),
    ms: v(4) as number | undefined,
    p95: v(5) as number | undefined,
    r: v(6) as HistoryPoint['r'],
    ph: v(7) as HistoryPoint['ph'],
    s: v(8) as string | undefined,
    lag: v(9) as number | undefined,
    fail: v(10) as number | undefined,
    nodes: v(11) as number | undefined,
    cut: v(12) === 1 || v(12) === true ? true : undefined,
  } as HistoryPoint;
}

/** What a run writes: its records' points and the notices it sent, each under its own series. */
export function historyWrites(records: readonly ResultRecord[], notices: readonly NoticePoint[]): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (const r of records) {
    const { at, ...item } = pointOf(r);
    if (Number.isFinite(at)) out.push({ key: historyKey(r.monitor), at, item: encode(item) });
  }
  for (const { at, ...item } of notices) out.push({ key: NOTICES_KEY, at, item });
  return out;
}

export function writeHistory(store: StateStore, records: readonly ResultRecord[], notices: readonly NoticePoint[], now: number, retentionMs: number): Promise<void> {
  return store.addPoints(historyWrites(records, notices), now - retentionMs);
}

/**
 * Every point comes back in one shape, absent fields undefined (JSON.stringify leaves them out):
 * the page and the metrics walk a hundred thousand of them, and objects of one hidden class
 * are read several times faster than the mix of shapes optional fields would make.
 */
export async function readHistory(store: StateStore, monitor: string, from: number, to: number): Promise<HistoryPoint[]> {
  return (await store.points<unknown>(historyKey(monitor), from, to)).map(({ at, item }) => decode(at, item));
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
