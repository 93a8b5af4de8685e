/**
 * CPU accounting from /proc, so each measurement can say how busy the rest of the machine was:
 * the machine's busy time (/proc/stat) minus what our own processes used in the same span.
 * Linux only; elsewhere the share is reported as unknown.
 */
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on every Linux build node ships for

/** The machine's busy and total CPU time so far, in ms over all cores. */
export function machineCpu(): { busyMs: number; totalMs: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = f[3]! + f[4]!; // idle + iowait
    return { busyMs: (total - idle) * TICK_MS, totalMs: total * TICK_MS };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a live process has used so far, in ms. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime (fields 14 and 15)
  } catch {
    return 0;
  }
}

/** A process's peak resident set (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Measures a span: call `end(oursMs)` with the CPU our own processes used in it (children's
 * reports plus the servers' /proc figures); it returns the other tenants' share of the
 * machine's capacity over the span (0..1), or undefined off Linux.
 */
export function cpuSpan(): { end: (oursMs: number) => number | undefined } {
  const a = machineCpu();
  const self = process.cpuUsage();
  return {
    end(oursMs: number) {
      const b = machineCpu();
      if (!a || !b || b.totalMs <= a.totalMs) return undefined;
      const mine = process.cpuUsage(self);
      const others = b.busyMs - a.busyMs - oursMs - (mine.user + mine.system) / 1000;
      return Math.min(1, Math.max(0, others / (b.totalMs - a.totalMs)));
    },
  };
}
