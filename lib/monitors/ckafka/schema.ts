/**
 * `type: ckafka`: consumer-group lag of one CKafka instance (kafkaLag). Lag thresholds come
 * from the seed (`max_lag`); STOP/STALL/WARN/REWIND follow Burrow's evaluation over the last
 * `window` observations kept in the state store.
 */
import * as v from 'valibot';
import { int, text } from '../../config/fields';
import { monitorBase } from '../../config/monitor-base';
import { endpointFits, endpointMessage, KEY_PAIR_MESSAGE, keyPairComplete, tencentApiEntries } from '../../config/tencent-schema';

const lagCount = int(0, Number.MAX_SAFE_INTEGER, 'a number of messages');

const ckafkaExpect = v.strictObject({
  /** Alert (LAG_THRESHOLD) when a group's total lag is above this. */
  maxLag: v.optional(lagCount),
  /** Per-topic limits, checked against the topic's summed lag. */
  topicMaxLag: v.optional(v.record(text('a topic name'), lagCount)),
  /** Alert when lag divided by the recent consumption rate is above this many seconds. */
  maxLagSeconds: v.optional(v.pipe(v.number('must be a number of seconds'), v.minValue(1, 'must be at least 1'))),
});

export const ckafkaMonitor = v.pipe(
  v.strictObject({
    ...monitorBase,
    type: v.literal('ckafka'),
    region: text('a region such as ap-guangzhou'),
    instanceId: v.pipe(text('a CKafka instance id'), v.regex(/^ckafka-[\w-]+$/, 'must be a CKafka instance id (ckafka-xxxxxxxx)')),
    /** The consumer groups to watch; every group of the instance when left out. */
    groups: v.optional(v.pipe(v.array(text('a consumer group')), v.minLength(1, 'must list at least one group (or leave groups out for all)'))),
    /** Observations kept per group and partition; until there are this many the status is WARMING_UP. */
    window: v.optional(int(2, 50), 5),
    expect: v.optional(ckafkaExpect, {}),
    ...tencentApiEntries,
  }),
  v.check((m) => keyPairComplete(m), KEY_PAIR_MESSAGE),
  v.check((m) => endpointFits(m, 'ckafka'), endpointMessage('ckafka')),
);

export type CkafkaMonitor = v.InferOutput<typeof ckafkaMonitor>;
