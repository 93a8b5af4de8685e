/**
 * npm run bench: measures and writes bench/results.md. A script, never a test: budgets are
 * printed beside the figures and rows past them are marked OVER, but nothing fails on them.
 * Loopback (127.0.0.1) only. The sections live beside this file:
 *   bundles.ts     builds the dist/ variants (ours, ours with channels, BASELINE with the SDK)
 *   cold.ts        cold require / cold invoke in fresh node processes (child-cold.js)
 *   throughput.ts  checks per second vs a bare http.get loop (child-throughput.js, child-bare.js)
 *   timing.ts      probeHttp's ttfbMs / downloadMs against a server that times itself
 *   alerting.ts    processAlerts to three slow channels vs the slowest channel alone
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCerts } from '../test/support/certs';
import { measureAlerting, DELAYS } from './alerting';
import { buildDists, bundleSizes } from './bundles';
import { freshStateDirs, measureCold, type ColdResult } from './cold';
import { measureThroughput } from './throughput';
import { BODY_MS, HEADER_MS, measureTiming } from './timing';
import { kib, median, ms, percentile, say, type Row } from './util';

const COLD_RUNS = 21;
const MONITORS = 1000;
const CONCURRENCY = 50;
const THROUGHPUT_ROUNDS = 8;
/** Rounds left out of the steady-state median: the JIT is still warming up. */
const WARM_ROUNDS = 3;
const TIMING_SAMPLES = 31;
const ALERT_REPS = 11;

const BUDGET = { requireMs: 40, invokeMs: 60, ratio: 0.8, rssMb: 128, timingErrMs: 3, alertOverheadMs: 50 };
const SCF_GB = 0.125; // a 128 MB function

/** The loopback target of the cold invokes and the throughput run, in its own process. */
function startTarget(): Promise<{ port: number; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'target-server.js'), { execArgv: [] });
    child.once('error', reject);
    child.once('message', (m: { port: number }) => resolve({ port: m.port, stop: () => child.kill() }));
  });
}

const upTo = (limit: number, unit: string) => `≤ ${limit} ${unit}`;

function coldRows(c: ColdResult, label: string, opts: { require: boolean; budgets: boolean; lazyNote?: boolean; note?: string }): Row[] {
  const fig = (xs: number[]) => `${ms(median(xs))} (p90 ${ms(percentile(xs, 90))})`;
  const lazy = opts.lazyNote ? `dist/lazy loaded: ${c.lazy.length ? c.lazy.join(', ') : 'none'}` : '';
  const rows: Row[] = [];
  if (opts.require) {
    rows.push({
      what: `cold require, ${label}`,
      measured: fig(c.requireMs),
      ...(opts.budgets ? { budget: upTo(BUDGET.requireMs, 'ms'), over: median(c.requireMs) > BUDGET.requireMs } : {}),
      note: [lazy, opts.note].filter(Boolean).join('; '),
    });
  }
  rows.push({
    what: `cold invoke, ${label}`,
    measured: fig(c.invokeMs),
    ...(opts.budgets ? { budget: upTo(BUDGET.invokeMs, 'ms'), over: median(c.invokeMs) > BUDGET.invokeMs } : {}),
    note: [lazy, opts.require ? '' : opts.note].filter(Boolean).join('; '),
  });
  return rows;
}

function table(rows: Row[]): string {
  const cell = (s: string | undefined) => (s ?? '').replace(/\|/g, '\\|');
  return [
    '| what | measured | budget | note |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${cell(r.what)} | ${cell(r.measured)} | ${cell(r.budget ? `${r.budget}${r.over ? ' **OVER**' : ''}` : '')} | ${cell(r.note)} |`),
  ].join('\n');
}

async function main() {
  // Other work on the machine shows up in every figure here: say how busy it was.
  const loadBefore = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-bench-'));
  const target = await startTarget();
  const certs = makeCerts();
  const states = freshStateDirs();
  const keptState = mkdtempSync(join(tmpdir(), 'scf-monitor-bench-kept-'));
  const rows: Row[] = [];
  try {
    // 1. Bundles.
    say('building dist/ variants (ours x3, BASELINE with tencentcloud-sdk-nodejs)');
    const dists = await buildDists(dir, target.port, MONITORS, CONCURRENCY, certs.ca);
    for (const b of bundleSizes(dists.plain)) rows.push({ what: `bytes: ${b.file}`, measured: `${b.bytes} B (${kib(b.bytes)})` });
    const baselineBytes = statSync(join(dists.baseline, 'statusCheck.js')).size;
    rows.push({ what: 'bytes: BASELINE statusCheck.js (+ whole tencentcloud-sdk-nodejs)', measured: `${baselineBytes} B (${kib(baselineBytes)})` });

    // 2 + 3. Cold require and cold invoke, all variants interleaved.
    say(`cold starts: ${COLD_RUNS} fresh processes per variant`);
    const [plain, fresh, kept, baseline] = measureCold(
      [
        { name: 'ours, no channels', dir: dists.plain },
        { name: 'ours, 3 channels, empty state', dir: dists.channels, env: states.env },
        // The untimed first pass writes this monitor's state here; later runs find it unchanged.
        { name: 'ours, 3 channels, kept state', dir: dists.channels, env: () => ({ BENCH_STATE_DIR: keptState }) },
        { name: 'BASELINE', dir: dists.baseline },
      ],
      COLD_RUNS,
    ) as [ColdResult, ColdResult, ColdResult, ColdResult];
    // (a) and (b) require the very same file; only the monitors.json beside it differs.
    const sameBundle = readFileSync(join(dists.plain, 'statusCheck.js')).equals(readFileSync(join(dists.channels, 'statusCheck.js')));
    rows.push(
      ...coldRows(plain, '(a) ours, no channels', { require: true, budgets: true, lazyNote: true }),
      ...coldRows(fresh, '(b) ours, email + wecom + dingtalk configured, unused', {
        require: true,
        budgets: true,
        lazyNote: true,
        note: `${sameBundle ? 'the same statusCheck.js as (a), so the require figures differ by noise only; ' : ''}file state in an empty dir per process (a new SCF instance): the run writes the monitor's first state`,
      }),
      ...coldRows(kept, '(b\') as (b), state dir kept from an earlier run', {
        require: false,
        budgets: true,
        lazyNote: true,
        note: 'a healthy run that changes nothing writes nothing',
      }),
      ...coldRows(baseline, '(c) BASELINE: (a) + whole tencentcloud-sdk-nodejs', {
        require: true,
        budgets: false,
        note: `${(median(baseline.requireMs) / median(plain.requireMs)).toFixed(1)}x (a)'s require`,
      }),
    );

    // 4 + 5. Throughput, peak RSS, SCF cost.
    say(`throughput: ${MONITORS} monitors, concurrency ${CONCURRENCY}, ${THROUGHPUT_ROUNDS} rounds per side`);
    const tp = measureThroughput({ dist: dists.many, port: target.port, monitors: MONITORS, concurrency: CONCURRENCY, rounds: THROUGHPUT_ROUNDS, warmRounds: WARM_ROUNDS });
    const steady = `median of rounds ${WARM_ROUNDS + 1}-${THROUGHPUT_ROUNDS}`;
    const rates = (xs: number[]) => `rounds ${xs.map((x) => x.toFixed(0)).join(', ')} /s`;
    const secsPer1000 = 1000 / tp.ours.median;
    rows.push(
      {
        what: `bare http.get({agent:false}), ${MONITORS} requests, concurrency ${CONCURRENCY} (${steady})`,
        measured: `${tp.bare.median.toFixed(0)} /s`,
        note: `${rates(tp.bare.rates)}; child peak RSS ${tp.bare.maxRssMb.toFixed(0)} MB`,
      },
      {
        what: `statusCheck bundle, ${MONITORS} http monitors x 1 sample, concurrency ${CONCURRENCY} (${steady})`,
        measured: `${tp.ours.median.toFixed(0)} checks/s`,
        note: rates(tp.ours.rates),
      },
      { what: 'checks per second, ours / bare, warm instance', measured: tp.ratio.toFixed(3), budget: `≥ ${BUDGET.ratio}`, over: tp.ratio < BUDGET.ratio, note: steady },
      {
        what: 'checks per second, ours / bare, first round (a fresh instance)',
        measured: tp.firstRatio.toFixed(3),
        note: `${tp.ours.first.toFixed(0)} vs ${tp.bare.first.toFixed(0)} /s`,
      },
      {
        what: `peak RSS of the ${MONITORS}-monitor run (bundle child, maxRSS)`,
        measured: `${tp.ours.maxRssMb.toFixed(1)} MB`,
        budget: upTo(BUDGET.rssMb, 'MB'),
        over: tp.ours.maxRssMb > BUDGET.rssMb,
        note: `over the child's life: require + ${THROUGHPUT_ROUNDS} runs of ${MONITORS} checks`,
      },
      {
        what: 'SCF cost at 128 MB',
        measured: `${(SCF_GB * secsPer1000).toFixed(4)} GB-s per 1,000 checks`,
        note: `0.125 GB x ${secsPer1000.toFixed(3)} s per 1,000 checks`,
      },
    );

    // 6. Timing accuracy.
    say(`timing accuracy: ${TIMING_SAMPLES} sequential probeHttp samples`);
    const tm = await measureTiming(TIMING_SAMPLES);
    rows.push(
      {
        what: `ttfbMs vs server's actual header delay (${HEADER_MS} ms nominal), median abs error of ${tm.samples}`,
        measured: ms(tm.ttfbErrMs, 2),
        budget: upTo(BUDGET.timingErrMs, 'ms'),
        over: tm.ttfbErrMs > BUDGET.timingErrMs,
        note: `medians: ttfbMs ${ms(tm.ttfbMs, 2)}, server ${ms(tm.serverHeaderMs, 2)}`,
      },
      {
        what: `downloadMs vs server's actual body delay (${BODY_MS} ms nominal), median abs error of ${tm.samples}`,
        measured: ms(tm.downloadErrMs, 2),
        budget: upTo(BUDGET.timingErrMs, 'ms'),
        over: tm.downloadErrMs > BUDGET.timingErrMs,
        note: `medians: downloadMs ${ms(tm.downloadMs, 2)}, server ${ms(tm.serverBodyMs, 2)}${tm.queued ? `; ${tm.queued} samples had server bytes queued` : ''}`,
      },
    );

    // 7. Alert dispatch.
    say(`alert dispatch: ${ALERT_REPS} repetitions`);
    const al = await measureAlerting(ALERT_REPS);
    rows.push(
      {
        what: `alert dispatch, median of ${al.reps}`,
        measured: `grouped alert to 3 channels: ${ms(al.grouped)}; slowest channel alone (${al.slowest}): ${ms(al.alone[al.slowest])}; overhead ${ms(al.overhead)}`,
        budget: `overhead ${upTo(BUDGET.alertOverheadMs, 'ms')}`,
        over: al.overhead > BUDGET.alertOverheadMs,
        note: `alone: wecom ${ms(al.alone.wecom)} (+${DELAYS.wecom}), dingtalk ${ms(al.alone.dingtalk)} (+${DELAYS.dingtalk}), email ${ms(al.alone.email)} (+${DELAYS.email})`,
      },
      {
        what: `processAlerts with channels that return at once, median of ${al.reps}`,
        measured: ms(al.instant),
        note: 'the bookkeeping alone: incident transition, outbox claim and settle on the file store (fsync per write)',
      },
    );
  } finally {
    target.stop();
    certs.cleanup();
    states.cleanup();
    rmSync(keptState, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }

  const cpu = cpus();
  const md = [
    `# Benchmark (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpu.length} cores, ${cpu[0]?.model.trim() ?? 'unknown CPU'})`,
    '',
    `1-minute load average: ${loadBefore.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end (on ${cpu.length} cores, anything else running inflates these figures).`,
    '',
    table(rows),
    '',
    '## Methods',
    '',
    NOTES,
    '',
  ].join('\n');
  writeFileSync(join(__dirname, 'results.md'), md);
  process.stdout.write(md);
}

const NOTES = `- **Bundles**: built by \`buildAll\` (scripts/build.ts) into a temporary dist/; sizes of every function bundle and every dist/lazy file. BASELINE is the same statusCheck entry plus \`import 'tencentcloud-sdk-nodejs'\` (the whole SDK), built by esbuild with scripts/build.ts's options (bundle, node20, cjs, minify, \`__SCF_BUNDLE__\` true, the same lazy externals) and put beside the same monitors.json.
- **Cold require / cold invoke**: ${COLD_RUNS} fresh \`node\` processes per variant (after one untimed process each), variants interleaved. Each process times with hrtime, inside itself, the \`require\` of statusCheck.js, then require + one \`main_handler\` call (timer event) that checks one loopback target (another process, answering at once) with 1 sample; node's own boot is not counted. Require and invoke figures come from the same processes. Every run is checked to be healthy with no alert and no delivery; "dist/lazy loaded" lists what any of the processes had in \`require.cache\` from dist/lazy afterwards. (b) has three channels on loopback ports nothing listens on (never contacted, since nothing is sent) and a file state store: with channels configured, alerting runs even when healthy, so the run reads (and, on an empty store, writes) the incident state.
- **Checks per second**: both sides in fresh child processes against the same loopback server (bench/target-server.js, a third process): the bundle, whose monitors.json holds ${MONITORS} http monitors with \`samples: 1\` and \`concurrency: ${CONCURRENCY}\`, calls \`main_handler\` ${THROUGHPUT_ROUNDS} times; the bare side runs ${THROUGHPUT_ROUNDS} rounds of ${MONITORS} \`http.get({agent:false})\` at ${CONCURRENCY} at a time, body read to the end. Rates are checks (requests) per second of each round. The JIT keeps warming up for several rounds of 1,000 checks on both sides, so the warm-instance ratio compares the medians of rounds ${WARM_ROUNDS + 1}-${THROUGHPUT_ROUNDS}, and the first-round ratio what a fresh instance's first invocation sees. The bundle's stdout (one JSON line per result) goes to /dev/null. Peak RSS is \`process.resourceUsage().maxRSS\` of the bundle's child.
- **SCF cost**: 0.125 GB x seconds per 1,000 checks at the median rate, i.e. GB-seconds billed for 1,000 checks by a 128 MB function, ignoring the per-invocation minimum and cold starts.
- **Timing accuracy**: ${TIMING_SAMPLES} sequential \`probeHttp\` samples (from source, in the bench process, after one untimed sample) against bench/timing-server.js in another process, which holds the response headers ${HEADER_MS} ms, sends them alone (\`flushHeaders\`), holds the body ${BODY_MS} ms more, and records with hrtime what it actually did: header delay = request parsed ('request' event) -> headers handed to the kernel; body delay = headers handed to the kernel -> body handed to the kernel (\`res.end\` returned); the bench reads these from \`/timings\` afterwards. In lib/probes/http.ts \`ttfbMs\` = first 'data' event on the socket after connect (or the 'response' event, if earlier) minus the later of the request's 'finish' event (request handed to the socket) and connect/secureConnect; \`downloadMs\` = the end of the exchange (the response's 'end', or the decoder's 'end' for a compressed body) minus that first byte. So ttfbMs brackets the server's header delay plus one loopback round trip and the client's event-loop latency, and downloadMs brackets the gap between the header bytes and the last body byte; the error is the median of |client - server| over the pairs.
- **Alert dispatch**: the stand-ins of test/support (WeCom robot; DingTalk robot with 加签 secret and a keyword; smtp-server with STARTTLS before AUTH, its certificate signed by a test CA given to the email channel as \`ca\`) run in another process (bench/alert-peers.ts), each behind bench/delay-proxy.ts, a loopback TCP proxy that holds the server's first bytes on each connection (the HTTP response, the SMTP greeting) for a fixed time: wecom +${DELAYS.wecom} ms, dingtalk +${DELAYS.dingtalk} ms, email +${DELAYS.email} ms. Grouped: \`processAlerts\` (from source, file store in a new empty directory each repetition, so each is a new incident and alert) for one failing monitor whose alert goes to the three channels; every delivery is checked to have succeeded and the stand-ins to have accepted every message. Alone: \`channel.send\` of each channel with the notice it got in the (untimed) warm-up run. The email channel's own time (beyond its +${DELAYS.email} ms) is mostly the stand-in's: smtp-server waits 100 ms before its greeting to catch clients that talk too early; the TLS context for the \`ca\` (every public root plus it, 20-40 ms of CPU to build) is made once per process (lib/probes/trust.ts) and so falls in the warm-up run. The slowest channel is the one with the highest median alone; overhead = grouped median - that median. ${ALERT_REPS} repetitions, interleaved.
- Budgets are printed beside the figures; **OVER** marks a median past its budget. Nothing fails on a budget.`;

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack}\n`);
  process.exitCode = 1;
});
