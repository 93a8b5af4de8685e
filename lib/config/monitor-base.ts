/** Fields every monitor type has, and small field schemas the per-type schemas share. */
import { isIP } from 'node:net';
import * as v from 'valibot';
import { monitorAlert } from './alerting-schema';
import { int, text } from './fields';

export const ratio = v.pipe(
  v.number('must be a number from 0 to 1'),
  v.minValue(0, 'must be at least 0'),
  v.maxValue(1, 'must be at most 1'),
);

const name = v.pipe(
  text('a name'),
  v.maxLength(80, 'must be at most 80 characters'),
  v.regex(/^\S(.*\S)?$/, 'must not start or end with spaces'),
);

export const monitorBase = {
  name,
  tags: v.optional(v.array(text('a tag')), []),
  enabled: v.optional(v.boolean('must be true or false'), true),
  /** Merged over the top-level `alerts`. */
  alert: v.optional(monitorAlert),
};

export const hostname = v.pipe(
  text('a host name or IP address'),
  v.regex(/^[^\s/:?#]+$|^\[[0-9a-fA-F:.]+\]$|^[0-9a-fA-F:.]+$/, 'must be a host name or IP address, without scheme or port'),
);

/** The seed's sampling: `samples` tries `intervalMs` apart, each with up to `attempts` connections. */
export const sampling = {

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

export const dnsServerList = v.pipe(v.array(dnsServer, 'must be a list of DNS servers'), v.minLength(1, 'must list at least one server'));

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


/** For monitors addressed by URL (`/ping/<name>`, `/report/<name>`): what a path segment carries plainly. */
export const urlName = v.pipe(
  text('a name'),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'is part of a URL: letters, digits, ".", "_" and "-", at most 80, starting with a letter or digit'),
);

