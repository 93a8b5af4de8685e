/**
 * `type: ckafka`: consumer-group lag of one CKafka instance (kafkaLag). Lag thresholds come
 * from the seed (`max_lag`); STOP/STALL/WARN/REWIND follow Burrow's evaluation over the
 * `window` of observations kept in the state store.
 */
import * as v from 'valibot';
import { int, text } from '../../config/fields';
import { monitorBase } from '../../config/monitor-base';
import { endpointFits, endpointMessage, KEY_PAIR_MESSAGE, keyPairComplete, tencentApiEntries } from '../../config/tencent-schema';
import { DURATION_PATTERN, MAX_OBSERVATIONS, parseDuration } from './window';

const lagCount = int(0, Number.MAX_SAFE_INTEGER, 'a number of messages');

const ckafkaExpect = v.strictObject({
  /** Alert (LAG_THRESHOLD) when a group's total lag is above this. */
  maxLag: v.optional(lagCount),
  /** Per-topic limits, checked against the topic's summed lag. */
  topicMaxLag: v.optional(v.record(text('a topic name'), lagCount)),
  /** Alert when lag divided by the recent consumption rate is above this many seconds. */
  maxLagSeconds: v.optional(v.pipe(v.number('must be a number of seconds'), v.minValue(1, 'must be at least 1'))),
});

/**
 * A transactional producer leaves a control marker after each transaction's messages: a
 * consumer that read everything stays 1 behind for ever. At or below this a partition is fine.
 */
export const DEFAULT_ALLOWED_LAG = 1;
/** Lag a partition (or topic) must reach before "falling behind" is worth a WARN. */
export const DEFAULT_WARN_MIN_LAG = 1000;
/** Long enough for consumers that commit every few minutes (Flink checkpoints, batch jobs). */
export const DEFAULT_WINDOW = '10m';

const WINDOW_MIN_MS = 60_000;
const WINDOW_MAX_MS = 24 * 3_600_000;

/** A count of observations (the original form) or a duration such as 10m, 90s, 1h30m. */
const windowField = v.union(
  [
    int(2, MAX_OBSERVATIONS, 'a number of observations'),
    v.pipe(
      v.string(),
      v.regex(DURATION_PATTERN, 'must be a duration such as 10m, 90s or 1h30m, or a number of observations'),
      v.check((s) => (parseDuration(s) ?? 0) >= WINDOW_MIN_MS, 'must be at least 1m'),
      v.check((s) => (parseDuration(s) ?? 0) <= WINDOW_MAX_MS, 'must be at most 24h'),
    ),
  ],
  `must be a duration such as 10m, or a number of observations from 2 to ${MAX_OBSERVATIONS}`,
);

const lagOptions = {
  /** At or below this lag a partition is OK: never STALL, STOP, REWIND or WARN. */
  allowedLag: v.optional(lagCount),
  /** WARN only once the partition's (or topic's) lag is at least this. */
  warnMinLag: v.optional(lagCount),
};

const strayOverrides = (m: { groups?: string[] | undefined; groupOverrides?: Record<string, unknown> | undefined }) =>
  m.groups && m.groupOverrides ? Object.keys(m.groupOverrides).filter((g) => !m.groups!.includes(g)) : [];

export const ckafkaMonitor = v.pipe(
  v.strictObject({
    ...monitorBase,
    type: v.literal('ckafka'),
    region: text('a region such as ap-guangzhou'),
    instanceId: v.pipe(text('a CKafka instance id'), v.regex(/^ckafka-[\w-]+$/, 'must be a CKafka instance id (ckafka-xxxxxxxx)')),
    /** The consumer groups to watch; every group of the instance when left out. */
    groups: v.optional(v.pipe(v.array(text('a consumer group')), v.minLength(1, 'must list at least one group (or leave groups out for all)'))),
    /**
     * What the rules look back over: a duration (observations spanning at least that long) or a
     * count of observations. Until it is covered the status is WARMING_UP.
     */
    window: v.optional(windowField, DEFAULT_WINDOW),
    allowedLag: v.optional(lagCount, DEFAULT_ALLOWED_LAG),
    warnMinLag: v.optional(lagCount, DEFAULT_WARN_MIN_LAG),
    /** Per consumer group: allowedLag and warnMinLag in place of the monitor's. */
    groupOverrides: v.optional(v.record(text('a consumer group'), v.strictObject(lagOptions))),
    expect: v.optional(ckafkaExpect, {}),
    ...tencentApiEntries,
  }),
  v.check((m) => keyPairComplete(m), KEY_PAIR_MESSAGE),
  // An override for a group the monitor does not watch is a typo that would silently not apply.
  v.forward(
    v.check(
      (m) => strayOverrides(m).length === 0,
      (issue) => `${strayOverrides(issue.input as Parameters<typeof strayOverrides>[0]).join(', ')}: not in groups (${(issue.input as { groups: string[] }).groups.join(', ')})`,
    ),
    ['groupOverrides'],
  ),
  v.check((m) => endpointFits(m, 'ckafka'), endpointMessage('ckafka')),
);

export type CkafkaMonitor = v.InferOutput<typeof ckafkaMonitor>;
