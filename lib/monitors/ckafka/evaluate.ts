/**
 * Burrow-style evaluation of one consumer group (pure: history and this observation in,
 * status and reasons out). A fixed threshold alone misses a dead consumer on a quiet topic and
 * cries wolf on a busy one, so besides thresholds the window (a duration, or a count of
 * observations: window.ts) is read partition by partition, as Burrow does, for what the
 * consumer is doing. A partition whose lag is at or below `allowedLag` now is OK whatever its
 * history (Burrow's rule; a transactional topic's control marker keeps a caught-up consumer
 * 1 behind for ever). For the others, in Burrow's order:
 *
 * - REWIND: its committed offset went backwards inside the window and has not come back to
 *   where it was (a rebalance that re-commits an older offset once and then passes it is not);
 * - STALL: its lag stayed above `allowedLag` in every observation and its committed offset
 *   did not move across the whole window (Burrow's STOP and STALL in one: CKafka shows no
 *   commit times, so "commits the same offset" and "stopped committing" look the same);
 * - WARN: its lag stayed above `allowedLag`, never went down, grew by at least 10 % and is at
 *   least `warnMinLag`, while its offset moved; a topic whose summed lag does that (with no
 *   partition of it already named) is WARN as well.
 *
 * For the group:
 * - STOP: no members (Empty or Dead) in this and the previous observation, and no committed
 *   offset of the group moved across the window, while a partition was above `allowedLag` in
 *   every observation of it.
 *   Clients that commit under a group id without joining it (Flink, Spark, assign()) are
 *   Empty for ever and alive: their offsets move. A named group that does not exist (Dead, no
 *   offsets) is STOP at once;
 * - LAG_THRESHOLD: total lag above expect.maxLag, a topic's summed lag above
 *   expect.topicMaxLag[topic], or lag / consumption rate above expect.maxLagSeconds.
 *
 * Until the window is covered the status is WARMING_UP and only the thresholds apply. The
 * status names the most severe rule that fired; every fired rule is a reason.
 */
import { DEFAULT_ALLOWED_LAG, DEFAULT_WARN_MIN_LAG, type CkafkaMonitor } from './schema';
import type { Reason } from '../../report/codes';
import { count, list, rate, span } from './format';
import type { LagStatus, Observation } from './types';
import { cutWindow, windowSpec, type WindowSpec } from './window';

export interface EvaluateInput {
  group: string;
  instanceId: string;
  /** Earlier observations, oldest first (this one not included). */
  history: readonly Observation[];
  current: Observation;
  /** This observation's summed lag per topic, largest first. */
  topicLag: Readonly<Record<string, number>>;
  /** As configured: a count of observations or a duration ("10m"). */
  window: number | string | WindowSpec;
  allowedLag?: number;
  warnMinLag?: number;
  expect: CkafkaMonitor['expect'];
  /** Named in the config (not listed from the instance): a Dead group with no offsets is then a wrong name. */
  named: boolean;
}

export interface Evaluation {
  status: LagStatus;
  reasons: Reason[];
  /** Observations used, this one included. */
  observations: number;
  /** How many observations the history should keep after this run. */
  keep: number;
  consumeRatePerSec?: number;
  /** Null: messages wait and nothing was consumed across the observations. */
  timeLagSeconds?: number | null;
}

/** Most severe first: the status is the first of these that fired. */
const SEVERITY = ['STOP', 'STALL', 'REWIND', 'LAG_THRESHOLD', 'WARN'] as const;

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

/** Messages committed across the observations (a step backwards counts as 0, not negative). */
function consumedAcross(indexes: readonly Index[]): number {
  let consumed = 0;
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
      }
    }
  }
  return consumed;
}

/** One partition across the window: its entry in each observation (undefined: absent or never committed). */
interface Track {
  topic: string;
  name: string;
  entries: ({ c: number; l: number | null } | undefined)[];
}

function tracks(indexes: readonly Index[]): Track[] {
  const out: Track[] = [];
  const current = indexes[indexes.length - 1]!;
  for (const [topic, parts] of current) {
    for (const [p, [c, l]] of parts) {
      if (c < 0 || l === null) continue;
      const entries = indexes.map((ix) => {
        const e = ix.get(topic)?.get(p);
        return e && e[0] >= 0 ? { c: e[0], l: e[1] } : undefined;
      });
      out.push({ topic, name: `${topic}/${p}`, entries });
    }
  }
  return out;
}

type PartitionVerdict =
  | { status: 'OK' }
  | { status: 'REWIND'; from: number; to: number; now: number }
  | { status: 'STALL'; lag: number }
  | { status: 'WARN'; from: number; to: number; consumed: number };

/** WARN needs the lag to have grown by this fraction across the window. */
const WARN_MIN_GROWTH = 0.1;

const growing = (lags: readonly number[], minLag: number) => {
  const first = lags[0]!;
  const last = lags[lags.length - 1]!;
  return lags.length >= 2 && lags.every((v, i) => i === 0 || v >= lags[i - 1]!) && last >= minLag && last > first && last >= first * (1 + WARN_MIN_GROWTH);
};

/** Burrow's calculatePartitionStatus on what CKafka shows: the committed offset and lag per poll. */
function judgePartition(t: Track, allowedLag: number, warnMinLag: number): PartitionVerdict {
  const seen = t.entries.filter((e) => e !== undefined);
  const now = seen[seen.length - 1]!;
  if (now.l === null || now.l <= allowedLag) return { status: 'OK' };

  // Every rewind that was not followed by a commit at or past the offset it left from.
  let worst: { from: number; to: number } | undefined;
  for (let i = 1; i < seen.length; i++) {
    const from = seen[i - 1]!.c;
    const to = seen[i]!.c;
    if (to >= from || seen.slice(i).some((e) => e.c >= from)) continue;
    if (!worst || from - to > worst.from - worst.to) worst = { from, to };
  }
  if (worst) return { status: 'REWIND', ...worst, now: now.c };

  const lags = seen.map((e) => e.l).filter((l) => l !== null);
  if (lags.some((l) => l <= allowedLag)) return { status: 'OK' };
  // STALL and WARN read the whole window: a partition that appeared inside it is not judged yet.
  if (t.entries[0] === undefined || seen.length < 2) return { status: 'OK' };
  if (seen.every((e) => e.c === now.c)) return { status: 'STALL', lag: now.l };
  const consumed = now.c - seen[0]!.c;
  if (consumed > 0 && growing(lags, warnMinLag)) return { status: 'WARN', from: lags[0]!, to: now.l, consumed };
  return { status: 'OK' };
}

const which = (names: readonly string[], one: string, many: string) => (names.length === 1 ? `${one} ${names[0]}` : `${names.length} ${many} (${list(names)})`);

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
  const allowedLag = input.allowedLag ?? DEFAULT_ALLOWED_LAG;
  const warnMinLag = input.warnMinLag ?? DEFAULT_WARN_MIN_LAG;
  const spec = typeof input.window === 'object' ? input.window : windowSpec(input.window);
  const { seq, full, keep } = cutWindow(input.history, current, spec);
  const lag = current.totalLag;
  const fired = new Map<(typeof SEVERITY)[number], Reason[]>();
  const fire = (code: (typeof SEVERITY)[number], message: string) => {
    fired.set(code, [...(fired.get(code) ?? []), { code, message }]);
  };

  const state = current.state;
  if (state === 'Dead' && input.named && Object.keys(current.topics).length === 0) {
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
  const consumed = consumedAcross(indexes);
  const spanMs = seq.length > 1 ? current.at - seq[0]!.at : 0;
  const out: Evaluation = { status: 'OK', reasons: [], observations: seq.length, keep };
  if (spanMs > 0) {
    const perSec = consumed / (spanMs / 1000);
    out.consumeRatePerSec = Math.round(perSec * 100) / 100;
    out.timeLagSeconds = lag === 0 ? 0 : perSec > 0 ? Math.round(lag / perSec) : null;
  }
  const over = `${seq.length} observations (${span(spanMs)})`;

  if (full) {
    const parts = tracks(indexes);
    const moved = parts.some((t) => t.entries.some((e) => e !== undefined && e.c !== t.entries[t.entries.length - 1]!.c));
    // Messages waiting in every observation, as for STALL: a consumer that was caught up a
    // minute ago and then left may be restarting (Burrow's "recent lag zero" delay).
    const waiting = parts.filter((t) => t.entries[0] !== undefined && t.entries.every((e) => e === undefined || (e.l !== null && e.l > allowedLag)));
    const previous = seq[seq.length - 2]!;
    if (noMembers(state) && noMembers(previous.state) && !moved && waiting.length) {
      const what = state === 'Dead' ? 'is Dead (no members)' : 'has no members (Empty)';
      fire('STOP', `group ${group} ${what} and its committed offsets have not moved for ${over} while ${count(lag)} messages are waiting`);
    } else {
      const verdicts = parts.map((t) => ({ t, v: judgePartition(t, allowedLag, warnMinLag) }));
      const stalls = verdicts.filter((x) => x.v.status === 'STALL');
      if (stalls.length) {
        const stuck = stalls.reduce((s, x) => s + (x.v as { lag: number }).lag, 0);
        fire('STALL', `group ${group}: committed offsets of ${which(stalls.map((x) => x.t.name), 'partition', 'partitions')} have not moved for ${over} while lag is ${count(stuck)}`);
      }
      const rewinds = verdicts.flatMap((x) => (x.v.status === 'REWIND' ? [{ name: x.t.name, ...x.v }] : []));
      if (rewinds.length) {
        rewinds.sort((a, b) => b.from - b.to - (a.from - a.to));
        const r = rewinds[0]!;
        const more = rewinds.length - 1;
        fire(
          'REWIND',
          `group ${group}: committed offset of ${r.name} went back from ${count(r.from)} to ${count(r.to)} and is at ${count(r.now)}, not yet back to ${count(r.from)}` +
            `${more ? ` (and ${more} more partition${more === 1 ? '' : 's'})` : ''} within the last ${over}`,
        );
      }
      const warns = verdicts.flatMap((x) => (x.v.status === 'WARN' ? [{ t: x.t, ...x.v }] : []));
      if (warns.length) {
        const from = warns.reduce((s, w) => s + w.from, 0);
        const to = warns.reduce((s, w) => s + w.to, 0);
        const perSec = warns.reduce((s, w) => s + w.consumed, 0) / (spanMs / 1000);
        fire('WARN', `group ${group} is falling behind on ${which(warns.map((w) => w.t.name), 'partition', 'partitions')}: lag grew from ${count(from)} to ${count(to)} over ${over} while consuming ${rate(perSec)} msg/s`);
      }
      // A topic whose partitions take turns (none rising throughout) can still fall behind as a whole.
      const named = new Set(verdicts.filter((x) => x.v.status !== 'OK').map((x) => x.t.topic));
      for (const topic of new Set(parts.map((t) => t.topic))) {
        if (named.has(topic)) continue;
        const mine = parts.filter((t) => t.topic === topic);
        if (mine.some((t) => t.entries[0] === undefined)) continue;
        const sums = seq.map((_, i) => mine.reduce((s, t) => s + (t.entries[i]?.l ?? 0), 0));
        const taken = mine.reduce((s, t) => s + t.entries[t.entries.length - 1]!.c - t.entries[0]!.c, 0);
        if (taken > 0 && sums.every((v) => v > allowedLag) && growing(sums, warnMinLag)) {
          fire('WARN', `group ${group} is falling behind on topic ${topic}: lag grew from ${count(sums[0]!)} to ${count(sums[sums.length - 1]!)} over ${over} while consuming ${rate(taken / (spanMs / 1000))} msg/s`);
        }
      }
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
