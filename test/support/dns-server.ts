/**
 * A strict DNS stand-in on 127.0.0.1 (UDP, ephemeral port) for the dns monitor and for http
 * monitors with `dnsServers`. Its wire code is written here from RFC 1035 on purpose, not
 * taken from lib/probes/dns-message.ts: a client and a stand-in sharing one misreading of the
 * format would agree on a wrong answer. Queries are checked strictly (a malformed one is
 * recorded and answered FORMERR), and each name+type can be told to misbehave.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export const TYPES: Record<string, number> = { A: 1, CNAME: 5, TXT: 16, AAAA: 28, OPT: 41 };
const RCODES: Record<string, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

export type Record_ = string | { value: string; ttl?: number };

export interface Rule {
  /** Records of the asked type (owned by the last name of `cnames`, if any). */
  answers?: Record_[];
  /** Aliases the query name goes through first: name CNAME cnames[0] CNAME cnames[1] ... */
  cnames?: string[];
  rcode?: keyof typeof RCODES;
  /** Never answer (the query is still recorded). */
  silent?: boolean;
  delayMs?: number;
  /**
   * Send these bytes instead of an answer, with the query's id written over the first two
   * (so the client cannot drop them as someone else's): 'short' = a header announcing an
   * answer that is not there, 'loop' = an answer owner pointing at itself, 'loop2' = two
   * pointers pointing at each other, 'far' = a pointer past the end.
   */
  garbage?: 'short' | 'loop' | 'loop2' | 'far' | Buffer;
  truncated?: boolean;
  /** First a reply with another id and a wrong answer, then the real one. */
  wrongIdFirst?: boolean;
  /** First a reply for another question (same id) with a wrong answer, then the real one. */
  otherQuestionFirst?: boolean;
  /** First the reply with a wrong answer from another port, then the real one. */
  strayFirst?: boolean;
  /** Name compression in answers; on unless false. */
  compress?: boolean;
}

export interface Received {
  id: number;
  name: string;
  type: number;
  rd: boolean;
  /** The EDNS0 UDP size, when the query had an OPT record. */
  ednsSize?: number;
  from: string;
  malformed?: string;
}

export interface DnsStandIn {
  port: number;
  /** `127.0.0.1:<port>`, as a config writes it. */
  address: string;
  queries: Received[];
  set(name: string, type: string, rule: Rule): void;
  close(): Promise<void>;
}

// ------------------------------------------------------------ the stand-in's own wire code

class BadQuery extends Error {}

/** A query as RFC 1035 allows a stub to send it: one question, no compression, at most an OPT. */
function parseQuery(b: Buffer): Omit<Received, 'from'> {
  if (b.length < 12) throw new BadQuery(`only ${b.length} bytes`);
  const id = b[0]! * 256 + b[1]!;
  const hi = b[2]!;
  const word = (at: number) => {
    if (at + 2 > b.length) throw new BadQuery('cut off');
    return b[at]! * 256 + b[at + 1]!;
  };
  if (hi & 0x80) throw new BadQuery('QR set in a query');
  if ((hi >> 3) & 0xf) throw new BadQuery('opcode is not QUERY');
  if (word(4) !== 1) throw new BadQuery(`QDCOUNT ${word(4)}, expected 1`);
  if (word(6) !== 0 || word(8) !== 0) throw new BadQuery('answer or authority records in a query');
  const arcount = word(10);
  if (arcount > 1) throw new BadQuery(`ARCOUNT ${arcount}`);
  let at = 12;
  const labels: string[] = [];
  for (;;) {
    if (at >= b.length) throw new BadQuery('name cut off');
    const n = b[at]!;
    if (n === 0) {
      at++;
      break;
    }
    if (n > 63) throw new BadQuery(`label length byte ${n} (compression is not allowed in a query)`);
    if (at + 1 + n > b.length) throw new BadQuery('label cut off');
    labels.push(b.toString('latin1', at + 1, at + 1 + n));
    at += 1 + n;
  }
  const type = word(at);
  if (word(at + 2) !== 1) throw new BadQuery(`class ${word(at + 2)}, expected IN`);
  at += 4;
  let ednsSize: number | undefined;
  if (arcount === 1) {
    if (b[at] !== 0) throw new BadQuery('OPT owner is not the root');
    if (word(at + 1) !== TYPES.OPT) throw new BadQuery('additional record is not OPT');
    ednsSize = word(at + 3);
    const rdlen = word(at + 9);
    at += 11 + rdlen;
  }
  if (at !== b.length) throw new BadQuery(`${b.length - at} stray bytes after the query`);
  return { id, name: labels.join('.'), type, rd: (b[2]! & 1) === 1, ...(ednsSize !== undefined ? { ednsSize } : {}) };
}

/** Text to 16 bytes, for the answers the tests hand in. */
function v6(text: string): number[] {
  const halves = text.split('::');
  const words = (s: string | undefined) =>
    s
      ? s.split(':').flatMap((h) => {
          if (!h.includes('.')) return [/^[0-9a-f]{1,4}$/i.test(h) ? Number.parseInt(h, 16) : NaN];
          const [a = 0, b = 0, c = 0, d = 0] = h.split('.').map(Number);
          return [a * 256 + b, c * 256 + d];
        })
      : [];
  const left = words(halves[0]);
  const right = words(halves[1]);
  const all = halves.length === 2 ? [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right] : left;
  if (all.length !== 8 || all.some((w) => !(w >= 0 && w <= 0xffff))) throw new Error(`stand-in: bad IPv6 ${text}`);
  return all.flatMap((w) => [w >> 8, w & 255]);
}

class Writer {
  bytes: number[] = [];
  /** Suffix (lower case) -> offset, for compression. */
  names = new Map<string, number>();
  constructor(readonly compress: boolean) {}

  u16(n: number) {
    this.bytes.push((n >> 8) & 255, n & 255);
  }
  u32(n: number) {
    this.u16(Math.floor(n / 65536));
    this.u16(n % 65536);
  }
  name(name: string) {
    const labels = name.split('.').filter(Boolean);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const seen = this.names.get(suffix);
      if (this.compress && seen !== undefined) {
        this.u16(0xc000 | seen);
        return;
      }
      if (this.bytes.length < 0x3fff) this.names.set(suffix, this.bytes.length);
      const raw = Buffer.from(labels[i]!, 'latin1');
      this.bytes.push(raw.length, ...raw);
    }
    this.bytes.push(0);
  }
  record(owner: string, type: string, ttl: number, value: string) {
    this.name(owner);
    this.u16(TYPES[type]!);
    this.u16(1);
    this.u32(ttl);
    const lengthAt = this.bytes.length;
    this.u16(0);
    const start = this.bytes.length;
    if (type === 'A') this.bytes.push(...value.split('.').map(Number));
    else if (type === 'AAAA') this.bytes.push(...v6(value));
    else if (type === 'CNAME') this.name(value);
    else if (type === 'TXT') {
      // Longer text goes out as several character-strings, as zone files split it.
      const raw = Buffer.from(value, 'utf8');
      for (let i = 0; i === 0 || i < raw.length; i += 255) {
        const part = raw.subarray(i, i + 255);
        this.bytes.push(part.length, ...part);
      }
    } else throw new Error(`stand-in: cannot write ${type}`);
    const len = this.bytes.length - start;
    this.bytes[lengthAt] = len >> 8;
    this.bytes[lengthAt + 1] = len & 255;
  }
}

interface Reply {
  id: number;
  rcode: number;
  truncated?: boolean;
  /** The question echoed back (name as the client wrote it). */
  question: { name: string; type: number };
  records: { owner: string; type: string; ttl: number; value: string }[];
  edns: boolean;
  compress: boolean;
}

function encodeReply(r: Reply): Buffer {
  const w = new Writer(r.compress);
  w.u16(r.id);
  // QR, opcode 0, AA, TC?, RD (echoed: stubs always set it), RA, rcode.
  w.bytes.push(0x80 | 0x04 | (r.truncated ? 0x02 : 0) | 0x01, 0x80 | r.rcode);
  w.u16(1);
  w.u16(r.records.length);
  w.u16(0);
  w.u16(r.edns ? 1 : 0);
  w.name(r.question.name);
  w.u16(r.question.type);
  w.u16(1);
  for (const rec of r.records) w.record(rec.owner, rec.type, rec.ttl, rec.value);
  if (r.edns) w.bytes.push(0, 0, TYPES.OPT!, 0x04, 0xd0, 0, 0, 0, 0, 0, 0);
  return Buffer.from(w.bytes);
}

function garbageFor(kind: Exclude<Rule['garbage'], undefined>, q: Omit<Received, 'from'>): Buffer {
  if (Buffer.isBuffer(kind)) return kind;
  const head = [0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
  const qname = q.name.split('.').flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]);
  const question = [...qname, 0, q.type >> 8, q.type & 255, 0, 1];
  const rest = [0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1];
  const answerAt = 12 + question.length;
  switch (kind) {
    case 'short':
      return Buffer.from([...head, ...question]);
    case 'loop':
      return Buffer.from([...head, ...question, 0xc0 | (answerAt >> 8), answerAt & 255, ...rest]);
    case 'loop2': {
      // The answer's owner: label "x" then a pointer to a later pointer that points back here.
      const later = answerAt + 4 + rest.length;
      return Buffer.from([...head, ...question, 1, 120, 0xc0 | (later >> 8), later & 255, ...rest, 0xc0 | (answerAt >> 8), answerAt & 255]);
    }
    case 'far':
      return Buffer.from([...head, ...question, 0xcf, 0xff, ...rest]);
  }
}

// ------------------------------------------------------------ the server

export function dnsServer(rules: Record<string, Rule> = {}): Promise<DnsStandIn> {
  const table = new Map<string, Rule>();
  const key = (name: string, type: string | number) => `${name.toLowerCase().replace(/\.$/, '')} ${typeof type === 'number' ? type : TYPES[type]}`;
  for (const [k, rule] of Object.entries(rules)) {
    const [name, type] = k.split(' ') as [string, string];
    table.set(key(name, type), rule);
  }
  const queries: Received[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const socket: Socket = createSocket('udp4');
  const stray: Socket = createSocket('udp4');

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const onQuery = (msg: Buffer, from: RemoteInfo) => {
    let q: Omit<Received, 'from'>;
    try {
      q = parseQuery(msg);
    } catch (err) {
      if (!(err instanceof BadQuery)) throw err;
      queries.push({ id: msg.length >= 2 ? msg.readUInt16BE(0) : -1, name: '', type: 0, rd: false, from: `${from.address}:${from.port}`, malformed: err.message });
      if (msg.length >= 12) {
        const formerr = Buffer.from(msg.subarray(0, 12));
        formerr[2] = 0x80;
        formerr[3] = RCODES.FORMERR!;
        formerr.fill(0, 4);
        socket.send(formerr, from.port, from.address);
      }
      return;
    }
    queries.push({ ...q, from: `${from.address}:${from.port}` });
    const named = [...table.keys()].some((k) => k.startsWith(`${q.name.toLowerCase()} `));
    const rule = table.get(key(q.name, q.type)) ?? (named ? {} : { rcode: 'NXDOMAIN' as const });
    if (rule.silent) return;

    const typeName = Object.keys(TYPES).find((t) => TYPES[t] === q.type) ?? 'A';
    const records: Reply['records'] = [];
    let owner = q.name;
    for (const alias of rule.cnames ?? []) {
      records.push({ owner, type: 'CNAME', ttl: 300, value: alias });
      owner = alias;
    }
    for (const a of rule.answers ?? []) {
      const { value, ttl = 300 } = typeof a === 'string' ? { value: a } : a;
      records.push({ owner, type: typeName, ttl, value });
    }
    const reply: Reply = {
      id: q.id,
      rcode: RCODES[rule.rcode ?? 'NOERROR']!,
      ...(rule.truncated ? { truncated: true } : {}),
      question: { name: q.name, type: q.type },
      records,
      edns: q.ednsSize !== undefined,
      compress: rule.compress !== false,
    };
    const wrongRecords = [{ owner: q.name, type: 'A', ttl: 1, value: '127.6.6.6' }];
    const send = () => {
      if (rule.wrongIdFirst) socket.send(encodeReply({ ...reply, id: q.id ^ 0x5a5a, records: wrongRecords }), from.port, from.address);
      if (rule.otherQuestionFirst) {
        socket.send(encodeReply({ ...reply, question: { name: `other-${q.name}`, type: q.type }, records: wrongRecords }), from.port, from.address);
      }
      if (rule.strayFirst) stray.send(encodeReply({ ...reply, records: wrongRecords }), from.port, from.address);
      if (rule.garbage !== undefined) {
        const g = Buffer.from(garbageFor(rule.garbage, q));
        if (g.length >= 2) g.writeUInt16BE(q.id, 0);
        socket.send(g, from.port, from.address);
        return;
      }
      // The wrong ones go first; a short pause keeps them first on the wire.
      later(rule.wrongIdFirst || rule.otherQuestionFirst || rule.strayFirst ? 20 : 0, () => socket.send(encodeReply(reply), from.port, from.address));
    };
    if (rule.delayMs) later(rule.delayMs, send);
    else send();
  };

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.on('message', onQuery);
    stray.bind(0, '127.0.0.1', () => {
      socket.bind(0, '127.0.0.1', () => {
        socket.removeListener('error', reject);
        socket.on('error', () => {});
        stray.on('error', () => {});
        const port = socket.address().port;
        resolve({
          port,
          address: `127.0.0.1:${port}`,
          queries,
          set: (name, type, rule) => void table.set(key(name, type), rule),
          close: () =>
            new Promise((done) => {
              for (const t of timers) clearTimeout(t);
              stray.close(() => socket.close(() => done()));
            }),
        });
      });
    });
  });
}
