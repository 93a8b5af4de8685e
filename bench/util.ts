/** Small helpers the bench sections share: order statistics, formatting, result rows, children. */
import { spawnSync } from 'node:child_process';
import { inCgroup, type MemoryCgroup } from './cgroup';

/** One line of the results table. `over` marks a figure past its budget; the bench never fails on it. */
export interface Row {
  what: string;
  measured: string;
  budget?: string;
  over?: boolean;
  note?: string;
}

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

/** The middle value (odd counts are used throughout, so no averaging of two middles). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  return sorted(xs)[Math.floor(xs.length / 2)]!;
}

/** Nearest-rank percentile: for 21 values p90 is the 19th smallest. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error('percentile of nothing');
  const rank = Math.ceil((p / 100) * xs.length);
  return sorted(xs)[Math.min(xs.length, Math.max(1, rank)) - 1]!;
}

export const ms = (x: number, digits = 1) => `${x.toFixed(digits)} ms`;
export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Progress goes to stderr so the table on stdout stays clean. */
export const say = (s: string) => process.stderr.write(`bench: ${s}\n`);

/**
 * Runs `node <args>` to completion and returns the JSON it wrote on fd 3. The children report on
 * fd 3 because the function bundle logs every result record to stdout (ignored here, as CLS
 * would take it) and stderr is kept for their errors.
 */
export function runNodeChild<T>(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cgroup?: MemoryCgroup } = {}): T {
  const run = inCgroup(opts.cgroup, args);
  const r = spawnSync(run.command, run.args, {
    cwd: opts.cwd,
    env: opts.env ?? childEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const report = (r.output?.[3] as string | null | undefined) ?? '';
  if (r.status !== 0 || !report) {
    throw new Error(`node ${args.join(' ')} failed (status ${r.status}, signal ${r.signal}): ${r.stderr || r.error?.message || 'no report'}`);
  }
  return JSON.parse(report) as T;
}

/** The parent's environment without anything that would point the bundle at another config. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.SCF_MONITOR_CONFIG;
  // tsx runs this parent with loader flags in NODE_OPTIONS; the children are plain node.
  delete env.NODE_OPTIONS;
  return env;
}
