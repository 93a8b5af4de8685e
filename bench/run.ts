/**
 * npm run bench: bundle bytes, cold require (median of 21 fresh processes), cold invoke,
 * checks per second against a bare http.get loop, and peak RSS. Writes bench/results.md.
 * A script that measures; never a test. Loopback only.
 */
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAll } from '../scripts/build';
import { runFunction } from '../lib/runtime/handler';
import { setLogSink } from '../lib/report/log';
import { localContext, timerEvent } from '../lib/runtime/scf';

const RUNS = 21;
const MONITORS = 1000;
const CONCURRENCY = 50;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function startTarget(): Promise<{ port: number; stop: () => void }> {
  return new Promise((resolve) => {
    const child = fork(join(__dirname, 'target-server.js'));
    child.once('message', (m: { port: number }) => resolve({ port: m.port, stop: () => child.kill() }));
  });
}

function coldRequire(file: string): number[] {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  return Array.from({ length: RUNS }, () => Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })));
}

function coldInvoke(dir: string): number[] {
  const script = `const t=process.hrtime.bigint();require('./statusCheck.js').main_handler({Type:'Timer',TriggerName:'b',Time:'',Message:''},{time_limit_in_ms:10000}).then(s=>{if(!s.ok)process.exit(3);process.stderr.write(String(Number(process.hrtime.bigint()-t)/1e6))})`;
  return Array.from({ length: RUNS }, () => {
    const r = spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`cold invoke failed: ${r.stderr}`);
    return Number(r.stderr);
  });
}

async function bareLoop(port: number): Promise<number> {
  let next = 0;
  const t = performance.now();
  const worker = async () => {
    while (next++ < MONITORS) {
      await new Promise<void>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
          res.resume();
          res.on('end', resolve);
        }).on('error', reject);
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return MONITORS / ((performance.now() - t) / 1000);
}

async function ours(port: number, dir: string): Promise<{ perSec: number; peakRssMb: number }> {
  // JSON, as the build ships it: the deployed function never parses YAML.
  const monitors = Array.from({ length: MONITORS }, (_, i) => ({ name: `m${i}`, type: 'http', url: `http://127.0.0.1:${port}/`, samples: 1 }));
  const configPath = join(dir, 'bench.json');
  writeFileSync(configPath, JSON.stringify({ concurrency: CONCURRENCY, monitors }));
  setLogSink(() => {});
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const t = performance.now();
  const summary = await runFunction('statusCheck', timerEvent(), localContext('statusCheck', 300_000), { configPath });
  const secs = (performance.now() - t) / 1000;
  clearInterval(sampler);
  if (!summary.ok) throw new Error('benchmark target failed');
  return { perSec: MONITORS / secs, peakRssMb: peak / 2 ** 20 };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-bench-'));
  const target = await startTarget();
  try {
    const cfg = join(dir, 'monitors.yaml');
    writeFileSync(cfg, `monitors:\n  - { name: local, type: http, url: "http://127.0.0.1:${target.port}/", samples: 1 }\n`);
    const out = join(dir, 'dist');
    await buildAll({ configPath: cfg, outDir: out, quiet: true });
    const bundle = join(out, 'statusCheck.js');
    const bytes = statSync(bundle).size;
    const req = median(coldRequire(bundle));
    const inv = median(coldInvoke(out));
    // Warm both clients once so neither pays first-use costs inside the timed part.
    await bareLoop(target.port);
    const bare = await bareLoop(target.port);
    await ours(target.port, dir);
    const mine = await ours(target.port, dir);
    const rows = [
      ['statusCheck bundle', `${(bytes / 1024).toFixed(1)} KiB`, ''],
      ['cold require (median of 21)', `${req.toFixed(1)} ms`, 'budget 40 ms'],
      ['cold invoke, 1 healthy 1-sample check (median of 21)', `${inv.toFixed(1)} ms`, 'budget 60 ms'],
      [`bare http.get({agent:false}), ${MONITORS} requests, concurrency ${CONCURRENCY}`, `${bare.toFixed(0)} /s`, ''],
      [`statusCheck, ${MONITORS} monitors x 1 sample, concurrency ${CONCURRENCY}`, `${mine.perSec.toFixed(0)} /s`, `ratio ${(mine.perSec / bare).toFixed(2)} (budget 0.8)`],
      ['peak RSS of that run', `${mine.peakRssMb.toFixed(0)} MB`, 'budget 128 MB'],
      ['SCF cost at 128 MB', `${((0.125 * (MONITORS / mine.perSec)) / (MONITORS / 1000)).toFixed(4)} GB-s per 1,000 checks`, ''],
    ];
    const md = [
      `# Benchmark (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${execFileSync('nproc').toString().trim()} cores)`,
      '',
      '| what | measured | note |',
      '|---|---|---|',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
    ].join('\n');
    writeFileSync(join(__dirname, 'results.md'), md);
    process.stdout.write(md);
  } finally {
    target.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack}\n`);
  process.exitCode = 1;
});
