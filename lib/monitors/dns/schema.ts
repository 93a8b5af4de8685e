/** `type: dns`: one question to each of several servers over UDP. */
import { isIP } from 'node:net';
import * as v from 'valibot';
import { int, text } from '../../config/fields';
import { dnsServer, hostname, monitorBase } from '../../config/monitor-base';

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

export type DnsMonitor = v.InferOutput<typeof dnsMonitor>;
