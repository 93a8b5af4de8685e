/**
 * The alerting half of the config: where state lives and the incident rules (`alerts`, merged per monitor by its `alert`). Gatus's alert settings are the
 * anchor for the rule names and defaults; failureThreshold 1 is the seeds' behaviour.
 */
import * as v from 'valibot';
import { parseCron } from '../util/cron';
import { int, text } from './fields';

export const cron = v.pipe(
  v.string('must be a 5-field cron expression'),
  v.check((s) => {
    try {
      parseCron(s);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid 5-field cron expression (minute hour day-of-month month day-of-week)'),
);

export const timezone = v.pipe(
  v.string('must be an IANA time zone'),
  v.check((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'not a known time zone (for example Asia/Shanghai)'),
);

export const maintenanceWindow = v.strictObject({
  /** When a window starts, e.g. "0 2 * * 6" for 02:00 on Saturdays. */
  cron,
  durationMinutes: int(1, 7 * 24 * 60),
  timezone: v.optional(timezone, 'Asia/Shanghai'),
});

const channelNames = v.array(text('a channel name'));

/** Rules a monitor's `alert` may override. */
const ruleEntries = {
  channels: v.optional(channelNames),
  failureThreshold: v.optional(int(1, 1000)),
  successThreshold: v.optional(int(1, 1000)),
  sendOnResolved: v.optional(v.boolean('must be true or false')),
  remindEveryMinutes: v.optional(int(0, 30 * 24 * 60)),
  maintenance: v.optional(v.array(maintenanceWindow)),
};

export const monitorAlert = v.strictObject(ruleEntries);

export const alerts = v.strictObject({
  ...ruleEntries,
  /**
   * Told when a monitor cannot measure (PROVIDER_ERROR, PROBE_NETWORK): a problem of the
   * monitoring, not of the target. Unset: each monitor's own channels, and the message says so.
   */
  monitoringChannels: v.optional(channelNames),
  /** Told when another channel fails permanently or an alert goes to the dead-letter list. */
  fallback: v.optional(text('a channel name')),
  /** Undelivered alerts older than this move to the dead-letter list. */
  deadLetterHours: v.optional(int(1, 24 * 30), 24),
});

export const DEFAULT_RULES = {
  channels: [] as string[],
  failureThreshold: 1,
  successThreshold: 1,
  sendOnResolved: true,
  remindEveryMinutes: 60,
  maintenance: [] as v.InferOutput<typeof maintenanceWindow>[],
};

export const fileState = v.strictObject({
  type: v.literal('file'),
  path: v.optional(text('a directory'), '/tmp/scf-monitor'),
});

export const redisState = v.strictObject({
  type: v.literal('redis'),
  url: v.pipe(
    v.string('must be a redis:// or rediss:// URL'),
    v.check((s) => URL.canParse(s) && /^rediss?:$/.test(new URL(s).protocol), 'must be a redis:// or rediss:// URL'),
  ),
  keyPrefix: v.optional(text('a key prefix'), 'scf-monitor:'),
  connectTimeoutMs: v.optional(int(100, 60_000), 3000),
});

export const state = v.variant('type', [fileState, redisState]);

export type AlertsConfig = v.InferOutput<typeof alerts>;
export type MonitorAlert = v.InferOutput<typeof monitorAlert>;
export type MaintenanceWindow = v.InferOutput<typeof maintenanceWindow>;
export type StateConfig = v.InferOutput<typeof state>;
export type Rules = typeof DEFAULT_RULES;
