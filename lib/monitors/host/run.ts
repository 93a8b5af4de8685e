/** The `host` monitor: the reports ingest stored for the host, judged at the run's time. */
import type { ResultRecord } from '../../report/record';
import { update } from '../../state/types';
import type { RunContext } from '../context';
import { evaluateHost, type HostFigures, type HostStatus } from './evaluate';
import { hostKey, type HostState } from './report';
import type { HostMonitor } from './schema';

export interface HostDetail extends Partial<HostFigures> {
  status: HostStatus;
  lastReport?: string;
}

declare module '../../report/record' {
  interface ResultRecord {
    /** host: the seed's status (ok, problem, unreachable) and the latest figures. */
    host?: HostDetail;
  }
}

export async function runHost(m: HostMonitor, ctx: RunContext): Promise<ResultRecord> {
  const started = performance.now();
  const now = ctx.now?.() ?? Date.now();
  if (!ctx.store) throw new Error('host monitors need the state store');
  const store = ctx.store();
  let state = (await store.get<HostState>(hostKey(m.name)))?.value;
  if (!state) {
    state = await update<HostState, HostState>(store, hostKey(m.name), (cur) => {
      const value = cur ?? { firstSeen: now };
      return { value, result: value };
    });
  }
  const v = evaluateHost(m, state, now);
  const ok = v.reasons.length === 0;
  const last = state.reports?.[state.reports.length - 1];
  return {
    timestamp: new Date(now).toISOString(),
    function: ctx.functionName,
    monitor: m.name,
    type: m.type,
    target: `/report/${m.name}`,
    ok,
    reasons: v.reasons,
    stats: { samples: 1, successes: ok ? 1 : 0, successRate: ok ? 1 : 0 },
    hostList: [],
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    host: { status: v.status, ...(last ? { lastReport: new Date(last.at).toISOString() } : {}), ...v.latest },
    samples: [],
  };
}
