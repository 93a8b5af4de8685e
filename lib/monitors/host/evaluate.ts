/**
 * A host's status at `now` (the seed's ok / problem / unreachable): unreachable when the last
 * report is older than interval plus tolerance, a problem when a figure stayed over its limit
 * in each of the last `over` reports or when nothing ever came, else ok.
 */
import type { Reason } from '../../report/codes';
import type { HostMonitor } from './schema';
import type { HostState, StoredReport } from './report';

export type HostStatus = 'ok' | 'problem' | 'unreachable';

export interface HostFigures {
  cpu: number;
  memory: number;
  disk: number;
  /** Received plus sent over the last two reports, the busiest interface (or the host's total). */
  networkMbps?: number;
  networkInterface?: string;
}

export interface HostVerdict {
  status: HostStatus;
  reasons: Reason[];
  latest?: HostFigures;
}

const secs = (ms: number) => `${Math.round(ms / 1000)} s`;
const round = (n: number) => Math.round(n * 100) / 100;

/** Mbit/s between two reports per interface (or for the totals); a counter that went back (a reboot) gives none. */
function rates(a: StoredReport, b: StoredReport): Map<string, number> {
  const dt = (b.at - a.at) / 1000;
  const out = new Map<string, number>();
  if (dt <= 0) return out;
  const one = (name: string, x: { recv: number; sent: number }, y: { recv: number; sent: number }) => {
    const bytes = y.recv - x.recv + (y.sent - x.sent);
    if (y.recv >= x.recv && y.sent >= x.sent) out.set(name, (bytes * 8) / dt / 1e6);
  };
  if (a.interfaces && b.interfaces) {
    for (const [name, y] of Object.entries(b.interfaces)) {
      const x = a.interfaces[name];
      if (x) one(name, x, y);
    }
  } else one('total', { recv: a.recv, sent: a.sent }, { recv: b.recv, sent: b.sent });
  return out;
}

function busiest(m: Map<string, number>): [string, number] | undefined {
  let best: [string, number] | undefined;
  for (const e of m) if (!best || e[1] > best[1]) best = e;
  return best;
}

/** The lowest value over the last `n` readings: over the limit in all of them iff this is. */
function floorOf(values: number[]): number {
  return Math.min(...values);
}

export function evaluateHost(m: HostMonitor, s: HostState | undefined, now: number): HostVerdict {
  const reports = s?.reports ?? [];
  const last = reports[reports.length - 1];
  const allowed = m.interval + m.tolerance;
  if (!last) {
    const since = s?.firstSeen ?? now;
    if (now - since <= allowed) return { status: 'ok', reasons: [] };
    return { status: 'problem', reasons: [{ code: 'NO_DATA', message: `no report at all since the host was added ${secs(now - since)} ago (expected every ${secs(m.interval)})` }] };
  }
  const pair = reports.length >= 2 ? busiest(rates(reports[reports.length - 2]!, last)) : undefined;
  const latest: HostFigures = {
    cpu: last.cpu,
    memory: last.memory,
    disk: last.disk,
    ...(pair ? { networkMbps: round(pair[1]), networkInterface: pair[0] } : {}),
  };
  if (now - last.at > allowed) {
    return {
      status: 'unreachable',
      reasons: [{ code: 'HOST_UNREACHABLE', message: `no report for ${secs(now - last.at)} (expected every ${secs(m.interval)} + ${secs(m.tolerance)} tolerance)` }],
      latest,
    };
  }
  const n = m.expect.over;
  const window = reports.slice(-n);
  const reasons: Reason[] = [];
  if (window.length === n) {
    const over = (what: string, limit: number | undefined, values: number[], unit = '%') => {
      if (limit === undefined) return;
      const floor = floorOf(values);
      if (floor > limit) {
        reasons.push({
          code: 'HOST_THRESHOLD',
          message: `${what} ${round(values[values.length - 1]!)}${unit} over ${limit}${unit} (at least ${round(floor)}${unit} in each of the last ${n} reports)`,
        });
      }
    };
    over('cpu', m.expect.maxCpu, window.map((r) => r.cpu));
    over('memory', m.expect.maxMemory, window.map((r) => r.memory));
    if (m.expect.maxDisk !== undefined) {
      const mounts = new Set(window.flatMap((r) => Object.keys(r.disks ?? {})));
      if (mounts.size === 0) over('disk', m.expect.maxDisk, window.map((r) => r.disk));
      for (const mount of [...mounts].sort()) {
        const values = window.map((r) => r.disks?.[mount]).filter((x): x is number => x !== undefined);
        if (values.length === n) over(`disk ${mount}`, m.expect.maxDisk, values);
      }
    }
    if (m.expect.maxNetworkMbps !== undefined && reports.length > n) {
      // n rates need n + 1 reports; per interface, so one busy NIC is named.
      const perPair = reports.slice(-(n + 1)).flatMap((r, i, all) => (i === 0 ? [] : [rates(all[i - 1]!, r)]));
      const names = new Set(perPair.flatMap((p) => [...p.keys()]));
      for (const name of [...names].sort()) {
        const values = perPair.map((p) => p.get(name)).filter((x): x is number => x !== undefined);
        if (values.length === n) over(name === 'total' ? 'network' : `network ${name}`, m.expect.maxNetworkMbps, values, ' Mbit/s');
      }
    }
  }
  return { status: reasons.length ? 'problem' : 'ok', reasons, latest };
}
