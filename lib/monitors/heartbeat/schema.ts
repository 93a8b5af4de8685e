/**
 * `type: heartbeat`: a job that pings us (CrazyMonitor's "did the report come in time",
 * Healthchecks' period and grace). Either `period` (a ping at least this often) or `cron`
 * (a ping after each scheduled time, in `tz`); down when `grace` passes after that with no
 * ping, after a `/start` with no success, or on a reported failure.
 */
import * as v from 'valibot';
import { cron, timezone } from '../../config/alerting-schema';
import { duration, text } from '../../config/fields';
import { monitorBase, urlName } from '../../config/monitor-base';

export const heartbeatMonitor = v.pipe(
  v.strictObject({
    ...monitorBase,
    name: urlName,
    type: v.literal('heartbeat'),
    /** A ping is expected at least this often. */
    period: v.optional(duration(10_000, 365 * 86_400_000)),
    /** Or: a ping after each time this schedule fires. */
    cron: v.optional(cron),
    tz: v.optional(timezone, 'Asia/Shanghai'),
    /** How late a ping may be before the check is down; also how long a /start may run. */
    grace: v.optional(duration(0, 30 * 86_400_000), '5m'),
    /** Pings must carry it (Authorization: Bearer, or ?token=); else `ingest.token`. */
    token: v.optional(text('a token')),
  }),
  v.check((m) => (m.period === undefined) !== (m.cron === undefined), 'needs either period (such as "5m") or cron (such as "0 3 * * *"), not both'),
);

export type HeartbeatMonitor = v.InferOutput<typeof heartbeatMonitor>;
