/**
 * What ingest keeps per heartbeat check and what heartbeatCheck reads: one JSON value per
 * check in the state store (files locally, Redis on SCF: instances share no /tmp), updated by
 * compare-and-set so two pings racing on one check never lose one.
 */
export const heartbeatKey = (check: string) => `heartbeat/${check}`;

/** How a ping ends: `/ping/<check>` (success), `/start`, `/fail`, or an exit status. */
export type PingKind = 'success' | 'start' | 'fail';

export interface HeartbeatState {
  /** When heartbeatCheck first saw the monitor with no ping yet: "no data at all" counts from here. */
  firstSeen?: number;
  lastPing?: number;
  lastKind?: PingKind;
  /** Set by `/ping/<check>/<status>`. */
  lastExitStatus?: number;
  lastSuccess?: number;
  lastFailure?: number;
  /** A `/start` not yet followed by success or failure. */
  startedAt?: number;
  /** The last POST body, cut to the kept size: shown in the alert. */
  lastBody?: string;
  /** Accepted pings within the last minute, for the rate limit. */
  recent?: number[];
}

export interface Ping {
  kind: PingKind;
  at: number;
  exitStatus?: number;
  body?: string;
}

/** The state after a ping, or undefined when the rate limit refuses it (nothing is stored then). */
export function applyPing(s: HeartbeatState | undefined, p: Ping, perMinute: number): HeartbeatState | undefined {
  const recent = (s?.recent ?? []).filter((t) => t > p.at - 60_000);
  if (recent.length >= perMinute) return undefined;
  const next: HeartbeatState = { ...s, lastPing: p.at, lastKind: p.kind, recent: [...recent, p.at] };
  if (p.exitStatus === undefined) delete next.lastExitStatus;
  else next.lastExitStatus = p.exitStatus;
  if (p.body !== undefined) next.lastBody = p.body;
  if (p.kind === 'start') next.startedAt = p.at;
  else {
    delete next.startedAt;
    if (p.kind === 'success') next.lastSuccess = p.at;
    else next.lastFailure = p.at;
  }
  return next;
}
