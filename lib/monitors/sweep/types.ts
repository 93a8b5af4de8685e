/** What a sweep record carries besides the common fields (README "Result records"). */
import type { GroupVerdict } from './baseline';
import type { GroupStats } from './counters';
import type { PushResult } from './prometheus';

/** A group's record (`subject` is the group): its run's figures and how they compare with its baseline. */
export type SweepGroupDetail = Omit<GroupStats, 'group'> & Partial<GroupVerdict>;

/** The monitor's own record: the run as a whole. */
export interface SweepRunDetail {
  /** The fan-out run's id (absent for a run done in one invocation). */
  run?: string;
  startedAt: string;
  shards: number;
  /** Shards that never reported, with why when known. */
  lostShards?: { shard: number; why: string }[];
  targets: number;
  probed: number;
  groups: number;
  /** Groups whose records fail. */
  failingGroups: number;
  /** Connects that failed on our side (ephemeral ports, descriptors), by error code. */
  localErrors?: Record<string, number>;
  pushgateway?: PushResult;
}

declare module '../../report/record' {
  interface ResultRecord {
    /** sweep: a group's loss and latency against its baseline. */
    sweep?: SweepGroupDetail;
    /** sweep: the run as a whole. */
    sweepRun?: SweepRunDetail;
  }
}
