/**
 * The config's shape, defaults and per-field messages, assembled from parts: the run-wide
 * settings here, the rules and state in alerting-schema.ts, and the monitor and channel
 * schemas of each type, which their own folders define (lib/monitors/<type>/schema.ts,
 * lib/channels/<type>/schema.ts) and callers pass in. Defaults follow the seeds
 * (Connection_monitor: 10 samples 1 s apart, 3 s connect, 5 s read, 3 attempts, success rate
 * 0.7, mean 5 s). `scripts/schema.ts` turns the full config into schema/monitors.schema.json.
 */
import * as v from 'valibot';
import { alerts, state, type MonitorAlert } from './alerting-schema';
import type { ChannelConfig } from './channel-base';
import { duration, httpUrl, int, text } from './fields';
import { monitorBase } from './monitor-base';

/** Our own network, checked first: when it fails, failing targets are PROBE_NETWORK. */
const canary = v.strictObject({
  url: httpUrl,
  timeoutMs: v.optional(int(1, 60_000), 3000),
  insecure: v.optional(v.boolean('must be true or false'), false),
});/** The ingest function (pings and host reports): who may send, and how much. */
const ingest = v.strictObject({
  /** Accepted for any check or host that has no token of its own. */
  token: v.optional(text('a token')),
  /** Pings (or reports) one check may send a minute; more get 429. Healthchecks allows 5. */
  rateLimitPerMinute: v.optional(int(1, 10_000), 5),
  /** Of a ping's body, this many bytes are kept and shown in the alert; the rest is cut. */
  keepBodyBytes: v.optional(int(0, 100_000), 10_240),
  /** A request body larger than this is refused with 413. */
  maxBodyBytes: v.optional(int(1024, 1_048_576), 102_400),
});

/** What every run keeps of its records (lib/history), for the api function and the status page. */
const history = v.strictObject({
  enabled: v.optional(v.boolean('must be true or false'), true),
  /** Points older than this are dropped as runs write (and by POST /api/cleanup). The seed kept two days. */
  retention: v.optional(duration(3_600_000, 90 * 86_400_000), '2d'),
});

/** The api function (HTTP): history, thresholds, the status page, badges and /metrics. */
const api = v.strictObject({
  /** When set, every GET needs it (or the admin token); unset, reading is public (a status page to share). */
  readToken: v.optional(text('a token')),
  /** Needed for PUT/DELETE /api/thresholds and POST /api/cleanup; unset, those answer 403. */
  adminToken: v.optional(text('a token')),
  /** The status page's title. */
  title: v.optional(text('a title'), 'scf-monitor'),
  /** The status page's language when the browser asks for neither (?lang= and Accept-Language win). */
  locale: v.optional(v.picklist(['zh-CN', 'en'], 'must be zh-CN or en'), 'zh-CN'),
});

/** Prometheus: an optional push to a Pushgateway after every run (GET /metrics on the api is the pull side). */
const metrics = v.strictObject({
  pushgateway: v.optional(httpUrl),
  job: v.optional(v.pipe(text('a job name'), v.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _, . and - (at most 64)')), 'scf-monitor'),
  /** One push waits at most this long (and never past the run's deadline). */
  timeoutMs: v.optional(int(100, 30_000), 3000),
});

/** What the runtime and alerting may read of any monitor (monitorBase's fields); each type reads the rest. */
export interface MonitorConfig {
  name: string;
  type: string;
  tags: string[];
  enabled: boolean;
  alert?: MonitorAlert;
}

/** An object schema (or a pipe of one) whose `type` is a literal: a variant of the config's lists. */
export type TypedSchema = v.VariantOptions<'type'>[number] & { entries: { type: { literal: string } } };
export type MonitorSchema = TypedSchema;
export type ChannelSchema = TypedSchema;

export interface SchemaParts {
  /** The types validated in full. */
  monitors: readonly MonitorSchema[];
  channels: readonly ChannelSchema[];
  /**
   * Types that other functions run: a function bundle carries only its own types' schemas, so
   * their monitors get only the common fields checked here (`validate` and the build check
   * them in full). A type in neither list is an error.
   */
  otherMonitorTypes?: readonly string[];
  /** From source with no list of types (a test of one function): any other type passes by its common fields. */
  anyOtherType?: boolean;
}

const entries = (monitor: v.GenericSchema<unknown, MonitorConfig>, channel: v.GenericSchema<unknown, ChannelConfig>) => ({
  concurrency: v.optional(int(1, 1000), 20),
  deadlineMarginMs: v.optional(int(0, 60_000), 1000),
  canary: v.optional(canary),
  /** Pinged after every completed run (a dead-man's switch such as Healthchecks); one URL or one per function. */
  heartbeatUrl: v.optional(v.union([httpUrl, v.record(v.string(), httpUrl)], 'must be a URL or a mapping of function name to URL')),
  state: v.optional(state, { type: 'file', path: '/tmp/scf-monitor' }),
  ingest: v.optional(ingest, {}),
  history: v.optional(history, {}),
  api: v.optional(api, {}),
  metrics: v.optional(metrics, {}),
  channels: v.optional(v.record(v.pipe(v.string(), v.regex(/^[\w.-]{1,64}$/, 'channel names are letters, digits, _, . and -')), channel), {}),
  alerts: v.optional(alerts, {}),
  monitors: v.pipe(v.array(monitor, 'must be a list of monitors'), v.minLength(1, 'must list at least one monitor')),
});

export function configSchema(parts: SchemaParts) {
  const ownTypes = new Set(parts.monitors.map((s) => s.entries.type.literal));
  const otherType = parts.anyOtherType
    ? v.pipe(v.string(), v.check((t) => !ownTypes.has(t)))
    : parts.otherMonitorTypes?.length
      ? v.picklist(parts.otherMonitorTypes as string[])
      : undefined;
  const others = otherType ? [v.looseObject({ ...monitorBase, type: otherType })] : [];
  const monitor = v.variant('type', [...parts.monitors, ...others]) as unknown as v.GenericSchema<unknown, MonitorConfig>;
  const channel = v.variant('type', parts.channels) as unknown as v.GenericSchema<unknown, ChannelConfig>;
  return v.strictObject(entries(monitor, channel));
}

export type ConfigSchema = ReturnType<typeof configSchema>;
export type Config = v.InferOutput<ConfigSchema>;
export type CanaryConfig = v.InferOutput<typeof canary>;
export type IngestConfig = v.InferOutput<typeof ingest>;
export type HistoryConfig = v.InferOutput<typeof history>;
export type ApiConfig = v.InferOutput<typeof api>;
export type MetricsConfig = v.InferOutput<typeof metrics>;
