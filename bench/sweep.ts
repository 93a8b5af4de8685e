/**
 * npm run bench:sweep: the sweep's budgets (issue 17), written to bench/sweep-results.md. A
 * script, never a test: figures are printed beside the budgets, rows past them marked OVER.
 * Every target is in 127.0.0.0/8: a listener on 0.0.0.0 in its own process answers half the
 * addresses, a port with no listener refuses the other half, the black hole gives timeouts.
 *
 *  1. 10,000 targets × 1 attempt in one invocation, against a bare net.connect loop at the same
 *     concurrency (each in a fresh process: rate, and peak RSS from maxRSS). Rounds alternate.
 *  2. 100,000 targets over 10 shards through the Tencent Cloud stand-in (Invoke, Event) and a
 *     real redis-server, every group's sums checked against the list's own arithmetic.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFunction } from '../lib/functions';
import { setLogSink } from '../lib/report/log';
import type { ScfEvent } from '../lib/runtime/scf';
import type { Summary } from '../lib/runtime/summary';
import '../lib/monitors/sweep/types';
import { startTencentCloud } from '../dev/standins/tencent-cloud';
import { scfStandIn } from '../dev/standins/tc-scf';
import { closedPort } from '../dev/standins/servers';
import { blackHole } from '../test/support/blackhole';
import { startRedis } from '../test/support/redis';

const N = 10_000;
const CONCURRENCY = 800;
const ROUNDS = 7;
const FAN_N = 100_000;
const FAN_SHARDS = 10;
const BUDGET = { ratio: 0.8, rssMb: 128 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function startListener(): Promise<{ port: number; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'sweep-listener.js'), { execArgv: [] });
    child.once('error', reject);
    child.once('message', (m: { port: number }) => resolve({ port: m.port, stop: () => child.kill() }));
  });
}

interface ChildResult {
  mode: string;
  ms: number;
  rate: number;
  answered: number;
  maxRssMb: number;
}

const DIST = join(__dirname, '..', 'dist');

function child(mode: string, open: number, closed: number, config: string): ChildResult {
  const out = execFileSync(process.execPath, [join(__dirname, 'child-sweep.js'), mode, String(N), String(CONCURRENCY), String(open), String(closed), DIST], {
    encoding: 'utf8',
    env: { ...process.env, SCF_MONITOR_CONFIG: config },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult;
  if (r.answered !== N) throw new Error(`${mode}: ${r.answered} of ${N} answered (all should: listener or refusal)`);
  return r;
}

async function oneInvocation(rows: string[]): Promise<string[]> {
  const listener = await startListener();
  const closed = await closedPort();
  const out: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-sweep-one-'));
  const host = (i: number) => `127.${20 + Math.floor(i / 65024)}.${Math.floor((i % 65024) / 254)}.${(i % 254) + 1}`;
  writeFileSync(join(dir, 'targets.csv'), Array.from({ length: N }, (_, i) => `${host(i)}:${i % 2 === 0 ? listener.port : closed},p${i % 31},isp${i % 3}`).join('\n'));
  const config = join(dir, 'monitors.json');
  writeFileSync(config, JSON.stringify({ state: { type: 'file', path: join(dir, 'state') }, monitors: [{ name: 'bench', type: 'sweep', targets: { file: 'targets.csv' }, attempts: 1, concurrency: CONCURRENCY, connectTimeoutMs: 5000 }] }));
  try {
    const runs: Record<string, ChildResult[]> = { bare: [], invocation: [] };
    for (let r = 0; r < ROUNDS; r++) for (const mode of ['bare', 'invocation']) runs[mode]!.push(child(mode, listener.port, closed, config));
    const rate = (m: string) => median(runs[m]!.map((x) => x.rate));
    const rss = (m: string) => Math.max(...runs[m]!.map((x) => x.maxRssMb));
    const ratioInvocation = rate('invocation') / rate('bare');
    const rounds = (m: string) => runs[m]!.map((x) => Math.round(x.rate)).join(', ');
    rows.push(
      `| bare net.connect loop, ${N} targets × 1, concurrency ${CONCURRENCY} (median of ${ROUNDS}) | ${Math.round(rate('bare'))} /s |  | rounds ${rounds('bare')} /s; peak RSS ${rss('bare').toFixed(1)} MB |`,
      `| dist/sweep.js main_handler, one invocation (config, 10,000-row file, probe, baseline write), same targets | ${Math.round(rate('invocation'))} /s |  | rounds ${rounds('invocation')} /s; a fresh process each (cold require included) |`,
      `| rate, sweep invocation / bare | ${ratioInvocation.toFixed(3)} | ≥ ${BUDGET.ratio}${ratioInvocation < BUDGET.ratio ? ' **OVER**' : ''} | medians of rounds alternating bare, sweep |`,
      `| peak RSS of the sweep invocation (fresh process, maxRSS) | ${rss('invocation').toFixed(1)} MB | ≤ ${BUDGET.rssMb} MB${rss('invocation') > BUDGET.rssMb ? ' **OVER**' : ''} | the bare loop's process: ${rss('bare').toFixed(1)} MB |`,
    );
    out.push(`median ms: bare ${median(runs.bare!.map((x) => x.ms)).toFixed(0)}, invocation ${median(runs.invocation!.map((x) => x.ms)).toFixed(0)}`);
  } finally {
    listener.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

const PROVINCES = Array.from({ length: 31 }, (_, i) => `p${String(i).padStart(2, '0')}`);
const ISPS = ['ct', 'cu', 'cm'];

async function fanOut(rows: string[]): Promise<void> {
  const listener = await startListener();
  const closed = await closedPort();
  const hole = await blackHole();
  const redis = await startRedis();
  // Two shards at a time: ten at 800 connections each would overflow loopback's accept backlog.
  const scf = scfStandIn({ maxConcurrentEvents: 2 });
  const account = { secretId: 'AKIDsweepBench01', secretKey: 'bench-secret-key' };
  const cloud = await startTencentCloud({ accounts: [account], services: [scf.service] });
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-sweep-fan-'));
  setLogSink(() => {});
  try {
    const expected = new Map<string, { targets: number; answered: number }>();
    const lines: string[] = [];
    for (let i = 0; i < FAN_N; i++) {
      const g = `${PROVINCES[i % 31]},${ISPS[Math.floor(i / 31) % 3]}`;
      const e = expected.get(g) ?? { targets: 0, answered: 0 };
      e.targets++;
      // One in 500 to the black hole (loss); one in 10 to the listener, the rest refused: the
      // kernel refuses without a queue, so no answer is lost to a full accept backlog here.
      if (i % 500 === 7) lines.push(`127.0.0.1:${hole.port},${g}`);
      else {
        e.answered++;
        lines.push(`127.${40 + Math.floor(i / 65024)}.${Math.floor((i % 65024) / 254)}.${(i % 254) + 1}:${i % 10 === 0 ? listener.port : closed},${g}`);
      }
      expected.set(g, e);
    }
    writeFileSync(join(dir, 'targets.csv'), lines.join('\n'));
    const configPath = join(dir, 'monitors.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        state: { type: 'redis', url: redis.url, keyPrefix: 'bench:' },
        monitors: [
          {
            name: 'netsky',
            type: 'sweep',
            targets: { file: 'targets.csv' },
            attempts: 1,
            concurrency: CONCURRENCY,
            connectTimeoutMs: 1000,
            fanout: { targetsPerShard: FAN_N / FAN_SHARDS, functionName: 'sweep', region: 'ap-guangzhou', secretId: account.secretId, secretKey: account.secretKey, endpoint: cloud.endpoint('scf'), proxy: cloud.proxyUrl },
          },
        ],
      }),
    );
    const summaries: Summary[] = [];
    const invoke = (event: ScfEvent) => runFunction('sweep', event, { time_limit_in_ms: 120_000 }, { configPath });
    scf.setFunction('ap-guangzhou', 'sweep', { result: async (event) => void summaries.push(await invoke(event as ScfEvent)) });
    const t0 = performance.now();
    summaries.push(await invoke({ Type: 'Timer', TriggerName: 'b', Time: new Date().toISOString(), Message: '' } as ScfEvent));
    await scf.idle();
    const ms = performance.now() - t0;
    if (scf.backgroundErrors.length) throw scf.backgroundErrors[0]!.error;
    const judged = summaries.filter((s) => s.results.length);
    if (judged.length !== 1) throw new Error(`${judged.length} invocations aggregated, not 1`);
    let exact = 0;
    const wrong: string[] = [];
    for (const r of judged[0]!.results.filter((x) => x.subject)) {
      const e = expected.get(r.subject!.replace('/', ','))!;
      if (r.sweep!.targets === e.targets && r.sweep!.attempts === e.targets && r.sweep!.answered === e.answered) exact++;
      else wrong.push(`${r.subject}: ${r.sweep!.targets}/${r.sweep!.answered} vs ${e.targets}/${e.answered}`);
    }
    const run = judged[0]!.results.find((r) => !r.subject)!;
    rows.push(
      `| ${FAN_N} targets over ${run.sweepRun!.shards} shards through the stand-in (Invoke Event) and redis-server, all in this process | ${(ms / 1000).toFixed(1)} s | exact sums | ${exact} of ${expected.size} groups exact${wrong.length ? ` **WRONG**: ${wrong.slice(0, 3).join('; ')}` : ''}; ${scf.invocations.length} Invoke calls; lost shards ${run.sweepRun!.lostShards?.length ?? 0}; the 10 shards share 2 cores here, on SCF each has its own instance |`,
    );
  } finally {
    await cloud.close();
    await redis.stop();
    await hole.close();
    listener.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

(async () => {
  const load0 = loadavg()[0]!;
  const rows: string[] = [];
  const notes = await oneInvocation(rows);
  await fanOut(rows);
  const text = [
    `# Sweep benchmark (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} cores, ${cpus()[0]?.model.trim()})`,
    '',
    `1-minute load average: ${load0.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end (other work on these cores inflates the figures). Loopback only.`,
    '',
    '| what | measured | budget | note |',
    '|---|---|---|---|',
    ...rows,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  writeFileSync(join(__dirname, 'sweep-results.md'), text);
  process.stdout.write(text);
  process.exit(0);
})();
