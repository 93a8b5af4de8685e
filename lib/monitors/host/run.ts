/** The `host` monitor: the reports ingest stored for the host, judged at the run's time. */
import type { ResultRecord } from '../../report/record';
import type { RunContext } from '../context';
import { judgedRecord } from '../judged';
import { reportedState } from '../reported';
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
  const state = await reportedState<HostState>(ctx, hostKey(m.name), now);
  const v = evaluateHost(m, state, now);
  const last = state.reports?.[state.reports.length - 1];
  return {
    ...judgedRecord({ timestamp: new Date(now).toISOString(), function: ctx.functionName, started }, m, `/report/${m.name}`, v.reasons),
    host: { status: v.status, ...(last ? { lastReport: new Date(last.at).toISOString() } : {}), ...v.latest },
  };
}
