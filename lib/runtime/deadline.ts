/**
 * SCF has no remaining-time method: the deadline is the handler's start plus
 * `time_limit_in_ms`, less a margin to log and return what finished.
 */
import { setMaxListeners } from 'node:events';

export interface Deadline {
  signal: AbortSignal;
  /** Epoch ms at which the run stops taking new work. */
  at: number;
  dispose(): void;
}

/** The margin never eats more than a quarter of a short function's time. */
export function effectiveMargin(timeLimitMs: number, marginMs: number): number {
  return Math.min(marginMs, Math.floor(timeLimitMs / 4));
}

export function startDeadline(startedAt: number, timeLimitMs: number, marginMs: number): Deadline {
  const controller = new AbortController();
  // Every request in flight listens for the deadline (and stops listening when it ends).
  setMaxListeners(0, controller.signal);
  const at = startedAt + timeLimitMs - effectiveMargin(timeLimitMs, marginMs);
  const timer = setTimeout(() => controller.abort(), Math.max(0, at - Date.now()));
  return { signal: controller.signal, at, dispose: () => clearTimeout(timer) };
}
