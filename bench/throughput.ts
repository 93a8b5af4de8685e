/**
 * Checks per second: the bundle checking N http monitors (1 sample each) at the configured
 * concurrency, against a bare http.get loop at the same concurrency. Both run in fresh child
 * processes against the same loopback server, itself another process (target-server.js), so
 * each client is measured alone and neither shares an event loop with the server or the bench.
 */
import { join } from 'node:path';
import { median, runNodeChild } from './util';

interface ChildReport {
  rates: number[];
  maxRssKb: number;
}

export interface Side {
  rates: number[];
  /** The first round: a fresh instance's first invocation, JIT cold. */
  first: number;
  /** The median of the rounds after `warmRounds`: a warm instance. */
  median: number;
  maxRssMb: number;
}

export interface Throughput {
  ours: Side;
  bare: Side;
  /** Steady state, ours / bare. */
  ratio: number;
  firstRatio: number;
}

/**
 * Each child runs `rounds` rounds. JIT warm-up lasts several rounds of 1,000 checks (the rates
 * keep rising), so the first `warmRounds` are left out of the steady-state median.
 */
export function measureThroughput(opts: { dist: string; port: number; monitors: number; concurrency: number; rounds: number; warmRounds: number }): Throughput {
  const bare = runNodeChild<ChildReport>(
    [join(__dirname, 'child-bare.js'), String(opts.port), String(opts.monitors), String(opts.concurrency), String(opts.rounds)],
    { timeoutMs: 300_000 },
  );
  const ours = runNodeChild<ChildReport>([join(__dirname, 'child-throughput.js'), opts.dist, String(opts.rounds)], {
    cwd: opts.dist,
    timeoutMs: 600_000,
  });
  const side = (r: ChildReport): Side => ({
    rates: r.rates,
    first: r.rates[0]!,
    median: median(r.rates.slice(opts.warmRounds)),
    maxRssMb: r.maxRssKb / 1024,
  });
  const o = side(ours);
  const b = side(bare);
  return { ours: o, bare: b, ratio: o.median / b.median, firstRatio: o.first / b.first };
}
