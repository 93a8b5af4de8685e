/**
 * A heartbeat check's status at `now`, from what ingest stored. Up while pings come in time;
 * late once the period (or scheduled time) has passed, still inside grace; down after grace,
 * after a `/start` that no success followed within grace, or on a reported failure; never
 * (CrazyMonitor's "no data at all") when nothing came within period plus grace of the monitor
 * being added.
 */
import type { Reason } from '../../report/codes';
import { activeWindowStart } from '../../util/cron';
import type { HeartbeatMonitor } from './schema';
import type { HeartbeatState } from './state';

export type HeartbeatStatus = 'up' | 'late' | 'down' | 'never';

export interface HeartbeatVerdict {
  status: HeartbeatStatus;
  reasons: Reason[];
  /** When a ping is due next without the check turning late (epoch ms), if known. */
  dueAt?: number;
}

/** A year of minutes: how far back a cron schedule is searched for its latest run. */
const MAX_CRON_LOOKBACK_MIN = 366 * 24 * 60;

const ago = (ms: number) => {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
};

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** The latest scheduled time at or before `at`, not earlier than `notBefore`. */
function lastScheduled(m: HeartbeatMonitor, at: number, notBefore: number): number | undefined {
  const minutes = Math.min(MAX_CRON_LOOKBACK_MIN, Math.max(1, Math.ceil((at - notBefore) / 60_000)));
  const t = activeWindowStart(m.cron!, minutes, m.tz, at);
  return t !== undefined && t > notBefore ? t : undefined;
}

export function evaluateHeartbeat(m: HeartbeatMonitor, s: HeartbeatState | undefined, now: number): HeartbeatVerdict {
  const since = s?.lastPing ?? s?.firstSeen ?? now;
  if (s?.lastKind === 'fail' || (s?.lastExitStatus !== undefined && s.lastExitStatus !== 0)) {
    const how = s.lastExitStatus !== undefined && s.lastExitStatus !== 0 ? `exit status ${s.lastExitStatus}` : 'failure';
    return { status: 'down', reasons: [{ code: 'HEARTBEAT_FAILED', message: `reported ${how} ${ago(now - s.lastPing!)} ago (${iso(s.lastPing!)})${bodyNote(s)}` }] };
  }
  if (s?.startedAt !== undefined && now > s.startedAt + m.grace) {
    return {
      status: 'down',
      reasons: [{ code: 'HEARTBEAT_MISSED', message: `started ${ago(now - s.startedAt)} ago (${iso(s.startedAt)}) and no success came within the grace of ${ago(m.grace)}` }],
    };
  }
  const never = s?.lastPing === undefined;
  let late: boolean;
  let down: boolean;
  let dueAt: number | undefined;
  let expected: string;
  if (m.period !== undefined) {
    dueAt = since + m.period;
    late = now > dueAt;
    down = now > dueAt + m.grace;
    expected = `every ${ago(m.period)} + ${ago(m.grace)} grace`;
  } else {
    // Down when a scheduled run passed more than grace ago with no ping after it.
    const missed = lastScheduled(m, now - m.grace, since);
    down = missed !== undefined;
    late = down || lastScheduled(m, now, since) !== undefined;
    expected = `after each "${m.cron}" (${m.tz}) + ${ago(m.grace)} grace`;
  }
  if (never) {
    if (!down) return { status: late ? 'late' : 'up', reasons: [], ...(dueAt ? { dueAt } : {}) };
    return { status: 'never', reasons: [{ code: 'NO_DATA', message: `no ping at all since the check was added ${ago(now - since)} ago (expected ${expected})` }] };
  }
  if (down) {
    return { status: 'down', reasons: [{ code: 'HEARTBEAT_MISSED', message: `last ping ${ago(now - since)} ago (${iso(since)}), expected ${expected}` }] };
  }
  return { status: late ? 'late' : 'up', reasons: [], ...(dueAt ? { dueAt } : {}) };
}

function bodyNote(s: HeartbeatState): string {
  return s.lastBody ? `: ${s.lastBody.length > 300 ? `${s.lastBody.slice(0, 300)}...` : s.lastBody}` : '';
}
