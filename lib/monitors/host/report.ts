/**
 * What a host sends to `POST /report/<host>` (the seed's server-info shape, optionally per
 * mount and interface) and what ingest keeps of it. Validated strictly: a report that would
 * store a negative or out-of-range figure is refused with the path and the reason.
 */
import * as v from 'valibot';

const percent = v.pipe(v.number('must be a number'), v.finite('must be a finite number'), v.minValue(0, 'must be at least 0'), v.maxValue(100, 'must be at most 100'));
const counter = v.pipe(v.number('must be a number'), v.finite('must be a finite number'), v.minValue(0, 'must be at least 0'));
const label = v.pipe(v.string(), v.minLength(1), v.maxLength(256, 'names are at most 256 characters'), v.regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters'));

export const hostReport = v.strictObject({
  cpu: percent,
  memory: percent,
  disk: percent,
  network_recv: counter,
  network_sent: counter,
  /** The seed's `network` figure; accepted, not used (rates come from the counters). */
  network: v.optional(v.pipe(v.number('must be a number'), v.finite('must be a finite number'))),
  disks: v.optional(v.pipe(v.record(label, percent), v.maxEntries(64, 'at most 64 mounts'))),
  interfaces: v.optional(v.pipe(v.record(label, v.strictObject({ recv: counter, sent: counter })), v.maxEntries(64, 'at most 64 interfaces'))),
});

export type HostReport = v.InferOutput<typeof hostReport>;

export const hostKey = (host: string) => `host/${host}`;

/** A report as kept, with when it arrived (our clock, not the host's). */
export interface StoredReport {
  at: number;
  cpu: number;
  memory: number;
  disk: number;
  recv: number;
  sent: number;
  disks?: Record<string, number>;
  interfaces?: Record<string, { recv: number; sent: number }>;
}

export interface HostState {
  firstSeen?: number;
  /** Newest last. */
  reports?: StoredReport[];
  /** Accepted reports within the last minute, for the rate limit. */
  recent?: number[];
}

/** Enough for `over` (at most 100) in a row plus one for a rate. */
export const REPORTS_KEPT = 101;

/** The state after a report, or undefined when the rate limit refuses it. */
export function applyReport(s: HostState | undefined, r: HostReport, at: number, perMinute: number): HostState | undefined {
  const recent = (s?.recent ?? []).filter((t) => t > at - 60_000);
  if (recent.length >= perMinute) return undefined;
  const stored: StoredReport = {
    at,
    cpu: r.cpu,
    memory: r.memory,
    disk: r.disk,
    recv: r.network_recv,
    sent: r.network_sent,
    ...(r.disks ? { disks: r.disks } : {}),
    ...(r.interfaces ? { interfaces: r.interfaces } : {}),
  };
  return { ...s, reports: [...(s?.reports ?? []), stored].slice(-REPORTS_KEPT), recent: [...recent, at] };
}
