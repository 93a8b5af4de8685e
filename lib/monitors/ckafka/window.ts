/**
 * The evaluation window: a count of observations (`window: 5`, the original form) or a span of
 * time (`window: 10m`). A count is only as long as the timer makes it, so a consumer that
 * commits less often than the count's span looks stuck between its commits; a duration keeps
 * its meaning whatever the timer and is what to size against the consumers' commit interval.
 */
import { durationMs } from '../../util/duration';
import type { Observation } from './types';

/** What the store keeps at most per group: bounds the history read and written every run. */
export const MAX_OBSERVATIONS = 50;

export type WindowSpec = { count: number } | { ms: number };

/** The written form of a duration: hours, minutes and seconds, each optional, in that order. */
export const DURATION_PATTERN = /^(?=\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** "90s", "10m", "1h", "1h30m" in ms (the schema admits only DURATION_PATTERN's forms); undefined when it is not one. */
export const parseDuration = (text: string): number | undefined => (DURATION_PATTERN.test(text) ? durationMs(text) : undefined);

export function windowSpec(window: number | string): WindowSpec {
  if (typeof window === 'number') return { count: window };
  const ms = parseDuration(window);
  // The schema admits only parseable durations; a count of 5 is the safe reading otherwise.
  return ms === undefined ? { count: 5 } : { ms };
}

export interface WindowCut {
  /** The observations the rules read, oldest first, this one last. */
  seq: Observation[];
  /** Enough observations exist: the count is reached, or the duration is covered. */
  full: boolean;
  /** How many observations the store should keep after this run (this one included). */
  keep: number;
}

/**
 * The observations the window covers, oldest first: time only moves forward, so anything not
 * older than this observation is ignored. A duration takes the newest observation at or
 * before `now - duration` as its first, so the span read is never shorter than the duration.
 */
export function cutWindow(history: readonly Observation[], current: Observation, spec: WindowSpec): WindowCut {
  const earlier = history.filter((o) => o.at < current.at).sort((a, b) => a.at - b.at);
  if ('count' in spec) {
    const seq = [...earlier.slice(-(spec.count - 1)), current];
    return { seq, full: seq.length >= spec.count, keep: spec.count };
  }
  const cutoff = current.at - spec.ms;
  let first = -1;
  for (let i = earlier.length - 1; i >= 0; i--) {
    if (earlier[i]!.at <= cutoff) {
      first = i;
      break;
    }
  }
  if (first < 0) {
    // Not covered yet: keep everything (up to the bound) until it is.
    const seq = [...earlier.slice(-(MAX_OBSERVATIONS - 1)), current];
    return { seq, full: seq.length >= MAX_OBSERVATIONS, keep: MAX_OBSERVATIONS };
  }
  const seq = [...earlier.slice(Math.max(first, earlier.length - (MAX_OBSERVATIONS - 1))), current];
  // One more than needed now: the next run's cutoff moves on by about one timer period.
  return { seq, full: true, keep: Math.min(MAX_OBSERVATIONS, seq.length + 1) };
}

const minutes = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`);

/**
 * How a window reads on the function's timer, for `validate`: the rule is that the window must
 * span at least twice the longest interval between a consumer's commits (a healthy consumer then
 * always commits inside it), and hold at least three polls.
 */
export function windowAdvice(window: number | string, timerMs: number | undefined): { warning: boolean; text: string } {
  const spec = windowSpec(window);
  const rule = 'size it to at least twice the longest interval between your consumers\' commits';
  if ('count' in spec) {
    if (timerMs === undefined) {
      return { warning: false, text: `window ${spec.count} counts observations, so its span depends on the timer; a duration (window: 10m) does not: ${rule}` };
    }
    const spanMs = (spec.count - 1) * timerMs;
    return {
      warning: false,
      text: `window ${spec.count} is ${minutes(spanMs)} on kafkaLag's ${minutes(timerMs)} timer: a consumer that commits less often reads as STALL between its commits; ${rule} (e.g. window: ${Math.max(10, Math.ceil((2 * spanMs) / 60_000))}m)`,
    };
  }
  if (timerMs === undefined) return { warning: false, text: `window ${String(window)}: ${rule}` };
  const needed = Math.ceil(spec.ms / timerMs) + 1;
  if (needed > MAX_OBSERVATIONS) {
    return {
      warning: true,
      text: `window ${String(window)} needs ${needed} observations on kafkaLag's ${minutes(timerMs)} timer, but at most ${MAX_OBSERVATIONS} are kept: it covers ${minutes((MAX_OBSERVATIONS - 1) * timerMs)}`,
    };
  }
  if (needed < 3) {
    return { warning: true, text: `window ${String(window)} holds ${needed} observations on kafkaLag's ${minutes(timerMs)} timer: one late poll or commit makes a healthy consumer STALL; ${rule}` };
  }
  return { warning: false, text: `window ${String(window)} reads ${needed} observations on kafkaLag's ${minutes(timerMs)} timer and suits consumers that commit at least every ${minutes(Math.floor(spec.ms / 2 / 1000) * 1000)}` };
}
