/**
 * `npx tsx bench/ingest.ts`: what a ping and a heartbeatCheck run cost (issue 15's budgets).
 * - Pings through `scf-monitor serve ingest` (a child process, file store and Redis), from
 *   this process on loopback: latency one at a time (median, p99), then throughput at 16 in
 *   flight, with the server's own CPU time from /proc, so "pings per second of one core" is
 *   pings / server CPU seconds, whatever else the shared machine is doing.
 * - heartbeatCheck over 10,000 checks (every one pinged, through the real handler), CPU time
 *   of the run in this process.
 * BENCH_NO_HISTORY=1 runs heartbeatCheck with history off (to part the history write's cost
 * from the checks'); BENCH_CHECKS_ONLY=1 skips the pings. A script, never a test: timings on a
 * shared machine are noisy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runFunction } from '../lib/functions';
import { heartbeatKey, type HeartbeatState } from '../lib/monitors/heartbeat/state';
import { setLogSink } from '../lib/report/log';
import { openStore } from '../lib/state/open';
import { startRedis } from '../test/support/redis';
import { childEnv, median, percentile, say } from './util';

const CLI = join(resolve(__dirname, '..'), 'bin', 'scf-monitor.js');
const TOKEN = 'bench-ingest-token';
const LATENCY_PINGS = 2000;
const THROUGHPUT_PINGS = 10_000;
const IN_FLIGHT = 16;
const CHECKS = 10_000;

function cpuMs(pid: number): number {
  // utime + stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second here).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function serve(configPath: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', 'ingest', '--port', '0', '--config', configPath], { env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((ok, fail) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /listening on (\S+)/.exec(err);
      if (m) ok(m[1]!);
    });
    child.once('exit', (code) => fail(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, url };
}

async function pingBench(label: string, state: object): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-bench-ingest-'));
  const configPath = join(dir, 'monitors.json');
  const checks = 1000;
  writeFileSync(
    configPath,
    JSON.stringify({
      state,
      ingest: { token: TOKEN, rateLimitPerMinute: 10_000 },
      monitors: Array.from({ length: checks }, (_, i) => ({ name: `job-${i}`, type: 'heartbeat', period: '1h' })),
    }),
  );
  const { child, url } = await serve(configPath);
  const headers = { authorization: `Bearer ${TOKEN}` };
  const ping = async (i: number) => {
    const res = await fetch(`${url}/ping/job-${i % checks}`, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`ping answered ${res.status}`);
  };
  try {
    for (let i = 0; i < 200; i++) await ping(i); // warm-up: JIT, connections, the config cache
    const lat: number[] = [];
    for (let i = 0; i < LATENCY_PINGS; i++) {
      const t = performance.now();
      await ping(i);
      lat.push(performance.now() - t);
    }
    const cpu0 = cpuMs(child.pid!);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => { while (next < THROUGHPUT_PINGS) await ping(next++); }));
    const wall = (performance.now() - t0) / 1000;
    const cpu = (cpuMs(child.pid!) - cpu0) / 1000;
    return [
      `| ${label}: ping latency, 1 in flight, ${LATENCY_PINGS} pings | median ${median(lat).toFixed(2)} ms, p99 ${percentile(lat, 99).toFixed(2)} ms | ≤ 5 ms median, ≤ 20 ms p99 |`,
      `| ${label}: ${THROUGHPUT_PINGS} pings, ${IN_FLIGHT} in flight | ${(THROUGHPUT_PINGS / wall).toFixed(0)} pings/s wall; server CPU ${cpu.toFixed(2)} s = ${(THROUGHPUT_PINGS / cpu).toFixed(0)} pings per CPU-second | ≥ 1,000 pings/s on one core |`,
    ];
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function checkBench(label: string, state: object): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-bench-hb-'));
  const configPath = join(dir, 'monitors.json');
  writeFileSync(
    configPath,
    JSON.stringify({ state, ...(process.env.BENCH_NO_HISTORY ? { history: { enabled: false } } : {}), monitors: Array.from({ length: CHECKS }, (_, i) => ({ name: `job-${i}`, type: 'heartbeat', period: '1h' })) }),
  );
  const now = Date.now();
  const store = openStore(state as never);
  await Promise.all(
    Array.from({ length: CHECKS }, (_, i) =>
      store.compareAndSet<HeartbeatState>(heartbeatKey(`job-${i}`), undefined, { lastPing: now - 60_000, lastKind: 'success', lastSuccess: now - 60_000 }),
    ),
  );
  await store.close();
  setLogSink(() => {});
  try {
    // The first run also loads and validates the 10,000-monitor config; the second is a warm instance.
    const times: string[] = [];
    for (const which of ['cold', 'warm']) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const s = await runFunction('heartbeatCheck', undefined, { time_limit_in_ms: 60_000 }, { configPath, now: () => now });
      const cpu = process.cpuUsage(c0);
      if (!s.ok || s.results.length !== CHECKS) throw new Error(`heartbeatCheck: ok ${s.ok}, ${s.results.length} results`);
      times.push(`${which} ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (${(performance.now() - t0).toFixed(0)} ms wall)`);
    }
    return `| ${label}: heartbeatCheck over ${CHECKS.toLocaleString('en')} checks | ${times.join('; ')} | ≤ 1 s of CPU |`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const rows: string[] = ['| what | measured | budget |', '|---|---|---|'];
  try {
    const fileDir = mkdtempSync(join(tmpdir(), 'scf-monitor-bench-state-'));
    if (!process.env.BENCH_CHECKS_ONLY) {
      say('pings, file store');
      rows.push(...(await pingBench('file store', { type: 'file', path: fileDir })));
      say('pings, redis');
      rows.push(...(await pingBench('redis', { type: 'redis', url: redis.url, keyPrefix: 'bench-pings:' })));
    }
    say('heartbeatCheck, file store');
    rows.push(await checkBench('file store', { type: 'file', path: mkdtempSync(join(tmpdir(), 'scf-monitor-bench-hbstate-')) }));
    say('heartbeatCheck, redis');
    rows.push(await checkBench('redis', { type: 'redis', url: redis.url, keyPrefix: 'bench-hb:', connectTimeoutMs: 3000 }));
    rmSync(fileDir, { recursive: true, force: true });
  } finally {
    await redis.stop();
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
