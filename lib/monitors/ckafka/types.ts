/**
 * What a ckafka record carries besides the common fields (ResultRecord.lag), and the shapes the
 * kafka files pass between them. Offsets and lags are message counts; times are epoch ms.
 */

/**
 * The group's status: the most severe rule that fired (see evaluate.ts), else OK, or
 * WARMING_UP while the observations do not cover `window` yet (only the thresholds checked).
 * A record whose offsets could not be read has no `lag` at all: its reason (PROVIDER_ERROR,
 * DEADLINE) says why.
 */
export type LagStatus = 'OK' | 'WARMING_UP' | 'LAG_THRESHOLD' | 'STOP' | 'STALL' | 'WARN' | 'REWIND';

/** The group states DescribeGroupInfo reports; anything else is passed through as a string. */
export type GroupState = 'Stable' | 'Empty' | 'Dead' | 'PreparingRebalance' | 'CompletingRebalance' | (string & {});

/** One partition as the monitor understood it. */
export interface PartitionLag {
  topic: string;
  partition: number;
  /** The committed offset; -1 when the group never committed one for this partition. */
  committed: number;
  /** The partition's log end offset, when the API gave one. */
  logEnd?: number;
  /**
   * Messages waiting, as counted into the sums (never negative). Undefined when unknown: never
   * committed, a partition error, or no Lag / LogEndOffset in the answer.
   */
  lag?: number;
  /** Why `lag` is missing or was not counted: the API's own figure stays visible here. */
  note?: 'uncommitted' | 'negative-lag' | 'partition-error' | 'no-log-end';
  /** The API's Lag (or LogEndOffset - Offset) when it was negative. */
  rawLag?: number;
  /** The partition's Kafka error code, when not 0. */
  errorCode?: number;
}

/** The record's `lag`: everything an alert or a dashboard needs about one consumer group. */
export interface GroupLagDetail {
  group: string;
  status: LagStatus;
  /** From DescribeGroupInfo: Stable, Empty, Dead, PreparingRebalance, CompletingRebalance. */
  state?: GroupState;
  /** Consumers in the group (the API lists them only while the group is Stable). */
  members?: number;
  /** Sum of every counted partition lag. */
  totalLag: number;
  /** Summed lag per topic, largest first. */
  topicLag: Record<string, number>;
  topics: number;
  partitions: number;
  /** Up to ten partitions with the largest lag, largest first. */
  worst: PartitionLag[];
  /** Partitions the group never committed an offset for (offset -1): not counted in the sums. */
  uncommittedPartitions: number;
  /** Partitions whose lag came back negative (log truncated or recreated): counted as 0. */
  negativeLagPartitions: number;
  /** Partitions the API answered with a Kafka error code, or without a log end offset: not counted. */
  unreadablePartitions: number;
  /** Messages committed per second over the window's observations, when two or more exist. */
  consumeRatePerSec?: number;
  /**
   * Lag divided by the consumption rate: how far behind the group is in time. Null when
   * nothing was consumed while lag was waiting (unbounded); absent without a rate.
   */
  timeLagSeconds?: number | null;
  /** Observations the evaluation used, this one included; WARMING_UP until they cover `window`. */
  observations: number;
  /** As configured: a count of observations or a duration such as "10m". */
  window: number | string;
  /** When the history could not be read or written: evaluated on this observation alone. */
  historyError?: string;
}

/**
 * One run's view of a group, kept in the state store as the history (history.ts). Compact on
 * purpose: 200 topics x 12 partitions x the window's observations are read and written every run.
 */
export interface Observation {
  /** When the offsets were read (epoch ms). */
  at: number;
  state?: GroupState;
  members?: number;
  totalLag: number;
  /** Per topic: [partition, committed offset (-1: none), counted lag (null: unknown)]. */
  topics: Record<string, [number, number, number | null][]>;
}

declare module '../../report/record' {
  interface ResultRecord {
    /** ckafka: the consumer group's lag, partitions and status. */
    lag?: GroupLagDetail;
  }
}
