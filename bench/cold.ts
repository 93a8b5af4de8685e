/**
 * Cold starts: RUNS fresh `node` processes per variant, each timing (inside itself, with
 * hrtime) the require of statusCheck.js and then require + one main_handler call that checks
 * one loopback target once. Variants run interleaved, one process of each in turn, so a slow
 * spell of the machine lands on all of them alike rather than on whichever ran then.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv, runNodeChild, say } from './util';

export interface ColdReport {
  requireMs: number;
  invokeMs: number;
  ok: boolean;
  results: number;
  alerts: number;
  deliveries: number;
  alertingError?: string;
  lazy: string[];
}

export interface ColdVariant {
  name: string;
  dir: string;
  /** Extra environment for one process (called once per process). */
  env?: () => Record<string, string>;
}

export interface ColdResult {
  name: string;
  requireMs: number[];
  invokeMs: number[];
  /** Every dist/lazy file any of its processes loaded. */
  lazy: string[];
}

const CHILD = join(__dirname, 'child-cold.js');

function once(v: ColdVariant): ColdReport {
  const r = runNodeChild<ColdReport>([CHILD, v.dir], { cwd: v.dir, env: childEnv(v.env?.() ?? {}), timeoutMs: 30_000 });
  // A cold start that did not do the healthy check, or alerted, is not the thing measured.
  if (!r.ok || r.results !== 1 || r.alerts !== 0 || r.deliveries !== 0 || r.alertingError) {
    throw new Error(`cold run of ${v.name} was not one healthy, silent check: ${JSON.stringify(r)}`);
  }
  return r;
}

export function measureCold(variants: ColdVariant[], runs: number): ColdResult[] {
  // One untimed pass: the first process after a build pays for reading files from disk.
  for (const v of variants) once(v);
  const out = variants.map((v) => ({ name: v.name, requireMs: [] as number[], invokeMs: [] as number[], lazy: new Set<string>() }));
  for (let i = 0; i < runs; i++) {
    variants.forEach((v, j) => {
      const r = once(v);
      out[j]!.requireMs.push(r.requireMs);
      out[j]!.invokeMs.push(r.invokeMs);
      for (const f of r.lazy) out[j]!.lazy.add(f);
    });
    if ((i + 1) % 7 === 0) say(`cold starts: ${i + 1}/${runs} rounds of ${variants.length} variants`);
  }
  return out.map((o) => ({ ...o, lazy: [...o.lazy].sort() }));
}

/** A fresh state directory per process: what a new SCF instance finds in its empty /tmp. */
export function freshStateDirs(): { env: () => Record<string, string>; cleanup: () => void } {
  const made: string[] = [];
  return {
    env: () => {
      const d = mkdtempSync(join(tmpdir(), 'scf-monitor-bench-state-'));
      made.push(d);
      return { BENCH_STATE_DIR: d };
    },
    cleanup: () => made.forEach((d) => rmSync(d, { recursive: true, force: true })),
  };
}
