/**
 * A dns.lookup wrapper that records when resolution finished, so DNS time is measured from the
 * resolver's own callback rather than inferred. Works for both shapes net asks for (one
 * address, or all of them when happy-eyeballs is on). Given DNS servers, it asks them over
 * UDP instead of the system resolver (a monitor checking a site through the intranet's DNS).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { probeDns, serverLabel, type DnsServerAddress } from './dns';
import type { RecordType } from './dns-message';
import { now } from './types';

export interface LookupMarks {
  lookupStart?: number;
  lookupEnd?: number;
}

/** Resolve through these servers, all within `withinMs` (the connect timeout, which covers the lookup). */
export interface LookupVia {
  servers: DnsServerAddress[];
  withinMs: number;
  signal: AbortSignal;
}

type Callback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export function timedLookup(marks: LookupMarks, via?: LookupVia) {
  return (hostname: string, options: LookupOptions, callback: Callback): void => {
    marks.lookupStart = now();
    if (via) {
      void lookupVia(hostname, options, via).then((result) => {
        marks.lookupEnd = now();
        if (result instanceof Error) return callback(result, options.all ? [] : '');
        if (options.all) return callback(null, result);
        callback(null, result[0]!.address, result[0]!.family);
      });
      return;
    }
    dnsLookup(hostname, { ...options }, ((err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
      marks.lookupEnd = now();
      callback(err, address, family);
    }) as never);
  };
}

function failure(code: string, hostname: string, detail: string): NodeJS.ErrnoException {
  // The message is what the record shows ("cannot resolve <host>: <message>"); the code keeps
  // it classified as DNS_ERROR.
  return Object.assign(new Error(detail), { code, hostname });
}

/**
 * A records first, AAAA when the name has none; servers in order. A server that is silent,
 * fails (SERVFAIL, REFUSED, ...) or sends junk hands over to the next; NXDOMAIN and "no
 * address" are answers about the name, and final.
 */
async function lookupVia(hostname: string, options: LookupOptions, via: LookupVia): Promise<LookupAddress[] | NodeJS.ErrnoException> {
  const literal = isIP(hostname);
  if (literal) return [{ address: hostname, family: literal }];
  const types: RecordType[] = options.family === 6 ? ['AAAA'] : options.family === 4 ? ['A'] : ['A', 'AAAA'];
  // A little under the connect timeout, so this names the server before the prober's own
  // timer gives the anonymous "did not finish" message.
  const until = now() + via.withinMs * 0.9;
  const notes: string[] = [];
  let lastCode = 'EAI_AGAIN';
  for (let i = 0; i < via.servers.length; i++) {
    const server = via.servers[i]!;
    const label = serverLabel(server);
    const share = Math.max(1, Math.floor((until - now()) / (via.servers.length - i)));
    for (const recordType of types) {
      const o = await probeDns({ server, query: hostname, recordType, timeoutMs: share, attempts: 1 }, via.signal);
      if (o.error) {
        notes.push(o.error.message);
        break;
      }
      if (o.truncated) {
        notes.push(`${label} sent a truncated reply (TC) for ${hostname} ${recordType}`);
        lastCode = 'EAI_FAIL';
        break;
      }
      if (o.rcodeName === 'NXDOMAIN') return failure('ENOTFOUND', hostname, `${label} answered NXDOMAIN for ${hostname}`);
      if (o.rcode !== 0) {
        notes.push(`${label} answered ${o.rcodeName} for ${hostname} ${recordType}`);
        lastCode = o.rcodeName === 'SERVFAIL' ? 'ESERVFAIL' : o.rcodeName === 'REFUSED' ? 'EREFUSED' : 'EAI_FAIL';
        break;
      }
      if (o.answers.length) return o.answers.map((a) => ({ address: a.value, family: recordType === 'A' ? 4 : 6 }));
      if (recordType === types[types.length - 1]) {
        return failure('ENODATA', hostname, `${label} answered NOERROR with no ${types.join(' or ')} record for ${hostname}`);
      }
    }
    if (via.signal.aborted) break;
  }
  return failure(notes.length > 1 ? 'EAI_AGAIN' : lastCode, hostname, notes.join('; ') || `no DNS server to ask for ${hostname}`);
}
