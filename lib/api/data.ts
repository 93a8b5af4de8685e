/**
 * What the api's answers are made of: each monitor's points over a window, its open incident
 * (from the state of the function that last ran it) and the notices of the window. Read with
 * one request per monitor and per function, all at once.
 */
import { stateKey, type FunctionState } from '../alerting/outbox';
import type { Incident } from '../alerting/incident';
import type { Config, MonitorConfig } from '../config/schema';
import type { HistoryPoint } from '../history/point';
import { readHistory, readNotices, type NoticePoint } from '../history/store';
import type { StateStore } from '../state/types';

export interface MonitorView {
  monitor: MonitorConfig;
  /** Oldest first, over the window read. */
  points: HistoryPoint[];
  last?: HistoryPoint;
  /** Open incidents: one, or one per subject (`monitor/subject`). */
  incidents: { key: string; incident: Incident }[];
}

export type MonitorState = 'up' | 'down' | 'unknown';

export function stateOf(v: MonitorView): MonitorState {
  if (v.incidents.length) return 'down';
  if (!v.last) return 'unknown';
  return v.last.ok ? 'up' : 'down';
}

/** The latest point of each subject: a ckafka monitor is down when any of its groups is. */
export function lastOf(points: readonly HistoryPoint[]): HistoryPoint | undefined {
  const last = points[points.length - 1];
  if (!last || last.s === undefined) return last;
  const bySubject = new Map<string, HistoryPoint>();
  for (let i = points.length - 1; i >= 0 && points[i]!.at > last.at - 600_000; i--) {
    const p = points[i]!;
    if (!bySubject.has(p.s ?? '')) bySubject.set(p.s ?? '', p);
  }
  const failing = [...bySubject.values()].find((p) => !p.ok);
  return failing ?? last;
}

export async function monitorViews(config: Config, store: StateStore, from: number, to: number): Promise<MonitorView[]> {
  const monitors = config.monitors.filter((m) => m.enabled);
  const points = await Promise.all(monitors.map((m) => readHistory(store, m.name, from, to)));
  const fns = new Set<string>();
  for (const ps of points) for (const p of ps.slice(-5)) fns.add(p.f);
  const states = new Map<string, FunctionState['monitors']>();
  await Promise.all(
    [...fns].map(async (fn) => {
      const got = await store.get<FunctionState>(stateKey(fn)).catch(() => undefined);
      const ms = got?.value?.monitors;
      if (ms && typeof ms === 'object') states.set(fn, ms);
    }),
  );
  return monitors.map((m, i) => {
    const ps = points[i]!;
    const incidents: MonitorView['incidents'] = [];
    for (const fn of new Set(ps.slice(-5).map((p) => p.f))) {
      for (const [key, st] of Object.entries(states.get(fn) ?? {})) {
        if (st?.incident && (key === m.name || key.startsWith(`${m.name}/`))) incidents.push({ key, incident: st.incident });
      }
    }
    const last = lastOf(ps);
    return { monitor: m, points: ps, ...(last ? { last } : {}), incidents };
  });
}

export function noticesOf(store: StateStore, from: number, to: number): Promise<NoticePoint[]> {
  return readNotices(store, from, to);
}
