/**
 * The host's counters as Linux publishes them under /proc. The parsers take the file's text so
 * tests can feed them fixtures; the readers take the root directory (`/proc`, or a fixture
 * folder, or a container's bind-mounted host /proc) for the same reason.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Jiffies of the aggregate "cpu" line: everything, and the part spent doing nothing. */
export interface CpuTimes {
  total: number;
  idle: number;
}

export interface MemInfo {
  totalKb: number;
  availableKb: number;
}

export interface IfaceCounters {
  recv: number;
  sent: number;
}

/** A /proc file that is not what this kernel should have written. */
export class ProcError extends Error {
  override name = 'ProcError';
}

export function parseStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) throw new ProcError('stat: no aggregate "cpu" line');
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) throw new ProcError(`stat: unreadable cpu line "${line.slice(0, 120)}"`);
  // user nice system idle iowait irq softirq steal; guest and guest_nice (fields 9-10) are
  // already counted in user and nice, so adding them would count guest time twice.
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { total, idle };
}

/** Percent busy between two readings; 0 when no time passed (two reads within one tick). */
export function cpuBusyPercent(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return ((total - (after.idle - before.idle)) / total) * 100;
}

export function parseMeminfo(text: string): MemInfo {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1]!, Number(m[2]));
  }
  const totalKb = kb.get('MemTotal');
  if (!totalKb) throw new ProcError('meminfo: no MemTotal');
  // Kernels before 3.14 have no MemAvailable; free plus the reclaimable caches is what
  // `free` showed as available then.
  const availableKb = kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return { totalKb, availableKb };
}

export function memoryUsedPercent(m: MemInfo): number {
  return ((m.totalKb - m.availableKb) / m.totalKb) * 100;
}

/** Per interface byte counters, loopback left out: it is the host talking to itself. */
export function parseNetDev(text: string): Record<string, IfaceCounters> {
  const out: Record<string, IfaceCounters> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    // The two header lines hold "|" and no colon before it.
    if (colon < 0 || line.slice(0, colon).includes('|')) continue;
    const name = line.slice(0, colon).trim();
    if (!name || name === 'lo') continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    const recv = f[0];
    const sent = f[8];
    if (recv === undefined || sent === undefined || !Number.isFinite(recv) || !Number.isFinite(sent)) {
      throw new ProcError(`net/dev: unreadable line for ${name}`);
    }
    out[name] = { recv, sent };
  }
  return out;
}

async function readProc(root: string, file: string): Promise<string> {
  try {
    return await readFile(join(root, file), 'utf8');
  } catch (err) {
    throw new ProcError(`cannot read ${join(root, file)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export const readCpu = async (root = '/proc') => parseStat(await readProc(root, 'stat'));
export const readMemory = async (root = '/proc') => parseMeminfo(await readProc(root, 'meminfo'));
export const readNetwork = async (root = '/proc') => parseNetDev(await readProc(root, 'net/dev'));
