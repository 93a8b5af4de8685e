/**
 * `type: host`: a server that reports its cpu, memory, disk and network (MonitorChildLinux's
 * server-info, pushed by `scf-monitor agent`). Unreachable when no report came within
 * `interval` plus `tolerance` (CrazyMonitor's REPORT_LATE_TOLERANCE_TIME); a problem when a
 * figure stays over its limit for the last `over` reports, so one spike is no alert.
 */
import * as v from 'valibot';
import { duration, int, text } from '../../config/fields';
import { monitorBase, urlName } from '../../config/monitor-base';

const percent = v.pipe(v.number('must be a percentage'), v.minValue(0, 'must be at least 0'), v.maxValue(100, 'must be at most 100'));

const hostExpect = v.strictObject({
  maxCpu: v.optional(percent),
  maxMemory: v.optional(percent),
  /** Checked for every mount the agent reports. */
  maxDisk: v.optional(percent),
  /** Received plus sent, per interface, from consecutive counters. */
  maxNetworkMbps: v.optional(v.pipe(v.number('must be a number of Mbit/s'), v.minValue(0.001, 'must be more than 0'))),
  /** How many reports in a row must be over a limit. */
  over: v.optional(int(1, 100), 3),
});

export const hostMonitor = v.strictObject({
  ...monitorBase,
  name: urlName,
  type: v.literal('host'),
  /** How often the agent reports. */
  interval: v.optional(duration(5000, 86_400_000), '30s'),
  /** How late a report may be before the host is unreachable. */
  tolerance: v.optional(duration(0, 86_400_000), '60s'),
  /** Reports must carry it (Authorization: Bearer, or ?token=); else `ingest.token`. */
  token: v.optional(text('a token')),
  expect: v.optional(hostExpect, {}),
});

export type HostMonitor = v.InferOutput<typeof hostMonitor>;
