/**
 * The incident state machine, one per monitor (Gatus's alert settings): `failureThreshold`
 * failed runs in a row open an incident and alert once; while it stays open a reminder goes
 * out every `remindEveryMinutes`; `successThreshold` good runs in a row close it with a
 * "resolved". A maintenance window silences alerts and reminders but the state keeps moving,
 * so an outage that outlasts the window is alerted when the window ends. A worse status on an
 * open incident (a failure code not yet announced: STALL after WARN, a refused connection after
 * a 502) is an update, sent like an alert under the same incident id.
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
  /** ISO time of the last alert, update or reminder. */
  lastNotifiedAt?: string;
  reasons: Reason[];
  /** Every failure code people were told of in this incident (alert, updates, reminders). */
  announced?: string[];
  /** The reasons of the last notice sent: what a "resolved" quotes, so it never names a status nobody heard of. */
  notified?: Reason[];
}

export interface MonitorState {
  /** Failed runs in a row, and good runs in a row (one of them is 0). */
  failures: number;
  successes: number;
  /** ISO time of the first failure in the current run of failures. */
  failingSince?: string;
  incident?: Incident;
  /** The monitor could not measure (its provider, its API, our own network): not an outage. */
  broken?: Broken;
}

export interface Broken {
  id: string;
  /** ISO time of the first run that could not measure. */
  since: string;
  /** ISO time of the last "measurement broken" notice; absent while nobody was told (maintenance). */
  lastNotifiedAt?: string;
  reasons: Reason[];
}

export interface Observation {
  ok: boolean;
  /** ISO time of the run. */
  at: string;
  reasons: Reason[];
}

export interface Transition {
  state: MonitorState;
  /** `worse`: an alert that updates an open incident, with the codes announced before. */
  notice?: { kind: NoticeKind; incident: Incident; durationMs?: number; worse?: { from: string[] } };
}

/**
 * Consumer-lag statuses, most severe first (kafka/evaluate.ts): STALL after WARN is worse,
 * WARN after STALL is not. Other codes have no order: any one not yet announced is news.
 */
const RANKED = ['STOP', 'STALL', 'REWIND', 'LAG_THRESHOLD', 'WARN'];
/** About our own run, not the target: never a reason to tell people more. */
const NOT_NEWS = new Set(['DEADLINE', 'PROBE_NETWORK']);

/** Whether `now` holds a code worse than everything announced: new, and not outranked by an announced status. */
export function isWorse(announced: readonly string[], now: readonly Reason[]): boolean {
  const told = new Set(announced);
  const rank = (c: string) => RANKED.indexOf(c);
  const worstTold = Math.min(...announced.map(rank).filter((r) => r >= 0), RANKED.length);
  return now.some((r) => !told.has(r.code) && !NOT_NEWS.has(r.code) && (rank(r.code) < 0 || rank(r.code) < worstTold));
}

const codesOf = (reasons: readonly Reason[]) => [...new Set(reasons.map((r) => r.code))];

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
    const told = (kind: NoticeKind, worse?: { from: string[] }): Transition => {
      inc.lastNotifiedAt = obs.at;
      inc.announced = [...new Set([...(inc.announced ?? []), ...codesOf(obs.reasons)])];
      inc.notified = obs.reasons;
      return { state: s, notice: { kind, incident: { ...inc }, ...(worse ? { worse } : {}) } };
    };
    if (!inc.alerted) {
      inc.alerted = true;
      return told('alert');
    }
    // Incidents stored before updates existed announced what they held then.
    const announced = inc.announced ?? codesOf(prev?.incident?.reasons ?? []);
    if (isWorse(announced, obs.reasons)) return told('alert', { from: codesOf(inc.notified ?? prev?.incident?.reasons ?? []) });
    const last = Date.parse(inc.lastNotifiedAt ?? inc.since);
    if (rules.remindEveryMinutes > 0 && now - last >= rules.remindEveryMinutes * 60_000) return told('reminder');
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
    // The last failing status if people were told of it; else what they were last told, never
    // a status reached in silence (maintenance).
    const told = new Set(inc.announced ?? codesOf(inc.reasons));
    const quoted = inc.notified && !inc.reasons.every((r) => told.has(r.code)) ? { ...inc, reasons: inc.notified } : inc;
    return { state: s, notice: { kind: 'resolved', incident: quoted, durationMs: now - Date.parse(inc.since) } };
  }
  return { state: s };
}

/**
 * Codes that say "we could not measure": the provider or API behind a monitor refused or
 * changed (PROVIDER_ERROR: a chinaz page, speed-test nodes that could not run, a Tencent Cloud
 * API refusal in ckafka or cat), or our own network failed with the target (PROBE_NETWORK).
 * A run cut by the deadline is neither measured nor broken.
 */
const BROKEN_CODES = new Set(['PROVIDER_ERROR', 'PROBE_NETWORK']);

/** A run whose every reason is about the measurement, at least one of them a broken one. */
export function isBrokenMeasurement(ok: boolean, reasons: readonly Reason[]): boolean {
  return !ok && reasons.some((r) => BROKEN_CODES.has(r.code)) && reasons.every((r) => BROKEN_CODES.has(r.code) || r.code === 'DEADLINE');
}

/** "Measurement broken" is told at most this often while it lasts. */
export const BROKEN_REPEAT_MS = 24 * 3600_000;

export interface BrokenTransition {
  state: MonitorState;
  notice?: { kind: 'broken' | 'cleared'; broken: Broken; durationMs?: number };
}

/**
 * The measurement machine beside the incident one, sharing the monitor's state: a broken run
 * never counts as a failure or a success of the target, so an open outage stays open and a
 * fresh deploy against a changed provider pages nobody about the site. Told once when it
 * starts, then at most daily, and when a run measures again (whatever that run found).
 */
export function advanceBroken(
  prev: MonitorState | undefined,
  obs: Observation,
  silenced: boolean,
  newId: (since: string) => string,
): BrokenTransition {
  const s: MonitorState = prev ? { ...prev, ...(prev.broken ? { broken: { ...prev.broken } } : {}) } : { failures: 0, successes: 0 };
  if (isBrokenMeasurement(obs.ok, obs.reasons)) {
    const b: Broken = s.broken ?? { id: `m-${newId(obs.at)}`, since: obs.at, reasons: obs.reasons };
    b.reasons = obs.reasons;
    s.broken = b;
    if (silenced) return { state: s };
    const last = b.lastNotifiedAt === undefined ? undefined : Date.parse(b.lastNotifiedAt);
    if (last !== undefined && Date.parse(obs.at) - last < BROKEN_REPEAT_MS) return { state: s };
    b.lastNotifiedAt = obs.at;
    return { state: s, notice: { kind: 'broken', broken: { ...b } } };
  }
  const b = s.broken;
  if (!b) return { state: s };
  delete s.broken;
  // Nobody heard it was broken (maintenance): nobody needs to hear it is over.
  if (b.lastNotifiedAt === undefined) return { state: s };
  return { state: s, notice: { kind: 'cleared', broken: b, durationMs: Date.parse(obs.at) - Date.parse(b.since) } };
}
