/**
 * Burrow-style evaluation of one consumer group (pure: history and this observation in,
 * status and reasons out). A fixed threshold alone misses a dead consumer on a quiet topic and
 * cries wolf on a busy one, so besides thresholds the window of the last `window`
 * observations is read for what the consumer is doing:
 *
 * - LAG_THRESHOLD: total lag above expect.maxLag, a topic's summed lag above
 *   expect.topicMaxLag[topic], or lag / consumption rate above expect.maxLagSeconds;
 * - STOP: the group is Empty or Dead (no members) while messages wait; needs no history;
 * - STALL: the group has members, yet some partitions' committed offsets stayed put through
 *   the whole window while their lag was above zero in every observation (a lag of zero
 *   anywhere in the window means the consumer was caught up, so a quiet topic never stalls);
 * - WARN: offsets move, but the group's lag never went down across the window and grew by
 *   at least 10% (Burrow's "lag is consistently increasing"; lag must be non-zero throughout);
 * - REWIND: a committed offset went backwards between two observations in the window.
 *
 * Until `window` observations exist the status is WARMING_UP and only the thresholds and
 * STOP apply. The status names the most severe rule that fired; every fired rule is a reason.
 */
import type { CkafkaMonitor } from './schema';
import type { Reason } from '../../report/codes';
import { count, list, rate, span } from './format';
import type { LagStatus, Observation } from './types';

export interface EvaluateInput {
  group: string;
  instanceId: string;
  /** Earlier observations, oldest first (this one not included). */
  history: readonly Observation[];
  current: Observation;
  /** This observation's summed lag per topic, largest first. */
  topicLag: Readonly<Record<string, number>>;
  window: number;
  expect: CkafkaMonitor['expect'];
  /** Named in the config (not listed from the instance): a Dead group with no offsets is then a wrong name. */
  named: boolean;
}

export interface Evaluation {
  status: LagStatus;
  reasons: Reason[];
  /** Observations used, this one included. */
  observations: number;
  consumeRatePerSec?: number;
  /** Null: messages wait and nothing was consumed across the observations. */
  timeLagSeconds?: number | null;
}

/** Most severe first: the status is the first of these that fired. */
const SEVERITY = ['STOP', 'STALL', 'REWIND', 'LAG_THRESHOLD', 'WARN'] as const;

/** WARN needs the lag to have grown by this fraction across the window. */
const WARN_MIN_GROWTH = 0.1;

type Entry = [committed: number, lag: number | null];
type Index = Map<string, Map<number, Entry>>;

function index(o: Observation): Index {
  const out: Index = new Map();
  for (const topic in o.topics) {
    const parts = new Map<number, Entry>();
    for (const [p, c, l] of o.topics[topic]!) parts.set(p, [c, l]);
    out.set(topic, parts);
  }
  return out;
}

const noMembers = (state: string | undefined) => state === 'Empty' || state === 'Dead';

/** The observations the window covers, oldest first: time only moves forward. */
export function windowOf(history: readonly Observation[], current: Observation, window: number): Observation[] {
  const earlier = history.filter((o) => o.at < current.at).sort((a, b) => a.at - b.at);
  return [...earlier.slice(-(window - 1)), current];
}

interface Movement {
  /** Messages committed across the observations (a step backwards counts as 0, not negative). */
  consumed: number;
  /** Partitions whose committed offset went backwards: the largest drop first. */
  rewinds: { name: string; from: number; to: number }[];
}

/** Walks consecutive observations partition by partition. */
function movement(indexes: readonly Index[]): Movement {
  let consumed = 0;
  const rewinds: Movement['rewinds'] = [];
  for (let i = 1; i < indexes.length; i++) {
    const before = indexes[i - 1]!;
    for (const [topic, parts] of indexes[i]!) {
      const prev = before.get(topic);
      if (!prev) continue;
      for (const [p, [c]] of parts) {
        const was = prev.get(p)?.[0];
        // -1 means never committed: neither progress nor a rewind.
        if (was === undefined || was < 0 || c < 0) continue;
        if (c >= was) consumed += c - was;
        else rewinds.push({ name: `${topic}/${p}`, from: was, to: c });
      }
    }
  }
  rewinds.sort((a, b) => b.from - b.to - (a.from - a.to));
  return { consumed, rewinds };
}

/** Partitions with lag whose committed offset did not change in any observation, and whose lag never dropped to 0. */
function stalled(indexes: readonly Index[]): { names: string[]; lag: number } {
  const names: string[] = [];
  let lag = 0;
  const current = indexes[indexes.length - 1]!;
  for (const [topic, parts] of current) {
    for (const [p, [c, l]] of parts) {
      if (c < 0 || l === null || l <= 0) continue;
      let still = true;
      for (let i = 0; i < indexes.length - 1 && still; i++) {
        const e = indexes[i]!.get(topic)?.get(p);
        still = e !== undefined && e[0] === c && e[1] !== null && e[1] > 0;
      }
      if (still) {
        names.push(`${topic}/${p}`);
        lag += l;
      }
    }
  }
  return { names, lag };
}

function topTopics(topicLag: Readonly<Record<string, number>>, max = 3): string {
  const parts: string[] = [];
  let more = 0;
  for (const topic in topicLag) {
    const v = topicLag[topic]!;
    if (v <= 0) break; // largest first: the rest are zero
    if (parts.length < max) parts.push(`${topic} ${count(v)}`);
    else more++;
  }
  return parts.length ? ` (${parts.join('; ')}${more ? `; ${more} more topic${more === 1 ? '' : 's'}` : ''})` : '';
}

export function evaluate(input: EvaluateInput): Evaluation {
  const { group, current, expect } = input;
  const seq = windowOf(input.history, current, input.window);
  const full = seq.length >= input.window;
  const lag = current.totalLag;
  const fired = new Map<(typeof SEVERITY)[number], Reason[]>();
  const fire = (code: (typeof SEVERITY)[number], message: string) => {
    fired.set(code, [...(fired.get(code) ?? []), { code, message }]);
  };

  // STOP: no history needed.
  const state = current.state;
  if (noMembers(state) && lag > 0) {
    fire('STOP', state === 'Dead'
      ? `group ${group} is Dead (no members) and ${count(lag)} messages are waiting`
      : `group ${group} has no members (Empty) and ${count(lag)} messages are waiting`);
  } else if (state === 'Dead' && input.named && Object.keys(current.topics).length === 0) {
    fire('STOP', `group ${group} does not exist on ${input.instanceId} (state Dead, no committed offsets): check the group name`);
  }

  // Thresholds on this observation alone.
  if (expect.maxLag !== undefined && lag > expect.maxLag) {
    fire('LAG_THRESHOLD', `group ${group} lag ${count(lag)} > ${count(expect.maxLag)}${topTopics(input.topicLag)}`);
  }
  if (expect.topicMaxLag) {
    const over: string[] = [];
    for (const [topic, limit] of Object.entries(expect.topicMaxLag)) {
      const v = input.topicLag[topic];
      if (v !== undefined && v > limit) over.push(`topic ${topic} lag ${count(v)} > ${count(limit)}`);
    }
    if (over.length) fire('LAG_THRESHOLD', `group ${group} ${over.join('; ')}`);
  }

  const indexes = seq.map(index);
  const moved = movement(indexes);
  const spanMs = seq.length > 1 ? current.at - seq[0]!.at : 0;
  const out: Evaluation = { status: 'OK', reasons: [], observations: seq.length };
  if (spanMs > 0) {
    const perSec = moved.consumed / (spanMs / 1000);
    out.consumeRatePerSec = Math.round(perSec * 100) / 100;
    out.timeLagSeconds = lag === 0 ? 0 : perSec > 0 ? Math.round(lag / perSec) : null;
  }

  if (full) {
    if (!noMembers(state)) {
      const s = stalled(indexes);
      if (s.names.length) {
        const which = s.names.length === 1 ? `partition ${s.names[0]}` : `${s.names.length} partitions (${list(s.names)})`;
        fire('STALL', `group ${group}: committed offsets of ${which} have not moved for ${seq.length} observations (${span(spanMs)}) while lag is ${count(s.lag)}`);
      }
    }
    if (moved.rewinds.length) {
      const r = moved.rewinds[0]!;
      const more = moved.rewinds.length - 1;
      fire('REWIND', `group ${group}: committed offset of ${r.name} went back from ${count(r.from)} to ${count(r.to)}${more ? ` (and ${more} more rewind${more === 1 ? '' : 's'})` : ''} within the last ${seq.length} observations`);
    }
    const lags = seq.map((o) => o.totalLag);
    const first = lags[0]!;
    const rising = lags.every((v, i) => v > 0 && (i === 0 || v >= lags[i - 1]!));
    if (moved.consumed > 0 && rising && lag >= first * (1 + WARN_MIN_GROWTH) && lag > first) {
      fire('WARN', `group ${group} is falling behind: lag grew from ${count(first)} to ${count(lag)} over ${seq.length} observations (${span(spanMs)}) while consuming ${rate(out.consumeRatePerSec ?? 0)} msg/s`);
    }
  }

  // Time lag: a measured rate applies at once; "nothing consumed" only over a full window, so a
  // consumer that commits every few minutes is not called unbounded on its second observation.
  if (expect.maxLagSeconds !== undefined && out.timeLagSeconds !== undefined && lag > 0) {
    // The limit as configured (maxLagSeconds), so the alert matches the config line.
    const limit = `${count(expect.maxLagSeconds)} s`;
    if (out.timeLagSeconds !== null && out.timeLagSeconds > expect.maxLagSeconds) {
      fire('LAG_THRESHOLD', `group ${group} is ${span(out.timeLagSeconds * 1000)} behind (lag ${count(lag)} at ${rate(out.consumeRatePerSec!)} msg/s) > ${limit}`);
    } else if (out.timeLagSeconds === null && full && !fired.has('STOP') && !fired.has('STALL')) {
      fire('LAG_THRESHOLD', `group ${group} consumed nothing in ${span(spanMs)} while ${count(lag)} messages wait: time lag unbounded > ${limit}`);
    }
  }

  for (const code of SEVERITY) {
    const reasons = fired.get(code);
    if (!reasons) continue;
    if (out.status === 'OK') out.status = code;
    out.reasons.push(...reasons);
  }
  if (out.status === 'OK' && !full) out.status = 'WARMING_UP';
  return out;
}
