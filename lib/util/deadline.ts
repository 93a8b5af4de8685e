/**
 * SCF has no remaining-time method: the deadline is the handler's start plus
 * `time_limit_in_ms`, less a margin to log and return what finished. When alerts may have to
 * go out, the monitors stop earlier still, leaving the reserve for delivery.
 */
import { setMaxListeners } from 'node:events';

export interface Deadline {
  /** Aborts when monitors must stop. */
  signal: AbortSignal;
  /** Epoch ms at which monitors stop taking new work. */
  at: number;
  /** Aborts when the run must return (alert delivery, heartbeat). */
  finalSignal: AbortSignal;
  finalAt: number;
  dispose(): void;
}

/** The margin never eats more than a quarter of a short function's time. */
export function effectiveMargin(timeLimitMs: number, marginMs: number): number {
  return Math.min(marginMs, Math.floor(timeLimitMs / 4));
}

/**
 * The least delivery time that holds one attempt per channel (channels send side by side): a
 * channel starts no attempt with under a second left (deliver.ts), and the incident and claim
 * commits come first.
 */
export const DELIVERY_FLOOR_MS = 1500;

/**
 * Time kept for delivering alerts: enough for a retry or two, never most of a short run, yet
 * at least one attempt per channel: without that, a short function's alerts would wait run
 * after run while its monitors used the time. Under 3 s even that cannot fit (`validate` says so).
 */
export function alertReserveMs(timeLimitMs: number): number {
  return Math.max(Math.min(10_000, Math.floor(timeLimitMs / 4)), Math.min(DELIVERY_FLOOR_MS, Math.floor(timeLimitMs / 2)));
}

function abortAt(at: number): { signal: AbortSignal; timer: NodeJS.Timeout } {
  const controller = new AbortController();
  // Every request in flight listens for the deadline (and stops listening when it ends).
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(), Math.max(0, at - Date.now()));
  return { signal: controller.signal, timer };
}

export function startDeadline(startedAt: number, timeLimitMs: number, marginMs: number, reserveMs = 0): Deadline {
  const finalAt = startedAt + timeLimitMs - effectiveMargin(timeLimitMs, marginMs);
  const at = finalAt - reserveMs;
  const monitors = abortAt(at);
  const final = abortAt(finalAt);
  return {
    signal: monitors.signal,
    at,
    finalSignal: final.signal,
    finalAt,
    dispose: () => {
      clearTimeout(monitors.timer);
      clearTimeout(final.timer);
    },
  };
}
