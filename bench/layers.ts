/**
 * Where the CPU of a check goes beyond node's own client, layer by layer, in rotating rounds
 * of fresh processes: the bare loop, the prober alone, the monitor type's run with its log
 * line (bench/child-layers.ts, built here with the bundle's esbuild options), the statusCheck
 * bundle with history off, and the bundle as configured (history on, the file store). Each
 * process runs `batches` batches: the first is a fresh instance, the second its next
 * invocation, the last ones a warm instance that has run for a while.
 */
import { build } from 'esbuild';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUNDLE_OPTIONS } from '../scripts/build';
import { median, runNodeChild, say } from './util';
import type { Kind } from './throughput';
import type { MemoryCgroup } from './cgroup';

export const LAYERS = ['bare', 'probe', 'run', 'handler, history off', 'handler'] as const;
export type Layer = (typeof LAYERS)[number];

export interface LayerFigures {
  kind: Kind;
  concurrency: number;
  /** Median over rounds of CPU µs per check, per batch. */
  perBatch: Record<Layer, number[]>;
}

/** The layers child, built into `dir`. */
export async function buildLayersChild(dir: string): Promise<string> {
  const out = join(dir, 'child-layers.js');
  await build({ ...BUNDLE_OPTIONS, entryPoints: [resolve(__dirname, 'child-layers.ts')], outfile: out, define: { __SCF_BUNDLE__: 'true' } });
  return out;
}

/** A copy of a throughput dist whose config turns history off. */
export function withoutHistory(dist: string): string {
  const out = `${dist}-no-history`;
  cpSync(dist, out, { recursive: true });
  const config = JSON.parse(readFileSync(join(dist, 'monitors.json'), 'utf8'));
  writeFileSync(join(out, 'monitors.json'), JSON.stringify({ ...config, history: { enabled: false } }));
  return out;
}

export function measureLayers(o: {
  kind: Kind;
  concurrency: number;
  checks: number;
  rounds: number;
  batches: number;
  port: number;
  child: string;
  dist: string;
  distNoHistory: string;
  cgroup?: MemoryCgroup;
}): LayerFigures {
  const { kind, concurrency, checks, batches } = o;
  const args = [kind, String(o.port), String(checks), String(concurrency), String(batches)];
  const opts = { timeoutMs: 300_000, cgroup: o.cgroup };
  const run: Record<Layer, () => { batches: { cpuMs: number }[] }> = {
    bare: () => runNodeChild([join(__dirname, 'child-bare.js'), ...args], opts),
    probe: () => runNodeChild([o.child, 'probe', ...args], opts),
    run: () => runNodeChild([o.child, 'run', ...args], opts),
    'handler, history off': () => runNodeChild([join(__dirname, 'child-throughput.js'), o.distNoHistory, String(batches)], { ...opts, cwd: o.distNoHistory }),
    handler: () => runNodeChild([join(__dirname, 'child-throughput.js'), o.dist, String(batches)], { ...opts, cwd: o.dist }),
  };
  const seen = Object.fromEntries(LAYERS.map((l) => [l, [] as number[][]])) as Record<Layer, number[][]>;
  for (let round = 0; round < o.rounds; round++) {
    const order = LAYERS.map((_, i) => LAYERS[(i + round) % LAYERS.length]!);
    for (const layer of order) seen[layer].push(run[layer]().batches.map((b) => (b.cpuMs * 1000) / checks));
    say(`layers: ${kind} round ${round + 1}/${o.rounds}`);
  }
  const perBatch = Object.fromEntries(
    LAYERS.map((l) => [l, Array.from({ length: batches }, (_, i) => median(seen[l].map((r) => r[i]!)))]),
  ) as Record<Layer, number[]>;
  return { kind, concurrency, perBatch };
}
