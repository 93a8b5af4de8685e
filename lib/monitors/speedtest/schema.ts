/**
 * `type: speedtest`: one site timed from many probe nodes (speedTest). Providers: `chinaz`
 * (the seed's third-party probe nodes), `scf-regions` (our own `probe` function deployed in
 * several SCF regions) and `cat` (Tencent Cloud Automated Testing's probe nodes). Alerts need a quorum of nodes, so one bad node never pages anyone.
 */
import * as v from 'valibot';
import { httpUrl, int, text } from '../../config/fields';
import { hostname, monitorBase, ratio } from '../../config/monitor-base';
import { endpointFits, endpointMessage, KEY_PAIR_MESSAGE, keyPairComplete, tencentApiEntries } from '../../config/tencent-schema';

export const SCF_REGIONS_DEFAULT = ['ap-guangzhou', 'ap-shanghai', 'ap-beijing', 'ap-chengdu', 'ap-hongkong', 'ap-singapore'];
export const ISPS = ['电信', '联通', '移动', '多线'] as const;
/** The task intervals CAT's console offers, in minutes. */
export const CAT_INTERVALS = [1, 5, 10, 15, 30, 60, 120, 240] as const;

const ms = v.pipe(v.number('must be a number of milliseconds'), v.minValue(1, 'must be at least 1'));

const speedtestExpect = v.strictObject({
  /** A node slower than this counts as slow; SLOW_RESPONSE when most answering nodes are. */
  maxTotalMs: v.optional(ms),
  /** Down when more nodes than this failed ... */
  maxFailedNodes: v.optional(int(0, 1000)),
  /** ... or more than this share of them (default 0.5 when neither is set). */
  maxFailedRatio: v.optional(ratio),
  /** Slow or failed nodes must span at least this many provinces (regions) before it alerts. */
  minProvinces: v.optional(int(1, 100), 2),
});

const selection = v.strictObject({
  /** Only nodes of these ISPs: 电信, 联通, 移动, 多线. */
  isps: v.optional(v.array(v.picklist(ISPS, `must be one of ${ISPS.join(', ')}`))),
  /** Only nodes in these provinces (as the provider names them, e.g. 广东, 江苏). */
  provinces: v.optional(v.array(text('a province'))),
  maxNodes: v.optional(int(1, 1000)),
});

export const speedtestMonitor = v.pipe(
  v.strictObject({
    ...monitorBase,
    type: v.literal('speedtest'),
    provider: v.picklist(['chinaz', 'scf-regions', 'cat'], 'must be chinaz, scf-regions or cat'),
    /** The site: a host (chinaz tests a host) or a URL (scf-regions and cat fetch it); one of the two. */
    host: v.optional(hostname),
    url: v.optional(httpUrl),
    /** chinaz: the site's base URL (a private mirror, or a stand-in in tests). */
    providerUrl: v.optional(httpUrl, 'https://tool.chinaz.com'),
    /** scf-regions: where the `probe` function is deployed, and its name and namespace there. */
    regions: v.optional(v.pipe(v.array(text('an SCF region')), v.minLength(1, 'must list at least one region')), SCF_REGIONS_DEFAULT),
    probeFunction: v.optional(text('a function name'), 'probe'),
    namespace: v.optional(text('a namespace'), 'default'),
    /**
     * cat: how often CAT's task (created once, named after the monitor) loads the page from
     * each node, in minutes; every node run is billed by CAT.
     */
    catIntervalMinutes: v.optional(v.picklist(CAT_INTERVALS, `must be one of ${CAT_INTERVALS.join(', ')} (minutes)`), 5),
    select: v.optional(selection, {}),
    /** Nodes probed at once, and the time one node may take (within the run's deadline). */
    concurrency: v.optional(int(1, 100), 20),
    nodeTimeoutMs: v.optional(int(100, 120_000), 15_000),
    expect: v.optional(speedtestExpect, {}),
    ...tencentApiEntries,
  }),
  v.check((m) => m.host !== undefined || m.url !== undefined, 'needs host (www.example.com) or url (https://www.example.com/)'),
  v.check((m) => keyPairComplete(m), KEY_PAIR_MESSAGE),
  v.check((m) => m.provider === 'cat' || endpointFits(m, 'scf'), endpointMessage('scf')),
  v.check((m) => m.provider !== 'cat' || endpointFits(m, 'cat'), endpointMessage('cat')),
);

export type SpeedtestMonitor = v.InferOutput<typeof speedtestMonitor>;
