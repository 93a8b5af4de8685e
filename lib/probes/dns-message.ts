/**
 * DNS wire format (RFC 1035 section 4) for the questions the dns monitor asks: one query out,
 * one response in. Decoding treats the packet as hostile: every read is bounds-checked and a
 * compression pointer must point before the name it continues, so a loop cannot spin. A bad
 * packet throws DnsFormatError, which the prober turns into a classified failure.
 */
import { randomInt } from 'node:crypto';
import { domainToASCII } from 'node:url';

export const RECORD_TYPES = { A: 1, CNAME: 5, TXT: 16, AAAA: 28 } as const;
export type RecordType = keyof typeof RECORD_TYPES;

const TYPE_NAMES = new Map<number, string>(Object.entries(RECORD_TYPES).map(([name, code]) => [code, name]));
export const typeName = (code: number): string => TYPE_NAMES.get(code) ?? `TYPE${code}`;

export const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'] as const;
export const rcodeName = (rcode: number): string => RCODE_NAMES[rcode] ?? `RCODE${rcode}`;

export const CLASS_IN = 1;
const TYPE_OPT = 41;
/**
 * Advertised with EDNS0 (the 2020 DNS flag day value): long TXT answers fit without the TC
 * bit, and the reply stays below the fragmentation size of common paths.
 */
export const EDNS_UDP_SIZE = 1232;
const HEADER = 12;

export class DnsFormatError extends Error {
  override name = 'DnsFormatError';
}

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

export interface DnsRecord {
  name: string;
  type: number;
  typeName: string;
  class: number;
  ttl: number;
  /** A: dotted quad; AAAA: RFC 5952 text; CNAME: the name; TXT: the strings joined; else RFC 3597 `\# len hex`. */
  value: string;
}

export interface DnsMessage {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
}

export const randomId = (): number => randomInt(0, 0x10000);

/**
 * The name as it travels (punycode for IDN), or '' when it is not a valid domain name.
 * Non-ASCII text needs IDNA; domainToASCII also lower-cases, which is harmless for DNS.
 */
export function asciiName(name: string): string {
  return /[^\x00-\x7f]/.test(name) ? domainToASCII(name) : name;
}

/** A name as length-prefixed labels; IDN names go out as punycode. */
export function encodeName(name: string): Buffer {
  const ascii = asciiName(name);
  if (!ascii) throw new DnsFormatError(`${JSON.stringify(name)} is not a valid domain name`);
  const trimmed = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  const parts: Buffer[] = [];
  if (trimmed !== '') {
    for (const label of trimmed.split('.')) {
      const bytes = Buffer.from(label, 'latin1');
      if (bytes.length === 0) throw new DnsFormatError(`${JSON.stringify(name)} has an empty label`);
      if (bytes.length > 63) throw new DnsFormatError(`${JSON.stringify(name)} has a label longer than 63 bytes`);
      parts.push(Buffer.from([bytes.length]), bytes);
    }
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > 255) throw new DnsFormatError(`${JSON.stringify(name)} is longer than 255 bytes`);
  return out;
}

/** A recursive (RD) query with one question and an EDNS0 OPT record. */
export function encodeQuery(name: string, type: RecordType, id: number): Buffer {
  const header = Buffer.alloc(HEADER);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 10);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(RECORD_TYPES[type], 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  // Root owner, type OPT, class = our UDP payload size, extended rcode/flags 0, no options.
  const opt = Buffer.from([0, 0, TYPE_OPT, EDNS_UDP_SIZE >> 8, EDNS_UDP_SIZE & 0xff, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, encodeName(name), tail, opt]);
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
  ) {}

  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new DnsFormatError(`${what} runs past the end of the ${this.buf.length}-byte packet`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A possibly compressed name; leaves pos after its in-place part. */
  name(what: string): string {
    const labels: string[] = [];
    let pos = this.pos;
    let resume: number | undefined;
    // Jumps must go strictly backwards from where the current run of labels began: this both
    // matches RFC 1035 ("a prior occurrence") and makes a pointer loop impossible.
    let floor = this.pos;
    let length = 1;
    for (;;) {
      if (pos >= this.buf.length) throw new DnsFormatError(`${what} runs past the end of the packet`);
      const len = this.buf[pos]!;
      if ((len & 0xc0) === 0xc0) {
        if (pos + 1 >= this.buf.length) throw new DnsFormatError(`${what} has a cut-off compression pointer`);
        const target = ((len & 0x3f) << 8) | this.buf[pos + 1]!;
        if (target >= floor) throw new DnsFormatError(`${what} has a compression pointer to offset ${target} that does not point backwards (a loop)`);
        resume ??= pos + 2;
        floor = target;
        pos = target;
        continue;
      }
      if (len & 0xc0) throw new DnsFormatError(`${what} uses an unsupported label type 0x${len.toString(16)}`);
      if (len === 0) {
        this.pos = resume ?? pos + 1;
        return labels.join('.');
      }
      if (pos + 1 + len > this.buf.length) throw new DnsFormatError(`${what} has a label running past the end of the packet`);
      length += len + 1;
      if (length > 255) throw new DnsFormatError(`${what} is longer than 255 bytes`);
      labels.push(escapeLabel(this.buf.subarray(pos + 1, pos + 1 + len)));
      pos += 1 + len;
    }
  }
}

/** Presentation format (RFC 4343): dots and unprintable bytes escaped, so one label never reads as two. */
function escapeLabel(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x2e || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b > 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\${b.toString().padStart(3, '0')}`;
  }
  return out;
}

/** RFC 5952 text, which is also what WHATWG URL and node:net print: lower case, longest zero run as `::`. */
export function formatIPv6(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new DnsFormatError(`an IPv6 address is 16 bytes, not ${bytes.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let best = -1;
  let bestLen = 1; // a single zero group is never shortened
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

function rdata(r: Reader, type: number, end: number): string {
  const { buf } = r;
  const len = end - r.pos;
  switch (type) {
    case RECORD_TYPES.A:
      if (len !== 4) throw new DnsFormatError(`an A record has 4 bytes of data, not ${len}`);
      return `${buf[r.pos]}.${buf[r.pos + 1]}.${buf[r.pos + 2]}.${buf[r.pos + 3]}`;
    case RECORD_TYPES.AAAA:
      if (len !== 16) throw new DnsFormatError(`an AAAA record has 16 bytes of data, not ${len}`);
      return formatIPv6(buf.subarray(r.pos, end));
    case RECORD_TYPES.CNAME: {
      const name = r.name('CNAME target');
      if (r.pos !== end) throw new DnsFormatError('a CNAME target does not fill its record');
      return name;
    }
    case RECORD_TYPES.TXT: {
      const parts: Buffer[] = [];
      let pos = r.pos;
      while (pos < end) {
        const n = buf[pos]!;
        if (pos + 1 + n > end) throw new DnsFormatError('a TXT string runs past its record');
        parts.push(buf.subarray(pos + 1, pos + 1 + n));
        pos += 1 + n;
      }
      return Buffer.concat(parts).toString('utf8');
    }
    default:
      return `\\# ${len}${len ? ` ${buf.subarray(r.pos, end).toString('hex')}` : ''}`;
  }
}

/** Header, questions and answers; authority and additional records are not needed and not read. */
export function decodeMessage(buf: Buffer): DnsMessage {
  if (buf.length < HEADER) throw new DnsFormatError(`a DNS message has a 12-byte header, this packet has ${buf.length} bytes`);
  const r = new Reader(buf);
  const id = r.u16('header');
  const flags = r.u16('header');
  const qdcount = r.u16('header');
  const ancount = r.u16('header');
  r.pos = HEADER;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < qdcount; i++) {
    const name = r.name(`question ${i + 1}`);
    questions.push({ name, type: r.u16(`question ${i + 1}`), class: r.u16(`question ${i + 1}`) });
  }
  const answers: DnsRecord[] = [];
  for (let i = 0; i < ancount; i++) {
    const what = `answer ${i + 1}`;
    const name = r.name(what);
    const type = r.u16(what);
    const cls = r.u16(what);
    const ttl = r.u32(what);
    const rdlength = r.u16(what);
    r.need(rdlength, `${what}'s data`);
    const end = r.pos + rdlength;
    const value = rdata(r, type, end);
    r.pos = end;
    answers.push({ name, type, typeName: typeName(type), class: cls, ttl, value });
  }
  return {
    id,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    questions,
    answers,
  };
}
