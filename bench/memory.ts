/**
 * Peak memory of statusCheck at scale (issue 13.8): N http monitors read from YAML, one
 * sample each, with alerts to a WeCom stand-in and a file state store, run by the built bundle
 * in a fresh process (as a cold SCF instance runs it). Healthy, then failing (every monitor
 * opens an incident on its first run and the outbox carries the notices), then failing again
 * (incidents open, nothing new to send), and healthy six times in one process (a warm
 * instance on a timer). The targets and the robot run in other processes, so the figure is the
 * function's alone. With `cgroup` (as root) the function runs in a 128 MB memory cgroup without
 * swap, as a 128 MB function does (bench/cgroup.ts). A script, never a test: prints a table and
 * writes bench/memory.md.
 *
 *   npm run build && npx tsx bench/memory.ts [monitors] [repeats] [cgroup]
 */
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { childEnv, say } from './util';
import { wecomStandIn } from '../test/support/wecom';
import { inCgroup, memoryCgroup, type MemoryCgroup } from './cgroup';

const N = Number(process.argv[2] ?? 5000);
const DIST = resolve(__dirname, '../dist');
const BUDGET_MB = 128;
const REPEAT = Number(process.argv[3] ?? 3);
const CGROUP = process.argv[4] === 'cgroup';

async function target(status: number): Promise<{ port: number; stop: () => void }> {
  const child = fork(join(__dirname, 'memory-target.js'), [String(status)], { stdio: 'ignore' });
  const port = await new Promise<number>((done) => child.once('message', (m: { port: number }) => done(m.port)));
  return { port, stop: () => child.kill() };
}

/**
 * Like util.runNodeChild, but without blocking: the WeCom stand-in answering the child's
 * alerts lives in this process.
 */
function runChild<T>(args: string[], env: NodeJS.ProcessEnv, cg: MemoryCgroup | undefined): Promise<T> {
  return new Promise((done, fail) => {
    const run = inCgroup(cg, args);
    const child = spawn(run.command, run.args, { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let report = '';
    let errors = '';
    child.stdio[2]!.on('data', (c: Buffer) => (errors += c));
    child.stdio[3]!.on('data', (c: Buffer) => (report += c));
    child.on('close', (code) => (code === 0 && report ? done(JSON.parse(report) as T) : fail(new Error(`child failed (${code}): ${errors}`))));
  });
}

interface Report {
  runs: { ms: number; results: number; failing: number; alerts: number; delivered: number; alertingError?: string }[];
  maxRssKb: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-memory-'));
  const robot = await wecomStandIn('bench-key');
  const ok = await target(200);
  const bad = await target(502);
  const rows: string[] = [];
  const cg = CGROUP ? memoryCgroup() : undefined;
  if (CGROUP && !cg) throw new Error('no memory cgroup could be made here (run as root, with a memory controller)');
  try {
    const configFor = (port: number, state: string) => {
      const path = join(dir, `monitors-${port}.yaml`);
      writeFileSync(
        path,
        stringify({
          state: { type: 'file', path: join(dir, state) },
          channels: { ops: { type: 'wecom', webhook: robot.webhook } },
          alerts: { channels: ['ops'] },
          monitors: Array.from({ length: N }, (_, i) => ({
            name: `svc-${String(i).padStart(5, '0')}`,
            type: 'http',
            url: `http://127.0.0.1:${port}/svc/${i}`,
            samples: 1,
            tags: ['bench'],
          })),
        }),
      );
      return path;
    };
    const scenarios = [
      { what: `${N} healthy http monitors, 1 sample, alerts configured`, config: configFor(ok.port, 'state-ok'), runs: 1 },
      { what: `${N} failing http monitors, 1 sample: first run opens ${N} incidents and alerts`, config: configFor(bad.port, 'state-bad'), runs: 1 },
      { what: `the same, second run (incidents open, state of ${N} incidents read and kept)`, config: join(dir, `monitors-${bad.port}.yaml`), runs: 1 },
      { what: `${N} healthy http monitors, six runs in one process (a warm instance)`, config: join(dir, `monitors-${ok.port}.yaml`), runs: 6 },
    ];
    // Each scenario REPEAT times from fresh state: when V8 collects varies from run to run,
    // and the peak with it (by 10 MB and more on a busy machine).
    const peaks = scenarios.map(() => [] as number[]);
    const last: Report['runs'][number][] = [];
    for (let rep = 0; rep < REPEAT; rep++) {
      rmSync(join(dir, 'state-ok'), { recursive: true, force: true });
      rmSync(join(dir, 'state-bad'), { recursive: true, force: true });
      for (const [i, s] of scenarios.entries()) {
        say(`${s.what} (${rep + 1} of ${REPEAT})`);
        const r = await runChild<Report>([join(__dirname, 'child-memory.js'), DIST, String(s.runs)], { ...childEnv(), SCF_MONITOR_CONFIG: s.config }, cg);
        peaks[i]!.push(r.maxRssKb / 1024);
        last[i] = r.runs[r.runs.length - 1]!;
      }
    }
    for (const [i, s] of scenarios.entries()) {
      const sorted = [...peaks[i]!].sort((a, b) => a - b);
      const mid = sorted[Math.floor(sorted.length / 2)]!;
      const run = last[i]!;
      rows.push(
        `| ${s.what} | ${mid.toFixed(1)} MB | ${sorted[0]!.toFixed(1)}-${sorted[sorted.length - 1]!.toFixed(1)} MB | ${mid > BUDGET_MB ? `**over ${BUDGET_MB} MB**` : `within ${BUDGET_MB} MB`} | ${run.results} results, ${run.failing} failing, ${run.alerts} notices, ${run.delivered} messages delivered${run.alertingError ? `, alertingError: ${run.alertingError}` : ''}; ${(run.ms / 1000).toFixed(1)} s |`,
      );
    }
  } finally {
    cg?.remove();
    ok.stop();
    bad.stop();
    await robot.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const table = [`| run | peak RSS (median of ${REPEAT}) | range | budget | what it did (last repeat) |`, '|---|---|---|---|---|', ...rows].join('\n');
  process.stdout.write(`${table}\n`);
  writeFileSync(
    join(__dirname, 'memory.md'),
    `# statusCheck memory at scale\n\nWritten by \`npx tsx bench/memory.ts ${N} ${REPEAT}\` (after \`npm run build\`): the built bundle in a fresh process${cg ? ` in ${cg.label}` : ', no memory limit'}, config from YAML, peak RSS = \`process.resourceUsage().maxRSS\`. Node ${process.version}.\n\n${table}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
