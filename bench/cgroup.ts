/**
 * A 128 MB memory cgroup for the bench's function-side children, so they run under the limit a
 * 128 MB SCF function has. It matters beyond the kill at the limit: node sizes V8's heap from
 * the memory it may use (measured here: in a 128 MB cgroup the heap limit is 259 MB and the
 * young generation stays at 2 MB whatever the growth flag says; outside it, 4,144 MB and up to
 * 32 MB), so CPU per check and peak RSS both change. Needs root and a writable cgroup v1
 * memory controller or cgroup v2; without one the children run unconstrained and the results
 * say so.
 */
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MemoryCgroup {
  /** What the results say about where the children ran. */
  label: string;
  /** The file a child writes its pid to, to join the group. */
  procs: string;
  remove(): void;
}

const LIMIT = 128 * 1024 * 1024;

export function memoryCgroup(): MemoryCgroup | undefined {
  const name = `scf-monitor-bench-${process.pid}`;
  const v1 = '/sys/fs/cgroup/memory';
  const v2 = '/sys/fs/cgroup';
  try {
    if (existsSync(join(v1, 'memory.limit_in_bytes'))) {
      const dir = join(v1, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'memory.limit_in_bytes'), String(LIMIT));
      // No swap either, as a function has none.
      if (existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), String(LIMIT));
      return { label: 'a 128 MB memory cgroup (v1, no swap)', procs: join(dir, 'cgroup.procs'), remove: () => rmdirSync(dir) };
    }
    if (existsSync(join(v2, 'cgroup.controllers'))) {
      const dir = join(v2, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'memory.max'), String(LIMIT));
      if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
      return { label: 'a 128 MB memory cgroup (v2, no swap)', procs: join(dir, 'cgroup.procs'), remove: () => rmdirSync(dir) };
    }
  } catch {
    // Not root, or no memory controller here.
  }
  return undefined;
}

/** `node <args>` as a command that first joins the cgroup (when there is one). */
export function inCgroup(cg: MemoryCgroup | undefined, args: string[]): { command: string; args: string[] } {
  if (!cg) return { command: process.execPath, args };
  return { command: '/bin/sh', args: ['-c', 'echo $$ > "$0" && exec "$@"', cg.procs, process.execPath, ...args] };
}
