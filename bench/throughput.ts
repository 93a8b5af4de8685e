/**
 * Checks per second, side by side in rotating rounds: the statusCheck bundle checking N
 * monitors (1 sample each), a bare loop of node's own client (http.get({agent:false}) or
 * net.connect) and, when it is installed, blackbox_exporter driven through /probe, all at the
 * same concurrency against the same loopback targets (target-server.js, a process of its own).
 * Every side runs in fresh processes (a fresh exporter too): the first batch is what a fresh
 * instance's first invocation sees, the second a warm instance. Each round runs every side
 * once, starting with a different one each round, so a busy spell of the machine lands on all
 * sides alike; ratios are taken within a round, and the report gives their medians, with the
 * share of the machine the other tenants used during each run.
 */
import { join } from 'node:path';
import { startBlackbox, type findBlackbox } from './blackbox';
import { cpuSpan, peakRssMb, processCpuMs } from './procstat';
import { median, runNodeChild, say } from './util';
import type { MemoryCgroup } from './cgroup';

interface ChildReport {
  batches: { rate: number; cpuMs: number }[];
  totalCpuMs: number;
  maxRssKb: number;
}

export type Kind = 'http' | 'tcp';
export type SideName = 'ours' | 'bare' | 'blackbox';

export interface Run {
  round: number;
  kind: Kind;
  concurrency: number;
  side: SideName;
  /** Checks per second: first batch (fresh instance), second (its next invocation), and the median of the last ones (an instance that has run for a while). */
  fresh: number;
  warm: number;
  steady: number;
  /** CPU ms per check of that side's processes (the exporter's with its driver's), the same three. */
  cpuFresh: number;
  cpuWarm: number;
  cpuSteady: number;
  rssMb: number;
  /** The other tenants' share of the machine during this run (0..1), when known. */
  others?: number;
}

export interface ThroughputOptions {
  kinds: Kind[];
  concurrencies: number[];
  rounds: number;
  checks: Record<Kind, number>;
  /** dist dirs of the bundle, per kind and concurrency (their monitors.json sets both). */
  dists: Record<Kind, Record<number, string>>;
  target: { pid: number; port: number; tcpPort: number };
  blackbox?: ReturnType<typeof findBlackbox>;
  /** Where ours and the bare loop run: a 128 MB memory cgroup, as a 128 MB function does, when the bench could make one. */
  cgroup?: MemoryCgroup;
}

/**
 * Invocations per process. V8 is still compiling the hot paths in the second (ours and node's
 * own client alike: the bare loop's CPU per check halves again by the fourth), so the last
 * STEADY are what an instance on a one-minute timer spends once it has run a few minutes.
 */
export const BATCHES = 6;
const STEADY = 3;

async function runSide(side: SideName, kind: Kind, concurrency: number, o: ThroughputOptions): Promise<Omit<Run, 'round' | 'kind' | 'concurrency' | 'side'>> {
  const n = o.checks[kind];
  const span = cpuSpan();
  const serverBefore = processCpuMs(o.target.pid);
  let report: ChildReport;
  let extraCpuMs = 0;
  let rssMb: number;
  if (side === 'ours') {
    const dist = o.dists[kind][concurrency]!;
    report = runNodeChild<ChildReport>([join(__dirname, 'child-throughput.js'), dist, String(BATCHES)], { cwd: dist, timeoutMs: 300_000, cgroup: o.cgroup });
    rssMb = report.maxRssKb / 1024;
  } else if (side === 'bare') {
    const port = kind === 'http' ? o.target.port : o.target.tcpPort;
    report = runNodeChild<ChildReport>([join(__dirname, 'child-bare.js'), kind, String(port), String(n), String(concurrency), String(BATCHES)], {
      timeoutMs: 300_000,
      cgroup: o.cgroup,
    });
    rssMb = report.maxRssKb / 1024;
  } else {
    const bb = await startBlackbox(o.blackbox!);
    try {
      const before = processCpuMs(bb.pid);
      const [module, target] = kind === 'http' ? ['http_2xx', `http://127.0.0.1:${o.target.port}/`] : ['tcp_connect', `127.0.0.1:${o.target.tcpPort}`];
      report = runNodeChild<ChildReport>(
        [join(__dirname, 'child-blackbox.js'), String(bb.port), module, target, String(n), String(concurrency), String(BATCHES)],
        { timeoutMs: 300_000 },
      );
      extraCpuMs = processCpuMs(bb.pid) - before;
      rssMb = peakRssMb(bb.pid);
    } finally {
      await bb.stop();
    }
  }
  const others = span.end(report.totalCpuMs + extraCpuMs + (processCpuMs(o.target.pid) - serverBefore));
  // The exporter's CPU cannot be split by batch from /proc at this resolution: shared out by rate.
  const share = (i: number) => (extraCpuMs * (1 / report.batches[i]!.rate)) / report.batches.reduce((a, b) => a + 1 / b.rate, 0);
  const perCheck = (i: number) => (report.batches[i]!.cpuMs + share(i)) / n;
  const last = Array.from({ length: STEADY }, (_, i) => BATCHES - STEADY + i);
  return {
    fresh: report.batches[0]!.rate,
    warm: report.batches[1]!.rate,
    steady: median(last.map((i) => report.batches[i]!.rate)),
    cpuFresh: perCheck(0),
    cpuWarm: perCheck(1),
    cpuSteady: median(last.map(perCheck)),
    rssMb,
    ...(others !== undefined ? { others } : {}),
  };
}

export async function measureThroughput(o: ThroughputOptions): Promise<Run[]> {
  const sides: SideName[] = o.blackbox ? ['ours', 'bare', 'blackbox'] : ['ours', 'bare'];
  const runs: Run[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const order = sides.map((_, i) => sides[(i + round - 1) % sides.length]!);
    for (const kind of o.kinds) {
      for (const concurrency of o.concurrencies) {
        for (const side of order) runs.push({ round, kind, concurrency, side, ...(await runSide(side, kind, concurrency, o)) });
      }
    }
    say(`throughput: round ${round}/${o.rounds} (${order.join(', ')})`);
  }
  return runs;
}

export interface Ratios {
  kind: Kind;
  concurrency: number;
  /** Per round: ours / bare and ours / blackbox, fresh, warm and steady. */
  perRound: {
    round: number;
    bareFresh: number;
    bareWarm: number;
    bareSteady: number;
    bbFresh?: number;
    bbWarm?: number;
    bbSteady?: number;
    others: (number | undefined)[];
  }[];
  median: { bareFresh: number; bareWarm: number; bareSteady: number; bbFresh?: number; bbWarm?: number; bbSteady?: number };
}

export function ratios(runs: Run[], kind: Kind, concurrency: number): Ratios {
  const rounds = [...new Set(runs.map((r) => r.round))];
  const perRound = rounds.map((round) => {
    const at = (side: SideName) => runs.find((r) => r.round === round && r.kind === kind && r.concurrency === concurrency && r.side === side);
    const ours = at('ours')!;
    const bare = at('bare')!;
    const bb = at('blackbox');
    return {
      round,
      bareFresh: ours.fresh / bare.fresh,
      bareWarm: ours.warm / bare.warm,
      bareSteady: ours.steady / bare.steady,
      ...(bb ? { bbFresh: ours.fresh / bb.fresh, bbWarm: ours.warm / bb.warm, bbSteady: ours.steady / bb.steady } : {}),
      others: [ours.others, bare.others, bb?.others],
    };
  });
  const med = (f: (r: (typeof perRound)[number]) => number | undefined) => {
    const xs = perRound.map(f).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : undefined;
  };
  return {
    kind,
    concurrency,
    perRound,
    median: {
      bareFresh: med((r) => r.bareFresh)!,
      bareWarm: med((r) => r.bareWarm)!,
      bareSteady: med((r) => r.bareSteady)!,
      ...(perRound[0]?.bbFresh !== undefined ? { bbFresh: med((r) => r.bbFresh), bbWarm: med((r) => r.bbWarm), bbSteady: med((r) => r.bbSteady) } : {}),
    },
  };
}

/** The median of one side's figure over the rounds. */
export function sideMedian(runs: Run[], kind: Kind, concurrency: number, side: SideName, f: (r: Run) => number): number | undefined {
  const xs = runs.filter((r) => r.kind === kind && r.concurrency === concurrency && r.side === side).map(f);
  return xs.length ? median(xs) : undefined;
}
