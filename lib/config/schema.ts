/**
 * The config's shape, defaults and per-field messages. Defaults follow the seeds
 * (Connection_monitor: 10 samples 1 s apart, 3 s connect, 5 s read, 3 attempts, success
 * rate 0.7, mean 5 s). `scripts/schema.ts` turns this into schema/monitors.schema.json.
 */
import { isIP } from 'node:net';
import * as v from 'valibot';
import { alerts, channel, state } from './alerting-schema';
import { httpUrl, int, text } from './fields';
import { ckafkaMonitor } from './ckafka-schema';
import { hostname, monitorBase, ratio } from './monitor-base';
import { speedtestMonitor } from './speedtest-schema';

const regexSource = v.pipe(
  v.string('must be a regular expression'),
  v.check((s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression'),
);

/** `200`, `"2xx"` or `"200-299"`; normalised to inclusive ranges. */
const statusItem = v.union(
  [
    v.pipe(int(100, 599, 'an HTTP status code'), v.transform((n): [number, number] => [n, n])),
    v.pipe(
      v.string(),
      v.regex(/^([1-5])xx$|^([1-5]\d\d)-([1-5]\d\d)$/, ''),
      v.transform((s): [number, number] => {
        const m = /^([1-5])xx$/.exec(s);
        if (m) return [Number(m[1]) * 100, Number(m[1]) * 100 + 99];
        const [lo, hi] = s.split('-').map(Number) as [number, number];
        return [lo, hi];
      }),
      v.check(([lo, hi]) => lo <= hi, 'range must go from low to high'),
    ),
  ],
  'must be a status code (200), a class ("2xx") or a range ("200-299")',
);

const statusList = v.pipe(
  v.union(
    [v.number(), v.string(), v.array(v.unknown())],
    'must be a status code (200), a class ("2xx"), a range ("200-299") or a list of them',
  ),
  v.transform((s) => (Array.isArray(s) ? s : [s])),
  v.array(statusItem),
  v.minLength(1, 'must list at least one status'),
);

const common = {
  ...monitorBase,
  samples: v.optional(int(1, 100), 10),
  intervalMs: v.optional(int(0, 600_000), 1000),
  connectTimeoutMs: v.optional(int(1, 120_000), 3000),
  attempts: v.optional(int(1, 10), 3),
};

/** A DNS server as `ip`, `ip:port` or `[ipv6]:port`; port 53 when left out. */
export const dnsServer = v.pipe(
  v.string('must be a DNS server address'),
  v.check((s) => parseDnsServer(s) !== undefined, 'must be an IP address, optionally with :port (10.0.0.51, 10.0.0.52:5353, [::1]:53)'),
);

const dnsServerList = v.pipe(v.array(dnsServer, 'must be a list of DNS servers'), v.minLength(1, 'must list at least one server'));

export function parseDnsServer(s: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(s) ?? /^([^:\[\]]+)(?::(\d{1,5}))?$/.exec(s) ?? /^([^\[\]]*:[^\[\]]*)()$/.exec(s);
  if (!m) return undefined;
  const host = m[1] as string;
  const port = m[2] ? Number(m[2]) : 53;
  // Bracketed or bare IPv6, or IPv4 only where no brackets were used.
  const family = isIP(host);
  if (family === 0 || (family === 4 && s.startsWith('['))) return undefined;
  if (port < 1 || port > 65535) return undefined;
  return { host, port };
}

const httpExpect = v.strictObject({
  status: v.optional(statusList, '200-399'),
  minSuccessRate: v.optional(ratio, 0.7),
  maxMeanMs: v.optional(v.pipe(v.number('must be a number of milliseconds'), v.minValue(1, 'must be at least 1')), 5000),
  bodyContains: v.optional(v.union([text('text to find'), v.array(text('text to find'))], 'must be text or a list of texts')),
  bodyMatches: v.optional(regexSource),
  certMinDays: v.optional(int(0, 3650)),
});

export const httpMonitor = v.strictObject({
  ...common,
  type: v.literal('http'),
  url: httpUrl,
  method: v.optional(v.picklist(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], 'must be GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS'), 'GET'),
  headers: v.optional(v.record(v.string(), v.string('header values must be text')), {}),
  body: v.optional(v.string('must be text')),
  readTimeoutMs: v.optional(int(1, 600_000), 5000),
  followRedirects: v.optional(v.boolean('must be true or false'), true),
  maxRedirects: v.optional(int(0, 20), 5),
  maxBodyBytes: v.optional(int(0, 64 * 1024 * 1024), 1024 * 1024),
  insecure: v.optional(v.boolean('must be true or false'), false),
  ca: v.optional(text('a PEM certificate or a path to one')),
  /** Resolve the URL's host through these servers instead of the system resolver. */
  dnsServers: v.optional(dnsServerList),
  expect: v.optional(httpExpect, {}),
});

const tcpExpect = v.strictObject({
  minSuccessRate: v.optional(ratio, 0.7),
  maxMeanMs: v.optional(v.pipe(v.number('must be a number of milliseconds'), v.minValue(1, 'must be at least 1')), 5000),
});

export const tcpMonitor = v.strictObject({
  ...common,
  type: v.literal('tcp'),
  host: hostname,
  port: int(1, 65535, 'a port number'),
  /** Resolve the host through these servers instead of the system resolver. */
  dnsServers: v.optional(dnsServerList),
  expect: v.optional(tcpExpect, {}),
});

const cidr = v.pipe(
  v.string('must be a CIDR block'),
  v.check((s) => {
    const [addr, bits, extra] = s.split('/');
    const family = addr ? isIP(addr) : 0;
    if (extra !== undefined || family === 0) return false;
    return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
  }, 'must be a CIDR block such as 14.215.177.0/24'),
);

const dnsExpect = v.strictObject({
  /** Each of these values must be among a server's answers. */
  answersInclude: v.optional(v.array(text('an expected answer'))),
  /** Every A/AAAA answer must fall inside one of these blocks. */
  answersWithin: v.optional(v.array(cidr)),
  /** Every listed server must answer (DNS_SERVER_DOWN otherwise); false: at least one. */
  allServersAnswer: v.optional(v.boolean('must be true or false'), true),
  maxMs: v.optional(v.pipe(v.number('must be a number of milliseconds'), v.minValue(1, 'must be at least 1'))),
});

export const dnsMonitor = v.strictObject({
  ...monitorBase,
  type: v.literal('dns'),
  query: v.pipe(hostname, v.maxLength(253, 'must be at most 253 characters')),
  recordType: v.optional(v.picklist(['A', 'AAAA', 'CNAME', 'TXT'], 'must be A, AAAA, CNAME or TXT'), 'A'),
  /** Asked in parallel over UDP; the system's resolvers when left out. */
  servers: v.optional(v.pipe(v.array(dnsServer, 'must be a list of DNS servers'), v.minLength(1, 'must list at least one server'))),
  timeoutMs: v.optional(int(1, 60_000), 2000),
  /** Queries per server before it counts as silent (UDP may drop one). */
  attempts: v.optional(int(1, 5), 2),
  expect: v.optional(dnsExpect, {}),
});

export const MONITOR_TYPES = ['http', 'tcp', 'dns', 'speedtest', 'ckafka'] as const;

export const monitor = v.variant('type', [httpMonitor, tcpMonitor, dnsMonitor, speedtestMonitor, ckafkaMonitor]);

/** Our own network, checked first: when it fails, failing targets are PROBE_NETWORK. */
const canary = v.strictObject({
  url: httpUrl,
  timeoutMs: v.optional(int(1, 60_000), 3000),
  insecure: v.optional(v.boolean('must be true or false'), false),
});

export const config = v.strictObject({
  concurrency: v.optional(int(1, 1000), 20),
  deadlineMarginMs: v.optional(int(0, 60_000), 1000),
  canary: v.optional(canary),
  /** Pinged after every completed run (a dead-man's switch such as Healthchecks); one URL or one per function. */
  heartbeatUrl: v.optional(v.union([httpUrl, v.record(v.string(), httpUrl)], 'must be a URL or a mapping of function name to URL')),
  state: v.optional(state, { type: 'file', path: '/tmp/scf-monitor' }),
  channels: v.optional(v.record(v.pipe(v.string(), v.regex(/^[\w.-]{1,64}$/, 'channel names are letters, digits, _, . and -')), channel), {}),
  alerts: v.optional(alerts, {}),
  monitors: v.pipe(v.array(monitor, 'must be a list of monitors'), v.minLength(1, 'must list at least one monitor')),
});

export type Config = v.InferOutput<typeof config>;
export type Monitor = v.InferOutput<typeof monitor>;
export type HttpMonitor = v.InferOutput<typeof httpMonitor>;
export type TcpMonitor = v.InferOutput<typeof tcpMonitor>;
export type DnsMonitor = v.InferOutput<typeof dnsMonitor>;
export type CanaryConfig = v.InferOutput<typeof canary>;
export type MonitorType = Monitor['type'];
