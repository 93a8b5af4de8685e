/**
 * One DNS question to one server over UDP (the seed's "DNS availability" check). A reply counts
 * only if it comes from the server, carries the id of one of our attempts and repeats our
 * question; anything else is ignored, so a stray or spoofed packet cannot answer for the server.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { asciiName, CLASS_IN, DnsFormatError, decodeMessage, encodeQuery, randomId, rcodeName, RECORD_TYPES, type DnsMessage, type RecordType } from './dns-message';
import { now, type Failure, type Prober } from './types';

export interface DnsServerAddress {
  host: string;
  port: number;
}

export interface DnsTarget {
  server: DnsServerAddress;
  query: string;
  recordType: RecordType;
  /** Per attempt. */
  timeoutMs: number;
  attempts: number;
}

export interface DnsAnswer {
  value: string;
  type: string;
  ttl: number;
}

export interface DnsObservation {
  /** `host`, or `host:port` when the port is not 53. */
  server: string;
  answered: boolean;
  rcode?: number;
  rcodeName?: string;
  /** TC was set: the reply was cut to fit UDP (this prober does not retry over TCP). */
  truncated?: boolean;
  /** Records of the asked type, at the end of any CNAME chain. */
  answers: DnsAnswer[];
  /** The CNAME chain from the query name, in order. */
  cnames: DnsAnswer[];
  /** Round trip of the attempt that got the answer. */
  timeMs?: number;
  totalMs: number;
  attempts: number;
  error?: Failure;
}

export function serverLabel(s: DnsServerAddress): string {
  if (s.port === 53) return s.host;
  return s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
}

/** Addresses as the kernel reports them, so a configured `::FFFF:127.0.0.1` still matches. */
function canonical(address: string): string {
  return isIP(address) === 6 ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address;
}

const sameName = (a: string, b: string) => a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();

/** Our question repeated; a refusal may drop the question section (some servers do). */
function answersOurQuestion(m: DnsMessage, t: DnsTarget): boolean {
  if (!m.qr || m.opcode !== 0) return false;
  if (m.questions.length === 0) return m.rcode !== 0;
  const q = m.questions[0]!;
  return m.questions.length === 1 && sameName(q.name, t.query) && q.type === RECORD_TYPES[t.recordType] && q.class === CLASS_IN;
}

/** Follows the CNAME chain from the query name; records for other owners are not ours. */
function chase(m: DnsMessage, t: DnsTarget): { answers: DnsAnswer[]; cnames: DnsAnswer[] } {
  const wanted = RECORD_TYPES[t.recordType];
  const records = m.answers.filter((rr) => rr.class === CLASS_IN);
  const cnames: DnsAnswer[] = [];
  let owner = t.query;
  // A chain is at most as long as the records that could form it, so a CNAME loop ends.
  for (let i = 0; i < records.length && wanted !== RECORD_TYPES.CNAME; i++) {
    const next = records.find((rr) => rr.type === RECORD_TYPES.CNAME && sameName(rr.name, owner));
    if (!next) break;
    cnames.push({ value: next.value, type: 'CNAME', ttl: next.ttl });
    owner = next.value;
  }
  const answers = records
    .filter((rr) => rr.type === wanted && sameName(rr.name, owner))
    .map((rr) => ({ value: rr.value, type: rr.typeName, ttl: rr.ttl }));
  return { answers, cnames };
}

export const probeDns: Prober<DnsTarget, DnsObservation> = (t, signal) =>
  new Promise((resolve) => {
    const start = now();
    const label = serverLabel(t.server);
    const asked = `${t.query} ${t.recordType}`;
    // The reply repeats the question as it went out: an IDN name comes back in punycode.
    const wire: DnsTarget = { ...t, query: asciiName(t.query) || t.query };
    let attempts = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let socket: Socket | undefined;
    /** Why the replies we got did not count, if there were any. */
    let rejected: string | undefined;
    let refused = false;
    const sentAt = new Map<number, number>();

    const finish = (part: Partial<DnsObservation>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      try {
        socket?.close();
      } catch {
        // already closed
      }
      resolve({ server: label, answered: false, answers: [], cnames: [], attempts, totalMs: now() - start, ...part });
    };
    const onAbort = () => finish({ error: { code: 'DEADLINE', message: `stopped at the function deadline while asking ${label} for ${asked}` } });

    const silent = (): Failure => {
      const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
      if (rejected) return { code: 'DNS_ERROR', message: `${label} sent no usable reply for ${asked} (${tries}): ${rejected}` };
      if (refused) return { code: 'DNS_SERVER_DOWN', message: `${label} refused ${asked}: nothing listens on that port (ICMP port unreachable, ${tries})` };
      return { code: 'DNS_SERVER_DOWN', message: `${label} did not answer ${asked} (${tries} of ${t.timeoutMs} ms)` };
    };

    const send = () => {
      if (settled) return;
      if (attempts >= t.attempts) return finish({ error: silent() });
      attempts++;
      let id = randomId();
      while (sentAt.has(id)) id = randomId();
      const packet = encodeQuery(t.query, t.recordType, id);
      sentAt.set(id, now());
      clearTimeout(timer);
      timer = setTimeout(send, t.timeoutMs);
      socket!.send(packet, (err) => {
        if (err) finish({ error: { code: 'DNS_ERROR', message: `cannot send to ${label}: ${err.message}` } });
      });
    };

    const onMessage = (msg: Buffer, from: { address: string; port: number }) => {
      if (settled || from.port !== t.server.port || canonical(from.address) !== canonical(t.server.host)) return;
      const id = msg.length >= 2 ? msg.readUInt16BE(0) : -1;
      const sent = sentAt.get(id);
      if (sent === undefined) return;
      let m: DnsMessage;
      try {
        m = decodeMessage(msg);
      } catch (err) {
        // Wait on: a valid reply may still come (a garbled copy is not the server's last word).
        rejected = `malformed reply: ${err instanceof DnsFormatError ? err.message : String(err)}`;
        return;
      }
      if (!answersOurQuestion(m, wire)) {
        rejected = `reply for another question (${m.questions.map((q) => `${q.name} type ${q.type}`).join(', ') || 'none'})`;
        return;
      }
      finish({
        answered: true,
        rcode: m.rcode,
        rcodeName: rcodeName(m.rcode),
        ...(m.tc ? { truncated: true } : {}),
        ...chase(m, wire),
        timeMs: now() - sent,
      });
    };

    if (!isIP(t.server.host)) {
      return finish({ error: { code: 'DNS_ERROR', message: `DNS server ${label} is not an IP address` } });
    }
    try {
      encodeQuery(t.query, t.recordType, 0);
    } catch (err) {
      return finish({ error: { code: 'DNS_ERROR', message: `cannot ask ${label} for ${asked}: ${(err as Error).message}` } });
    }
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    socket = createSocket(isIP(t.server.host) === 6 ? 'udp6' : 'udp4');
    socket.on('message', onMessage);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return;
      // A connected UDP socket reports ICMP port unreachable: nothing to wait for on this try.
      if (err.code === 'ECONNREFUSED') {
        refused = true;
        send();
        return;
      }
      finish({ error: { code: 'DNS_ERROR', message: `cannot query ${label}: ${err.message}` } });
    });
    // Connected, so the kernel already drops datagrams from any other address.
    try {
      socket.connect(t.server.port, t.server.host, (err?: Error) => {
        if (err) finish({ error: { code: 'DNS_ERROR', message: `cannot query ${label}: ${err.message}` } });
        else send();
      });
    } catch (err) {
      finish({ error: { code: 'DNS_ERROR', message: `cannot query ${label}: ${(err as Error).message}` } });
    }
  });
