/**
 * The incident state machine, one per monitor (Gatus's alert settings): `failureThreshold`
 * failed runs in a row open an incident and alert once; while it stays open a reminder goes
 * out every `remindEveryMinutes`; `successThreshold` good runs in a row close it with a
 * "resolved". A maintenance window silences alerts and reminders but the state keeps moving,
 * so an outage that outlasts the window is alerted when the window ends.
 */
import type { Rules } from '../config/alerting-schema';
import type { Reason } from '../report/codes';
import type { NoticeKind } from './types';

export interface Incident {
  id: string;
  /** ISO time of the first failed run of this outage. */
  since: string;
  /** Whether the alert went out (it does not during maintenance). */
  alerted: boolean;
  /** ISO time of the last alert or reminder. */
  lastNotifiedAt?: string;
  reasons: Reason[];
}

export interface MonitorState {
  /** Failed runs in a row, and good runs in a row (one of them is 0). */
  failures: number;
  successes: number;
  /** ISO time of the first failure in the current run of failures. */
  failingSince?: string;
  incident?: Incident;
}

export interface Observation {
  ok: boolean;
  /** ISO time of the run. */
  at: string;
  reasons: Reason[];
}

export interface Transition {
  state: MonitorState;
  notice?: { kind: NoticeKind; incident: Incident; durationMs?: number };
}

export function advance(
  prev: MonitorState | undefined,
  obs: Observation,
  rules: Rules,
  silenced: boolean,
  newId: (since: string) => string,
): Transition {
  const now = Date.parse(obs.at);
  const s: MonitorState = prev ? { ...prev, incident: prev.incident && { ...prev.incident } } : { failures: 0, successes: 0 };
  if (!obs.ok) {
    if (s.failures === 0) s.failingSince = obs.at;
    s.failures++;
    s.successes = 0;
    if (!s.incident && s.failures >= rules.failureThreshold) {
      const since = s.failingSince ?? obs.at;
      s.incident = { id: newId(since), since, alerted: false, reasons: obs.reasons };
    }
    const inc = s.incident;
    if (!inc) return { state: s };
    inc.reasons = obs.reasons;
    if (silenced) return { state: s };
    if (!inc.alerted) {
      inc.alerted = true;
      inc.lastNotifiedAt = obs.at;
      return { state: s, notice: { kind: 'alert', incident: { ...inc } } };
    }
    const last = Date.parse(inc.lastNotifiedAt ?? inc.since);
    if (rules.remindEveryMinutes > 0 && now - last >= rules.remindEveryMinutes * 60_000) {
      inc.lastNotifiedAt = obs.at;
      return { state: s, notice: { kind: 'reminder', incident: { ...inc } } };
    }
    return { state: s };
  }
  // Counting past the threshold tells nothing, and a count that stops still lets a healthy
  // run leave the stored state untouched (no write at all).
  s.successes = Math.min(s.successes + 1, rules.successThreshold);
  s.failures = 0;
  delete s.failingSince;
  const inc = s.incident;
  if (!inc || s.successes < rules.successThreshold) return { state: s };
  delete s.incident;
  // The people who got the alert hear that it is over, maintenance or not; an incident nobody
  // was told about ends quietly.
  if (inc.alerted && rules.sendOnResolved) {
    return { state: s, notice: { kind: 'resolved', incident: inc, durationMs: now - Date.parse(inc.since) } };
  }
  return { state: s };
}
