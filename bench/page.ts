/**
 * The page monitor's budgets, against loopback pages (bench/page-server.js, its own process):
 * - cold: Chromium's launch plus one sample of a simple page plus the close, as one pagePerf
 *   monitor costs (runPage, fresh browser each time);
 * - accuracy: each timing against the delay the server actually injected (its own hrtime
 *   record of each hold), warm browser, a fresh context per sample; target median |error| <= 10 ms;
 * - memory: peak PSS (proportional set size: shared pages split among the processes sharing
 *   them) of Chromium's processes plus this process while one monitor runs.
 * A script, never a test: `npx tsx bench/page.ts [samples]`; writes bench/page.md.
 * Needs Chromium (apt-get install chromium). Only 127.0.0.1 is contacted.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { chromiumPath, launchChromium } from '../lib/monitors/page/browser';
import { runPage } from '../lib/monitors/page/run';
import { takePageSample } from '../lib/monitors/page/sample';
import { pageMonitor, type PageMonitor } from '../lib/monitors/page/schema';
import { median, percentile } from './util';

const SAMPLES = Number(process.argv[2] ?? 15);
const COLD_REPS = 7;

const profiles = mkdtempSync(join(tmpdir(), 'scf-monitor-page-bench-'));
process.env.TMPDIR = profiles;

function pssKb(pid: number | 'self'): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** This process and every process started with a profile under `profiles`. */
function totalPssKb(): { total: number; browser: number } {
  let browser = 0;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(`--user-data-dir=${profiles}`)) browser += pssKb(Number(e));
    } catch {
      // exited
    }
  }
  return { total: browser + pssKb('self'), browser };
}

const fmt = (x: number) => x.toFixed(1);

async function main(): Promise<void> {
  const server = fork(join(__dirname, 'page-server.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((r) => server.once('message', (m: { port: number }) => r(m.port)));
  const url = (p: string) => `http://127.0.0.1:${port}${p}`;
  const monitor = (p: string, extra: Record<string, unknown> = {}): PageMonitor =>
    v.parse(pageMonitor, { name: 'bench', type: 'page', url: url(p), samples: 1, intervalMs: 0, screenshot: { onFailure: false }, ...extra });
  const lines: string[] = [];
  const say = (s: string) => {
    lines.push(s);
    process.stdout.write(`${s}\n`);
  };
  try {
    say(`# Page monitor (pagePerf) budgets`);
    say('');
    say(`${new Date().toISOString()}, ${cpus().length} cores (shared; load average ${loadavg()[0]!.toFixed(1)} at the start), Chromium ${chromiumPath(undefined)}, Node ${process.version}. \`npx tsx bench/page.ts ${SAMPLES}\`.`);
    say('');

    // Cold: what one monitor run costs, launch to close, with the peak memory while it runs.
    const cold: number[] = [];
    const once = async () => {
      const r = await runPage(monitor('/simple'), { functionName: 'bench', signal: new AbortController().signal });
      if (!r.ok) throw new Error(`cold run failed: ${JSON.stringify(r.reasons)}`);
    };
    for (let i = 0; i < COLD_REPS; i++) {
      const t0 = performance.now();
      await once();
      cold.push(performance.now() - t0);
    }
    // Apart from the timed runs: reading smaps_rollup of a dozen processes is itself work.
    let peak = { total: 0, browser: 0 };
    const poll = setInterval(() => {
      const now = totalPssKb();
      if (now.total > peak.total) peak = now;
    }, 50);
    for (let i = 0; i < 3; i++) await once();
    clearInterval(poll);
    const launches: number[] = [];
    const firstSamples: number[] = [];
    const closes: number[] = [];
    for (let i = 0; i < COLD_REPS; i++) {
      const t0 = performance.now();
      const l = await launchChromium(chromiumPath(undefined), 20_000);
      const t1 = performance.now();
      await takePageSample(l.browser, monitor('/simple'), { wantScreenshot: false });
      firstSamples.push(performance.now() - t1);
      launches.push(t1 - t0);
      const t2 = performance.now();
      await l.close();
      closes.push(performance.now() - t2);
    }
    say(`## Cold: launch, one sample of a simple loopback page, close (${COLD_REPS} runs)`);
    say('');
    say('| what | median ms | p95 ms |');
    say('|---|---|---|');
    say(`| runPage: launch + 1 sample + close | ${fmt(median(cold))} | ${fmt(percentile(cold, 95))} |`);
    say(`| launch alone | ${fmt(median(launches))} | ${fmt(percentile(launches, 95))} |`);
    say(`| first sample on a fresh browser | ${fmt(median(firstSamples))} | ${fmt(percentile(firstSamples, 95))} |`);
    say(`| close (browser and profile) | ${fmt(median(closes))} | ${fmt(percentile(closes, 95))} |`);
    say('');
    say(`Peak PSS while a monitor runs: ${fmt(peak.total / 1024)} MB in all, of which Chromium's processes ${fmt(peak.browser / 1024)} MB and this Node process the rest.`);
    say('');

    // Accuracy: warm browser, a fresh context per sample, each timing against the server's own record of its hold.
    const l = await launchChromium(chromiumPath(undefined), 20_000);
    const errors: Record<string, number[]> = {};
    const add = (k: string, e: number) => (errors[k] ??= []).push(e);
    /** Held minus unheld twin, against the hold: the measurement's own error, the browser's work cancelled. */
    const diffs: Record<string, number[]> = {};
    const addDiff = (k: string, e: number) => (diffs[k] ??= []).push(e);
    const holds = async () => (await (await fetch(url('/holds'))).json()) as { path: string; heldMs: number }[];
    try {
      await takePageSample(l.browser, monitor('/simple'), { wantScreenshot: false });
      for (let i = 0; i < SAMPLES; i++) {
        for (const [page, twin, held, pairs] of [
          ['/h100', '/h0', '/h100', ['requestMs', 'domReadyMs', 'onloadMs', 'blankScreenMs']],
          ['/async', '/async0', '/hold.js', ['onloadMs']],
          ['/image', '/image0', '/late.svg', ['onloadMs']],
        ] as const) {
          const before = (await holds()).length;
          const o = await takePageSample(l.browser, monitor(page), { wantScreenshot: false });
          if (o.error) throw new Error(`${page}: ${JSON.stringify(o.error)}`);
          const h = (await holds()).slice(before).find((x) => x.path === held);
          if (!h) throw new Error(`${page}: no hold recorded for ${held}`);
          const z = await takePageSample(l.browser, monitor(twin), { wantScreenshot: false });
          if (z.error) throw new Error(`${twin}: ${JSON.stringify(z.error)}`);
          for (const k of pairs) {
            add(`${page} ${k} vs ${held} held`, o.timings[k]! - h.heldMs);
            addDiff(`${page} ${k} minus ${twin} ${k}, vs ${held} held`, o.timings[k]! - z.timings[k]! - h.heldMs);
          }
        }
      }
    } finally {
      await l.close();
    }
    const all = Object.values(errors).flat().map(Math.abs);
    say(`## Accuracy: timing minus the delay the server injected (${SAMPLES} samples each, warm browser, fresh context)`);
    say('');
    say('| timing | median error ms | p95 error ms | min ms |');
    say('|---|---|---|---|');
    for (const [k, es] of Object.entries(errors)) say(`| ${k} | ${fmt(median(es))} | ${fmt(percentile(es, 95))} | ${fmt(Math.min(...es))} |`);
    say('');
    say(`Median |error| over all: **${fmt(median(all))} ms** (target <= 10 ms); p95 ${fmt(percentile(all, 95))} ms.`);
    say('The error of requestMs is the measurement itself; the others include the browser\'s own work');
    say('(parsing, the sub-request, the first frame), which a real onload or blank screen includes too.');
    say('');
    const allDiffs = Object.values(diffs).flat().map(Math.abs);
    say(`## Accuracy of the delay itself: held page minus its unheld twin (sampled right after), against the hold`);
    say('');
    say('| timing | median error ms | p95 error ms |');
    say('|---|---|---|');
    for (const [k, es] of Object.entries(diffs)) say(`| ${k} | ${fmt(median(es.map(Math.abs)))} | ${fmt(percentile(es.map(Math.abs), 95))} |`);
    say('');
    say(`Median |error| over all: **${fmt(median(allDiffs))} ms** (target <= 10 ms): how far a delay the page gains shows up`);
    say('in the timings, with the browser\'s constant work (the same on both pages) taken out.');
  } finally {
    server.kill();
    rmSync(profiles, { recursive: true, force: true });
  }
  writeFileSync(join(__dirname, 'page.md'), `${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
