/**
 * The `page` monitor: one Chromium per run, a fresh context per sample, judged as statusCheck
 * judges samples (success rate) plus a threshold per timing on its mean. The browser is
 * closed on every path: done, thrown, or cut by the deadline while a page hangs.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reason } from '../../report/codes';
import type { DetailTable, ResultRecord, SampleRecord } from '../../report/record';
import { redactUrl } from '../../report/redact';
import { mean, percentile, roundMs } from '../../report/stats';
import type { RunContext } from '../context';
import { takeSamples } from '../sampling';
import { judge, type Judged } from '../verdict';
import { BrowserError, chromiumPath, firstLine, launchChromium, type Launched } from './browser';
import { takePageSample, type Observation, type TimingKey } from './sample';
import { TIMING_LIMITS, type PageMonitor } from './schema';
import type { PageDetail, TimingStats } from './types';

export const LAUNCH_TIMEOUT_MS = 20_000;
/** Screenshots kept per monitor in the folder; older ones are removed. */
export const KEEP_SCREENSHOTS = 20;
export const DEFAULT_SCREENSHOT_DIR = '/tmp/scf-monitor/screenshots';
/**
 * Chromiums at once in one process, whatever `concurrency` says: each takes 100-300 MB, and
 * the pool's 20 monitors at a time would be 20 browsers.
 */
export const MAX_BROWSERS = 2;

let browsers = 0;
const waiting: (() => void)[] = [];

/** A browser slot, or false when the deadline came while waiting for one. */
async function browserSlot(signal: AbortSignal): Promise<boolean> {
  while (browsers >= MAX_BROWSERS) {
    if (signal.aborted) return false;
    await new Promise<void>((resolve) => {
      const wake = () => {
        signal.removeEventListener('abort', wake);
        resolve();
      };
      waiting.push(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }
  if (signal.aborted) return false;
  browsers++;
  return true;
}

function releaseSlot(): void {
  browsers--;
  waiting.shift()?.();
}

const TIMING_ORDER: TimingKey[] = ['dnsMs', 'tcpMs', 'tlsMs', 'requestMs', 'domParseMs', 'domReadyMs', 'onloadMs', 'blankScreenMs'];
/** As the seed named them, for messages people read. */
const TIMING_NAMES: Record<TimingKey, string> = {
  dnsMs: 'dns',
  tcpMs: 'tcp',
  tlsMs: 'tls',
  requestMs: 'request',
  domParseMs: 'dom_parse',
  domReadyMs: 'dom_ready',
  onloadMs: 'onload',
  blankScreenMs: 'blank_screen',
};

function sampleRecord(o: Observation): SampleRecord {
  const r: SampleRecord = { ok: !o.error, attempts: 1, timings: { ...o.timings } };
  if (o.statusCode !== undefined) r.statusCode = o.statusCode;
  if (o.remoteAddress) r.remoteAddress = o.remoteAddress;
  r.page = o.page;
  if (o.error) r.error = o.error;
  return r;
}

function timingStats(samples: readonly Observation[]): Record<string, TimingStats> {
  const out: Record<string, TimingStats> = {};
  for (const k of TIMING_ORDER) {
    const values = samples.filter((s) => s.loaded).flatMap((s) => (s.timings[k] === undefined ? [] : [s.timings[k]!]));
    if (!values.length) continue;
    out[k] = { meanMs: roundMs(mean(values)!), p95Ms: roundMs(percentile(values, 95)!), maxMs: roundMs(Math.max(...values)) };
  }
  return out;
}

function slowReasons(m: PageMonitor, stats: Record<string, TimingStats>, counts: Record<string, number>): Reason[] {
  const reasons: Reason[] = [];
  for (const [limit, key] of Object.entries(TIMING_LIMITS) as [keyof typeof TIMING_LIMITS, TimingKey][]) {
    const max = m.expect[limit];
    const s = stats[key];
    if (max === undefined || !s || s.meanMs <= max) continue;
    const n = counts[key]!;
    reasons.push({
      code: 'SLOW_PAGE',
      message: `mean ${TIMING_NAMES[key]} ${s.meanMs} ms over ${n} sample${n === 1 ? '' : 's'} is above ${limit} ${max} ms (worst ${s.maxMs} ms)`,
    });
  }
  return reasons;
}

/** The PNG beside the record: `<dir>/<monitor>-<time>.png`, the oldest beyond KEEP_SCREENSHOTS removed. */
export function saveScreenshot(dir: string, monitor: string, timestamp: string, png: Buffer): string {
  const stem = monitor.replace(/[^A-Za-z0-9._-]+/g, '_');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${stem}-${timestamp.replace(/[:.]/g, '-')}.png`);
  writeFileSync(file, png);
  const mine = readdirSync(dir)
    .filter((f) => f.startsWith(`${stem}-`) && f.endsWith('.png') && /^\d{4}-/.test(f.slice(stem.length + 1)))
    .sort();
  for (const old of mine.slice(0, Math.max(0, mine.length - KEEP_SCREENSHOTS))) rmSync(join(dir, old), { force: true });
  return file;
}

function failedToStart(m: PageMonitor, ctx: RunContext, timestamp: string, started: number, reason: Reason): ResultRecord {
  return {
    timestamp,
    function: ctx.functionName,
    monitor: m.name,
    type: m.type,
    target: redactUrl(m.url),
    ok: false,
    reasons: [reason],
    stats: { samples: 0, successes: 0, successRate: 0 },
    hostList: [],
    durationMs: roundMs(performance.now() - started),
    samples: [],
  };
}

/** Resolves with the browser, or undefined when the deadline came first (a late launch is closed). */
async function launchWithin(path: string | undefined, signal: AbortSignal): Promise<Launched | undefined> {
  const launching = launchChromium(path, LAUNCH_TIMEOUT_MS);
  if (signal.aborted) {
    launching.then((l) => l.close(), () => undefined);
    return undefined;
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const won = await Promise.race([launching, aborted]);
    if (!won) launching.then((l) => l.close(), () => undefined);
    return won;
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

export async function runPage(m: PageMonitor, ctx: RunContext): Promise<ResultRecord> {
  const timestamp = new Date().toISOString();
  const started = performance.now();
  if (!(await browserSlot(ctx.signal))) {
    return failedToStart(m, ctx, timestamp, started, judge([], { minSuccessRate: 0, maxMeanMs: Infinity }, m.samples, 'between').reasons[0]!);
  }
  try {
    return await runInSlot(m, ctx, timestamp, started);
  } finally {
    releaseSlot();
  }
}

async function runInSlot(m: PageMonitor, ctx: RunContext, timestamp: string, started: number): Promise<ResultRecord> {
  let launched: Launched | undefined;
  try {
    launched = await launchWithin(chromiumPath(m.executablePath), ctx.signal);
  } catch (err) {
    const message = err instanceof BrowserError ? err.message : `Chromium did not start: ${firstLine((err as Error).message)}`;
    return failedToStart(m, ctx, timestamp, started, { code: 'BROWSER_ERROR', message });
  }
  // The deadline came before the browser: not run, as any sampled monitor the deadline never started.
  if (!launched) return failedToStart(m, ctx, timestamp, started, judge([], { minSuccessRate: 0, maxMeanMs: Infinity }, m.samples, 'between').reasons[0]!);
  const browser = launched;
  // At the deadline the browser goes at once: a hanging navigation then rejects and the
  // sample is dropped as cut (lib/monitors/sampling.ts).
  const onAbort = () => void browser.close(2000);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let shot: Observation | undefined;
  let sampled: Awaited<ReturnType<typeof takeSamples<Observation>>>;
  try {
    sampled = await takeSamples(m.samples, m.intervalMs, ctx.signal, async () => {
      const o = await takePageSample(browser.browser, m, { wantScreenshot: m.screenshot.onFailure && !shot });
      if (o.png || o.pngError) shot ??= o;
      return o;
    });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await browser.close();
  }
  const { samples, cut } = sampled;

  const judged: Judged[] = samples.map((o) => ({
    ok: !o.error,
    error: o.error,
    timeMs: o.loaded ? o.timings.onloadMs : undefined,
    remoteAddress: o.remoteAddress,
  }));
  const stats = timingStats(samples);
  const counts = Object.fromEntries(TIMING_ORDER.map((k) => [k, samples.filter((s) => s.loaded && s.timings[k] !== undefined).length]));
  // The per-timing limits replace maxMeanMs: the record's meanMs is the onload time's.
  const verdict = judge(judged, { minSuccessRate: m.expect.minSuccessRate, maxMeanMs: Infinity }, m.samples, cut, slowReasons(m, stats, counts));

  const page: PageDetail = { timings: stats, browser: browser.browser.version() };
  if (!verdict.ok && shot) {
    if (shot.png) {
      const dir = m.screenshot.dir ?? (ctx.filesDir ? join(ctx.filesDir, 'screenshots') : DEFAULT_SCREENSHOT_DIR);
      try {
        page.screenshot = saveScreenshot(dir, m.name, timestamp, shot.png);
        page.screenshotBytes = shot.png.length;
      } catch (err) {
        page.screenshotError = `screenshot not written to ${dir}: ${firstLine((err as Error).message)}`;
      }
    } else if (shot.pngError) {
      page.screenshotError = shot.pngError;
    }
  }
  const record: ResultRecord = {
    timestamp,
    function: ctx.functionName,
    monitor: m.name,
    type: m.type,
    target: redactUrl(m.url),
    ...verdict,
    durationMs: roundMs(performance.now() - started),
    page,
    samples: samples.map(sampleRecord),
  };
  if (!verdict.ok) record.table = alertTable(m, page);
  return record;
}

/** What an alert shows under its reasons: each timing against its limit, and the screenshot's path. */
function alertTable(m: PageMonitor, page: PageDetail): DetailTable {
  const limitOf = Object.fromEntries(Object.entries(TIMING_LIMITS).map(([limit, key]) => [key, m.expect[limit as keyof typeof TIMING_LIMITS]]));
  const rows = TIMING_ORDER.filter((k) => page.timings[k]).map((k) => {
    const s = page.timings[k]!;
    const limit = limitOf[k];
    return [TIMING_NAMES[k], `${s.meanMs}`, `${s.p95Ms}`, limit === undefined ? '' : `${limit}`];
  });
  if (page.screenshot) rows.push(['screenshot', page.screenshot, '', '']);
  else if (page.screenshotError) rows.push(['screenshot', page.screenshotError, '', '']);
  return { columns: ['timing', 'mean ms', 'p95 ms', 'limit ms'], rows };
}
