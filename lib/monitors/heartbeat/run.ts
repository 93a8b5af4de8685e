/** The `heartbeat` monitor: what ingest stored for the check, judged at the run's time. */
import type { ResultRecord } from '../../report/record';
import type { RunContext } from '../context';
import { judgedRecord } from '../judged';
import { reportedState } from '../reported';
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
  const state = await reportedState<HeartbeatState>(ctx, heartbeatKey(m.name), now);
  const v = evaluateHeartbeat(m, state, now);
  return {
    ...judgedRecord({ timestamp: new Date(now).toISOString(), function: ctx.functionName, started }, m, `/ping/${m.name}`, v.reasons),
    heartbeat: {
      status: v.status,
      ...(state.lastPing !== undefined ? { lastPing: iso(state.lastPing) } : {}),
      ...(state.lastKind ? { lastKind: state.lastKind } : {}),
      ...(state.lastExitStatus !== undefined ? { lastExitStatus: state.lastExitStatus } : {}),
      ...(v.dueAt !== undefined ? { dueAt: iso(v.dueAt) } : {}),
    },
  };
}
