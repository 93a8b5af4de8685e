/**
 * One host report in the shape ingest takes (the seed's server-info fields plus per mount and
 * per interface detail). The cpu figure is a rate, so the sampler keeps the previous reading:
 * each report covers the time since the last one, and only the first waits to take two.
 */
import { statfs } from 'node:fs/promises';
import { sleep } from '../util/abort';
import { cpuBusyPercent, memoryUsedPercent, ProcError, readCpu, readMemory, readNetwork, type CpuTimes, type IfaceCounters } from './proc';

export interface HostReport {
  cpu: number;
  memory: number;
  disk: number;
  network_recv: number;
  network_sent: number;
  disks: Record<string, number>;
  interfaces: Record<string, IfaceCounters>;
}

export interface SamplerOptions {
  procRoot?: string;
  mounts?: string[];
  cpuSampleMs?: number;
  /** Cuts the first report's cpu wait short when the agent is told to stop. */
  signal?: AbortSignal;
  /** How the first report waits between its two cpu readings; tests swap the fixture here. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const percent = (n: number) => round2(Math.min(100, Math.max(0, n)));

/** Percent used as df shows it: blocks reserved for root count as neither used nor free. */
export async function diskUsedPercent(mount: string): Promise<number> {
  let s;
  try {
    s = await statfs(mount);
  } catch (err) {
    throw new ProcError(`cannot statfs ${mount}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const used = s.blocks - s.bfree;
  const usable = used + s.bavail;
  return usable > 0 ? percent((used / usable) * 100) : 0;
}

export class Sampler {
  private last: CpuTimes | undefined;
  private readonly procRoot: string;
  private readonly mounts: string[];
  private readonly cpuSampleMs: number;
  private readonly signal: AbortSignal;
  private readonly wait: NonNullable<SamplerOptions['wait']>;

  constructor(o: SamplerOptions = {}) {
    this.procRoot = o.procRoot ?? '/proc';
    this.mounts = o.mounts?.length ? o.mounts : ['/'];
    this.cpuSampleMs = o.cpuSampleMs ?? 1000;
    this.signal = o.signal ?? new AbortController().signal;
    this.wait = o.wait ?? sleep;
  }

  async report(): Promise<HostReport> {
    let before = this.last;
    if (!before) {
      before = await readCpu(this.procRoot);
      await this.wait(this.cpuSampleMs, this.signal);
    }
    const now = await readCpu(this.procRoot);
    const [mem, net, used] = await Promise.all([
      readMemory(this.procRoot),
      readNetwork(this.procRoot),
      Promise.all(this.mounts.map(diskUsedPercent)),
    ]);
    // Kept only once the whole report is read, so a failed report does not shorten the next
    // one's cpu window to the moments between the two.
    this.last = now;
    const disks: Record<string, number> = {};
    this.mounts.forEach((m, i) => (disks[m] = used[i]!));
    let recv = 0;
    let sent = 0;
    for (const c of Object.values(net)) {
      recv += c.recv;
      sent += c.sent;
    }
    return {
      cpu: percent(cpuBusyPercent(before, now)),
      memory: percent(memoryUsedPercent(mem)),
      disk: Math.max(0, ...used),
      network_recv: recv,
      network_sent: sent,
      disks,
      interfaces: net,
    };
  }
}
