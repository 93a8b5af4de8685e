/**
 * `type: sweep` (the sweep function): netsky's reachability sweep. Many addresses, labelled by
 * province and ISP (or any columns), each connected to over TCP; loss and latency per group,
 * judged against the group's own rolling baseline.
 */
import * as v from 'valibot';
import { duration, httpUrl, int, text } from '../../config/fields';
import { monitorBase } from '../../config/monitor-base';
import { endpointFits, endpointMessage, KEY_PAIR_MESSAGE, keyPairComplete, tencentApiEntries } from '../../config/tencent-schema';

/** An SCF instance has 1,024 descriptors; the runtime, the store and the API client need some. */
export const MAX_IN_FLIGHT = 900;
export const MAX_TARGETS = 5_000_000;

const row = v.pipe(v.string('must be a row "address[:port],province,isp" or "cidr,province,isp"'), v.nonEmpty('must not be empty'));

const targetSource = v.union(
  [
    v.pipe(v.array(row), v.minLength(1, 'must list at least one row')),
    v.strictObject({ file: text('a path relative to the config file') }),
    v.strictObject({ url: v.pipe(httpUrl, v.check((s) => new URL(s).protocol === 'https:', 'must be an https:// URL')) }),
  ],
  'must be a list of rows, { file: targets.csv } or { url: https://... }',
);

const deviation = v.strictObject({
  /** A group deviates when its loss exceeds the baseline's by more than this many percentage points ... */
  lossPoints: v.optional(v.pipe(v.number('must be a number of percentage points'), v.minValue(0, 'must be at least 0'), v.maxValue(100, 'must be at most 100')), 5),
  /** ... or its median connect time exceeds the baseline's this many times ... */
  latencyFactor: v.optional(v.pipe(v.number('must be a factor'), v.minValue(1, 'must be at least 1')), 2),
  /** ... and by at least this much, so that a 0.2 ms group does not page anyone at 0.5 ms. */
  latencyMinDeltaMs: v.optional(v.pipe(v.number('must be a number of milliseconds'), v.minValue(0, 'must be at least 0')), 5),
  /** Consecutive deviating runs before the group's record fails. */
  runs: v.optional(int(1, 1000), 3),
});

const baseline = v.strictObject({
  /** The rolling window a group's usual loss and latency are taken over. */
  window: v.optional(duration(3_600_000, 30 * 86_400_000), '12h'),
  /** Runs the baseline must hold before anything is judged against it. */
  minRuns: v.optional(int(1, 10_000), 3),
});

const fanout = v.pipe(
  v.strictObject({
    /** More targets × ports than this and the run is split into shards, one invocation each. */
    targetsPerShard: v.optional(int(1, 1_000_000), 10_000),
    maxShards: v.optional(int(2, 1000), 100),
    /** This function as deployed; default SCF_FUNCTIONNAME, SCF_NAMESPACE and TENCENTCLOUD_REGION, which SCF sets. */
    functionName: v.optional(text('a function name')),
    namespace: v.optional(text('a namespace')),
    region: v.optional(text('an SCF region')),
    ...tencentApiEntries,
  }),
  v.check((f) => keyPairComplete(f), KEY_PAIR_MESSAGE),
  v.check((f) => endpointFits(f, 'scf'), endpointMessage('scf')),
);

const pushgateway = v.strictObject({
  url: httpUrl,
  job: v.optional(v.pipe(text('a job name'), v.regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus label value of letters, digits, _ and :')), 'scf_monitor_sweep'),
  timeoutMs: v.optional(int(100, 60_000), 5000),
});

export const sweepMonitor = v.pipe(
  v.strictObject({
    ...monitorBase,
    type: v.literal('sweep'),
    targets: targetSource,
    /** The label columns after the address, in order. */
    columns: v.optional(v.pipe(v.array(v.pipe(text('a column name'), v.regex(/^[a-z_][a-z0-9_]*$/, 'must be lower case letters, digits and _'))), v.minLength(1, 'must name at least one column')), ['province', 'isp']),
    /** The columns a group is made of (default all of them: province × ISP). */
    groupBy: v.optional(v.pipe(v.array(text('a column name')), v.minLength(1, 'must name at least one column'))),
    /** Ports tried on every address that names none of its own; each address × port is a target. */
    ports: v.optional(v.pipe(v.array(int(1, 65535, 'a port number')), v.minLength(1, 'must list at least one port')), [80]),
    attempts: v.optional(int(1, 10), 3),
    connectTimeoutMs: v.optional(int(10, 60_000), 2000),
    /** Connections in flight at once, under the instance's 1,024 file descriptors. */
    concurrency: v.optional(int(1, MAX_IN_FLIGHT, `a whole number up to ${MAX_IN_FLIGHT}`), 800),
    maxTargets: v.optional(int(1, MAX_TARGETS), 1_000_000),
    /** PEM of a private CA (or a path to one, relative to the config) for a `targets.url` server. */
    ca: v.optional(text('a PEM certificate or a path to one')),
    deviation: v.optional(deviation, {}),
    baseline: v.optional(baseline, {}),
    fanout: v.optional(fanout),
    pushgateway: v.optional(pushgateway),
  }),
  v.check((m) => (m.groupBy ?? m.columns).every((c) => m.columns.includes(c)), 'groupBy must name only columns listed in `columns`'),
  v.check((m) => new Set(m.columns).size === m.columns.length, 'columns must not repeat a name'),
);

export type SweepMonitor = v.InferOutput<typeof sweepMonitor>;
