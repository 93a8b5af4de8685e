/**
 * The target list: `address[:port],label,...` rows or `cidr,label,...` rows, inline, in a file
 * beside the config or behind an HTTPS URL. A million rows must fit a 128 MB instance, so rows
 * are never objects: a pass over the text yields only the targets one shard keeps, into typed
 * arrays, and every shard reads the same list the same way (the order fixes the shards).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { contextWithCa } from '../../util/trust';
import type { SweepMonitor } from './schema';

/** A list larger than this is refused rather than read into a small instance. */
export const MAX_LIST_BYTES = 64 * 1024 * 1024;
const MAX_ERRORS_SHOWN = 5;

export class TargetListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetListError';
  }
}

export interface Group {
  name: string;
  labels: Record<string, string>;
}

/** One shard's targets. `v4[i]` is the address as an unsigned 32-bit number, or -1 with `v6[i]`. */
export interface ShardTargets {
  count: number;
  v4: Float64Array;
  v6: Map<number, string>;
  port: Uint16Array;
  group: Uint16Array;
}

export interface ParsedList {
  /** Targets (address × port) in the whole list. */
  total: number;
  /** Fixes the list's content and reading: a shard refuses a list that changed under the run. */
  listId: string;
  groups: Group[];
  /** Targets per group in the whole list. */
  groupTargets: number[];
  /** The targets of the shard asked for, if one was. */
  shard?: ShardTargets;
}

export type ListSource = { rows: readonly string[] } | { bytes: Buffer };

function parseV4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const x = Number(p);
    if (x > 255) return undefined;
    n = n * 256 + x;
  }
  return n;
}

export function v4Text(n: number): string {
  return `${Math.floor(n / 16777216)}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

interface Address {
  v4?: number;
  v6?: string;
  /** Addresses in the row (a CIDR's hosts). */
  count: number;
  port?: number;
}

const ADDRESS_HELP = 'must be an IP address, address:port, [ipv6]:port or an IPv4 CIDR such as 203.0.113.0/24 (no host names: a sweep does no DNS)';

function parseAddress(s: string): Address | string {
  let m = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(s);
  if (m) {
    if (isIP(m[1]!) !== 6) return ADDRESS_HELP;
    const port = m[2] === undefined ? undefined : Number(m[2]);
    if (port !== undefined && (port < 1 || port > 65535)) return 'has a port outside 1 to 65535';
    return { v6: m[1]!, count: 1, ...(port !== undefined ? { port } : {}) };
  }
  if (isIP(s) === 6) return { v6: s, count: 1 };
  m = /^([\d.]+)\/(\d{1,2})$/.exec(s);
  if (m) {
    const base = parseV4(m[1]!);
    const prefix = Number(m[2]);
    if (base === undefined || prefix > 32) return ADDRESS_HELP;
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) return `has host bits set: did you mean ${v4Text(base - (base % size))}/${prefix}?`;
    // A network's own address and its broadcast are no hosts; /31 and /32 have none to spare.
    return prefix <= 30 ? { v4: base + 1, count: size - 2 } : { v4: base, count: size };
  }
  m = /^([\d.]+)(?::(\d{1,5}))?$/.exec(s);
  if (m) {
    const v4 = parseV4(m[1]!);
    if (v4 === undefined) return ADDRESS_HELP;
    const port = m[2] === undefined ? undefined : Number(m[2]);
    if (port !== undefined && (port < 1 || port > 65535)) return 'has a port outside 1 to 65535';
    return { v4, count: 1, ...(port !== undefined ? { port } : {}) };
  }
  return ADDRESS_HELP;
}

class Growing {
  count = 0;
  v4 = new Float64Array(1024);
  v6 = new Map<number, string>();
  port = new Uint16Array(1024);
  group = new Uint16Array(1024);
  push(v4: number, v6: string | undefined, port: number, group: number): void {
    if (this.count === this.v4.length) {
      const grow = <T extends Float64Array | Uint16Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.v4 = grow(this.v4, (n) => new Float64Array(n));
      this.port = grow(this.port, (n) => new Uint16Array(n));
      this.group = grow(this.group, (n) => new Uint16Array(n));
    }
    const i = this.count++;
    this.v4[i] = v6 === undefined ? v4 : -1;
    if (v6 !== undefined) this.v6.set(i, v6);
    this.port[i] = port;
    this.group[i] = group;
  }
}

function* lines(src: ListSource): Generator<string> {
  if ('rows' in src) {
    yield* src.rows;
    return;
  }
  const b = src.bytes;
  let at = 0;
  while (at < b.length) {
    let end = b.indexOf(10, at);
    if (end < 0) end = b.length;
    yield b.toString('utf8', at, end);
    at = end + 1;
  }
}

export interface ReadOptions {
  /** Keep the targets of shard `shard` of `shards` (every shards-th target from the shard-th). */
  shard?: { shard: number; shards: number };
}

/** Reads the whole list (checking every row), keeping one shard's targets if asked. */
export function readList(m: Pick<SweepMonitor, 'columns' | 'groupBy' | 'ports' | 'maxTargets'>, src: ListSource, opts: ReadOptions = {}): ParsedList {
  const hash = createHash('sha256').update(JSON.stringify([m.columns, m.groupBy ?? null, m.ports]));
  if ('rows' in src) for (const r of src.rows) hash.update(r).update('\n');
  else hash.update(src.bytes);
  const groupIndex = new Map<string, number>();
  const groups: Group[] = [];
  const groupTargets: number[] = [];
  const by = (m.groupBy ?? m.columns).map((c) => m.columns.indexOf(c));
  const errors: string[] = [];
  let errorCount = 0;
  const fail = (line: number, why: string) => {
    errorCount++;
    if (errors.length < MAX_ERRORS_SHOWN) errors.push(`line ${line}: ${why}`);
  };
  const keep = opts.shard;
  const out = keep ? new Growing() : undefined;
  let total = 0;
  let lineNo = 0;
  let first = true;
  for (const raw of lines(src)) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(',').map((f) => f.trim());
    if (first) {
      first = false;
      if (/^(address|ip|cidr|target)$/i.test(fields[0]!)) continue;
    }
    if (fields.length !== m.columns.length + 1) {
      fail(lineNo, `has ${fields.length - 1} label${fields.length === 2 ? '' : 's'}, expected ${m.columns.length} (${m.columns.join(', ')})`);
      continue;
    }
    const addr = parseAddress(fields[0]!);
    if (typeof addr === 'string') {
      fail(lineNo, `${JSON.stringify(fields[0]!.slice(0, 60))} ${addr}`);
      continue;
    }
    const values = fields.slice(1);
    if (values.some((x) => x === '')) {
      fail(lineNo, 'has an empty label');
      continue;
    }
    const name = by.map((i) => values[i]).join('/');
    let g = groupIndex.get(name);
    if (g === undefined) {
      g = groups.length;
      if (g >= 65535) {
        fail(lineNo, 'more than 65,535 groups');
        continue;
      }
      groupIndex.set(name, g);
      groups.push({ name, labels: Object.fromEntries(by.map((i) => [m.columns[i]!, values[i]!])) });
      groupTargets.push(0);
    }
    const ports = addr.port !== undefined ? [addr.port] : m.ports;
    const n = addr.count * ports.length;
    if (total + n > m.maxTargets) {
      throw new TargetListError(`the list has more than maxTargets (${m.maxTargets}) targets (address × port) by line ${lineNo}`);
    }
    if (out && keep) {
      // Targets of this row are total .. total+n-1, address-major; the shard keeps j ≡ shard (mod shards).
      const startJ = total + ((((keep.shard - total) % keep.shards) + keep.shards) % keep.shards);
      for (let j = startJ; j < total + n; j += keep.shards) {
        const k = j - total;
        const a = Math.floor(k / ports.length);
        out.push(addr.v4 !== undefined ? addr.v4 + a : 0, addr.v6, ports[k % ports.length]!, g);
      }
    }
    total += n;
    groupTargets[g]! += n;
  }
  if (errorCount) {
    throw new TargetListError(`${errorCount} bad row${errorCount === 1 ? '' : 's'} in the target list: ${errors.join('; ')}${errorCount > errors.length ? '; ...' : ''}`);
  }
  if (total === 0) throw new TargetListError('the target list has no rows');
  return {
    total,
    listId: hash.digest('hex').slice(0, 32),
    groups,
    groupTargets,
    ...(out ? { shard: { count: out.count, v4: out.v4, v6: out.v6, port: out.port, group: out.group } } : {}),
  };
}

/** The list's raw form: inline rows, or the bytes of the file or the URL's body. */
export async function loadSource(m: SweepMonitor, opts: { configDir?: string; signal: AbortSignal; timeoutMs: number }): Promise<ListSource> {
  const t = m.targets;
  if (Array.isArray(t)) return { rows: t };
  if ('file' in t) {
    const path = resolve(opts.configDir ?? process.cwd(), t.file);
    try {
      const bytes = readFileSync(path);
      if (bytes.length > MAX_LIST_BYTES) throw new TargetListError(`${path} is larger than ${MAX_LIST_BYTES / 1048576} MB`);
      return { bytes };
    } catch (err) {
      if (err instanceof TargetListError) throw err;
      throw new TargetListError(`cannot read the target list ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return { bytes: await fetchList(t.url, m.ca, opts.signal, opts.timeoutMs) };
}

function fetchList(url: string, ca: string | undefined, signal: AbortSignal, timeoutMs: number): Promise<Buffer> {
  const where = new URL(url);
  const shown = `${where.origin}${where.pathname}`;
  return new Promise((resolveList, reject) => {
    const fail = (why: string) => {
      req.destroy();
      reject(new TargetListError(`cannot fetch the target list ${shown}: ${why}`));
    };
    // No pooled connection: one made with another CA (or none) must not carry this request.
    const req = get(url, { agent: false, signal, timeout: timeoutMs, ...(ca ? { secureContext: contextWithCa(ca) } : {}) }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return fail(`HTTP ${res.statusCode}`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_LIST_BYTES) return fail(`larger than ${MAX_LIST_BYTES / 1048576} MB`);
        chunks.push(c);
      });
      res.on('end', () => resolveList(Buffer.concat(chunks)));
      res.on('error', (e) => fail(e.message));
    });
    req.on('timeout', () => fail(`no answer within ${timeoutMs} ms`));
    req.on('error', (e: NodeJS.ErrnoException) => fail(signal.aborted ? 'stopped at the function deadline' : (e.code ?? e.message)));
  });
}
