/**
 * The `dns` monitor (the seed's DNS availability and resolution-correctness checks): the same
 * question to every server at once, each server judged on its own, so one record says which
 * server is silent, which answers an error and which hands out a wrong address.
 */
import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import { parseDnsServer } from '../../config/monitor-base';
import type { DnsMonitor } from './schema';
import type { FailureCode, Reason } from '../../report/codes';
import type { ResultRecord, SampleRecord } from '../../report/record';
import { roundMs } from '../../report/stats';
import { formatIPv6 } from '../../probes/dns-message';
import { probeDns, type DnsObservation } from '../../probes/dns';
import { judge } from '../verdict';
import type { RunContext } from '../context';

/** Left out in the config: the resolvers this machine uses (read, never changed). */
export function dnsServersOf(m: DnsMonitor): string[] {
  return m.servers ?? getServers();
}

export function dnsTarget(m: DnsMonitor): string {
  return `${m.query} ${m.recordType} @${dnsServersOf(m).join(',')}`;
}

/** 4 or 16 bytes, or undefined for anything that is not an IP address. */
export function ipBytes(text: string): number[] | undefined {
  const family = isIP(text);
  if (family === 4) return text.split('.').map(Number);
  if (family !== 6) return undefined;
  let s = text;
  let v4: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    v4 = dotted[1]!.split('.').map(Number);
    s = `${s.slice(0, -dotted[1]!.length)}0:0`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : 8 - left.length - right.length).fill('0'), ...right];
  const bytes = groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
  if (dotted) bytes.splice(12, 4, ...v4);
  return bytes;
}

/** Family-strict: an IPv4 answer is never inside an IPv6 block, nor the other way round. */
export function inCidr(address: string, cidr: string): boolean {
  const [base = '', bitsText] = cidr.split('/');
  const a = ipBytes(address);
  const b = ipBytes(base);
  if (!a || !b || a.length !== b.length) return false;
  const bits = bitsText === undefined ? a.length * 8 : Number(bitsText);
  for (let i = 0; i < a.length && i * 8 < bits; i++) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

/** Addresses compare by value (2001:DB8::0:1 is 2001:db8::1), names without case or final dot. */
function sameAnswer(answer: string, expected: string, type: string): boolean {
  if (type === 'A' || type === 'AAAA') {
    const e = ipBytes(expected);
    if (!e) return false;
    return (e.length === 16 ? formatIPv6(Uint8Array.from(e)) : e.join('.')) === answer;
  }
  if (type === 'CNAME') return answer.toLowerCase().replace(/\.$/, '') === expected.toLowerCase().replace(/\.$/, '');
  return answer === expected;
}

/** Everything wrong with one server's reply, worst first. */
function problems(m: DnsMonitor, o: DnsObservation): Reason[] {
  if (o.error) return [o.error];
  const asked = `${m.query} ${m.recordType}`;
  if (o.truncated) {
    return [{ code: 'DNS_ERROR', message: `${o.server} sent a truncated reply (TC) for ${asked}: the answer does not fit in UDP, and this monitor does not retry over TCP` }];
  }
  if (o.rcode !== 0) return [{ code: 'DNS_ERROR', message: `${o.server} answered ${o.rcodeName} for ${m.query}` }];
  const values = o.answers.map((a) => a.value);
  if (values.length === 0) {
    const chain = o.cnames.length ? ` (CNAME to ${o.cnames.map((c) => c.value).join(' -> ')})` : '';
    return [{ code: 'DNS_ERROR', message: `${o.server} answered NOERROR with no ${m.recordType} record for ${m.query}${chain}` }];
  }
  const out: Reason[] = [];
  const missing = (m.expect.answersInclude ?? []).filter((w) => !values.some((v) => sameAnswer(v, w, m.recordType)));
  if (missing.length) {
    out.push({ code: 'DNS_MISMATCH', message: `${o.server} answered ${values.join(', ')} for ${asked}, without ${missing.join(', ')}` });
  }
  const blocks = m.expect.answersWithin;
  if (blocks?.length) {
    const outside = o.answers.filter((a) => (a.type === 'A' || a.type === 'AAAA') && !blocks.some((c) => inCidr(a.value, c))).map((a) => a.value);
    if (outside.length) {
      out.push({ code: 'DNS_MISMATCH', message: `${o.server} answered ${outside.join(', ')} for ${asked}, outside ${blocks.join(', ')}` });
    }
  }
  // The answering round trip: a lost first packet shows in `attempts`, not as a slow server.
  if (m.expect.maxMs !== undefined && o.timeMs !== undefined && o.timeMs > m.expect.maxMs) {
    out.push({ code: 'SLOW_RESPONSE', message: `${o.server} answered ${asked} in ${roundMs(o.timeMs)} ms, above ${m.expect.maxMs} ms` });
  }
  return out;
}

function sampleRecord(o: DnsObservation, error: Reason | undefined): SampleRecord {
  return {
    ok: !error,
    server: o.server,
    ...(o.rcodeName !== undefined ? { rcode: o.rcodeName } : {}),
    answers: o.answers.map((a) => a.value),
    attempts: o.attempts,
    timings: { ...(o.timeMs !== undefined ? { answerMs: roundMs(o.timeMs) } : {}), totalMs: roundMs(o.totalMs) },
    ...(error ? { error } : {}),
  };
}

const ORDER: FailureCode[] = ['DEADLINE', 'DNS_SERVER_DOWN', 'DNS_ERROR', 'DNS_MISMATCH', 'SLOW_RESPONSE'];

/** One reason per code, naming every server it concerns. */
function grouped(reasons: Reason[]): Reason[] {
  const by = new Map<FailureCode, string[]>();
  for (const r of reasons) by.set(r.code, [...(by.get(r.code) ?? []), r.message]);
  return [...by.entries()]
    .sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b))
    .map(([code, messages]) => ({ code, message: [...new Set(messages)].join('; ') }));
}

export async function runDns(m: DnsMonitor, ctx: RunContext): Promise<ResultRecord> {
  const timestamp = new Date().toISOString();
  const started = performance.now();
  const servers = dnsServersOf(m);
  const base = { timestamp, function: ctx.functionName, monitor: m.name, type: m.type, target: dnsTarget(m) };
  if (ctx.signal.aborted) {
    return { ...base, ...judge([], { minSuccessRate: 0, maxMeanMs: Infinity }, servers.length, 'between'), durationMs: 0, samples: [] };
  }

  const observations = await Promise.all(
    servers.map((s): Promise<DnsObservation> => {
      const server = parseDnsServer(s);
      if (!server) {
        // Only the system list can get here: the config's own servers are validated.
        const bad: DnsObservation = { server: s, answered: false, answers: [], cnames: [], attempts: 0, totalMs: 0 };
        return Promise.resolve({ ...bad, error: { code: 'DNS_ERROR', message: `system DNS server ${s} is not an address this monitor can query` } });
      }
      const target = { server, query: m.query, recordType: m.recordType, timeoutMs: m.timeoutMs, attempts: m.attempts };
      return probeDns(target, ctx.signal);
    }),
  );

  // A server cut off by the deadline says nothing about itself: kept out of the samples.
  const cut = observations.filter((o) => o.error?.code === 'DEADLINE');
  const kept = observations.filter((o) => o.error?.code !== 'DEADLINE');
  const perServer = kept.map((o) => problems(m, o));
  const reasons: Reason[] = [];
  if (servers.length === 0) {
    reasons.push({ code: 'DNS_ERROR', message: `no DNS server to ask for ${m.query}: none configured, and the system lists none` });
  }
  // As for sampled monitors: the servers that answered are judged, the cut ones only noted;
  // with none kept the monitor is not judged (a DEADLINE record with no samples).
  let cutNote: Reason | undefined;
  if (cut.length) {
    const labels = cut.map((o) => o.server).join(', ');
    const message = `stopped at the function deadline while waiting on ${labels} for ${m.query} ${m.recordType}`;
    if (kept.length === 0) reasons.push({ code: 'DEADLINE', message });
    else cutNote = { code: 'DEADLINE', message: `${message}; judged on the other ${kept.length}` };
  }
  const anyAnswered = kept.some((o) => o.answered);
  for (const list of perServer) {
    for (const r of list) {
      // Silence counts against a server when every server must answer, or when none did.
      if (r.code === 'DNS_SERVER_DOWN' && !m.expect.allServersAnswer && anyAnswered) continue;
      reasons.push(r);
    }
  }

  const verdict = judge(
    kept.map((o, i) => ({ ok: perServer[i]!.length === 0, timeMs: o.answered ? o.timeMs : undefined })),
    { minSuccessRate: 0, maxMeanMs: Infinity },
    servers.length,
    'none',
    grouped(reasons),
  );
  return {
    ...base,
    ...verdict,
    ...(cutNote ? { cut: cutNote } : {}),
    hostList: [...new Set(kept.flatMap((o) => o.answers.map((a) => a.value)))],
    durationMs: roundMs(performance.now() - started),
    samples: kept.map((o, i) => sampleRecord(o, perServer[i]![0])),
  };
}
