/** The `heartbeat` monitor: what ingest stored for the check, judged at the run's time. */
import type { ResultRecord } from '../../report/record';
import { update } from '../../state/types';
import type { RunContext } from '../context';
import { evaluateHeartbeat, type HeartbeatStatus } from './evaluate';
import type { HeartbeatMonitor } from './schema';
import { heartbeatKey, type HeartbeatState } from './state';

export interface HeartbeatDetail {
  status: HeartbeatStatus;
  lastPing?: string;
  lastKind?: string;
  lastExitStatus?: number;
  dueAt?: string;
}

declare module '../../report/record' {
  interface ResultRecord {
    /** heartbeat: the check's status and its last ping. */
    heartbeat?: HeartbeatDetail;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function runHeartbeat(m: HeartbeatMonitor, ctx: RunContext): Promise<ResultRecord> {
  const started = performance.now();
  const now = ctx.now?.() ?? Date.now();
  if (!ctx.store) throw new Error('heartbeat monitors need the state store');
  const store = ctx.store();
  let state = (await store.get<HeartbeatState>(heartbeatKey(m.name)))?.value;
  if (!state) {
    // "No data at all" counts from the first run that knew the check; ingest may write first.
    state = await update<HeartbeatState, HeartbeatState>(store, heartbeatKey(m.name), (cur) => {
      const value = cur ?? { firstSeen: now };
      return { value, result: value };
    });
  }
  const v = evaluateHeartbeat(m, state, now);
  const ok = v.reasons.length === 0;
  return {
    timestamp: iso(now),
    function: ctx.functionName,
    monitor: m.name,
    type: m.type,
    target: `/ping/${m.name}`,
    ok,
    reasons: v.reasons,
    stats: { samples: 1, successes: ok ? 1 : 0, successRate: ok ? 1 : 0 },
    hostList: [],
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    heartbeat: {
      status: v.status,
      ...(state.lastPing !== undefined ? { lastPing: iso(state.lastPing) } : {}),
      ...(state.lastKind ? { lastKind: state.lastKind } : {}),
      ...(state.lastExitStatus !== undefined ? { lastExitStatus: state.lastExitStatus } : {}),
      ...(v.dueAt !== undefined ? { dueAt: iso(v.dueAt) } : {}),
    },
    samples: [],
  };
}
