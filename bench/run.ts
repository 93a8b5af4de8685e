/**
 * npm run bench: measures and writes bench/results.md. A script, never a test: budgets are
 * printed beside the figures and rows past them are marked OVER, but nothing fails on them.
 * Loopback (127.0.0.1) only. The sections live beside this file:
 *   bundles.ts     builds the dist/ variants (ours, ours with channels, BASELINE with the SDK)
 *   cold.ts        cold require / cold invoke in fresh node processes (child-cold.js)
 *   throughput.ts  checks per second vs bare http.get / net.connect loops and blackbox_exporter,
 *                  rotating rounds (child-throughput.js, child-bare.js, child-blackbox.js)
 *   blackbox.ts    the peer: blackbox_exporter on 127.0.0.1 with a config in a temp dir
 *   procstat.ts    the other tenants' share of the CPU, from /proc
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
import { findBlackbox, startBlackbox } from './blackbox';
import { BATCHES, measureThroughput, ratios, sideMedian, type Kind, type Run } from './throughput';
import { buildLayersChild, LAYERS, measureLayers, withoutHistory, type LayerFigures } from './layers';
import { memoryCgroup } from './cgroup';
import { BODY_MS, HEADER_MS, measureTiming } from './timing';
import { kib, median, ms, percentile, say, type Row } from './util';

const COLD_RUNS = 21;
const CHECKS = { http: 1000, tcp: 2000 };
const CONCURRENCIES = [20, 50];
const THROUGHPUT_ROUNDS = 7;
const LAYER_ROUNDS = 5;
const LAYER_CONCURRENCY = 50;
const TIMING_SAMPLES = 31;
const ALERT_REPS = 11;

const BUDGET = { requireMs: 40, invokeMs: 60, ratio: 0.9, rssMb: 128, timingErrMs: 3, alertOverheadMs: 50 };
const SCF_GB = 0.125; // a 128 MB function

/** The loopback target of the cold invokes and the throughput run, in its own process. */
function startTarget(): Promise<{ port: number; tcpPort: number; pid: number; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'target-server.js'), { execArgv: [] });
    child.once('error', reject);
    child.once('message', (m: { port: number; tcpPort: number }) => resolve({ ...m, pid: child.pid!, stop: () => child.kill() }));
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
  let runs: Run[] = [];
  let layers: LayerFigures[] = [];
  let peer: string | undefined;
  // Ours and the bare loop run under a 128 MB function's memory limit when one can be made.
  const cgroup = memoryCgroup();
  const where = cgroup ? `in ${cgroup.label}` : 'unconstrained (no memory cgroup could be made: run as root for one)';
  try {
    // 1. Bundles.
    say('building dist/ variants (ours x3, BASELINE with tencentcloud-sdk-nodejs)');
    const dists = await buildDists(dir, target, CHECKS, CONCURRENCIES, certs.ca);
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

    // 4 + 5. Throughput beside the peer, peak RSS, SCF cost.
    const bbFound = findBlackbox();
    peer = bbFound ? `blackbox_exporter ${bbFound.version}` : undefined;
    say(`throughput: http ${CHECKS.http} / tcp ${CHECKS.tcp} checks at ${CONCURRENCIES.join(' and ')}, ${THROUGHPUT_ROUNDS} rotating rounds; ${peer ?? 'blackbox_exporter not installed: no peer'}; ours and bare ${where}`);
    runs = await measureThroughput({
      kinds: ['http', 'tcp'],
      concurrencies: CONCURRENCIES,
      rounds: THROUGHPUT_ROUNDS,
      checks: CHECKS,
      dists: dists.many,
      target,
      cgroup,
      ...(bbFound ? { blackbox: bbFound } : {}),
    });
    for (const kind of ['http', 'tcp'] as Kind[]) {
      for (const c of CONCURRENCIES) {
        const r = ratios(runs, kind, c);
        const med = (side: 'ours' | 'bare' | 'blackbox', f: (x: Run) => number) => sideMedian(runs, kind, c, side, f);
        const rate = (side: 'ours' | 'bare' | 'blackbox') =>
          `${med(side, (x) => x.fresh)?.toFixed(0)} / ${med(side, (x) => x.warm)?.toFixed(0)} / ${med(side, (x) => x.steady)?.toFixed(0)}`;
        const cpu = (side: 'ours' | 'bare' | 'blackbox') =>
          `${med(side, (x) => x.cpuFresh * 1000)?.toFixed(0)} / ${med(side, (x) => x.cpuWarm * 1000)?.toFixed(0)} / ${med(side, (x) => x.cpuSteady * 1000)?.toFixed(0)} µs`;
        const what = `${kind}, ${CHECKS[kind]} checks, concurrency ${c}`;
        rows.push(
          {
            what: `${what}: ours / bare, fresh / warm / steady instance (median of per-round ratios)`,
            measured: `${r.median.bareFresh.toFixed(3)} / ${r.median.bareWarm.toFixed(3)} / ${r.median.bareSteady.toFixed(3)}`,
            budget: `≥ ${BUDGET.ratio}`,
            over: r.median.bareFresh < BUDGET.ratio || r.median.bareWarm < BUDGET.ratio || r.median.bareSteady < BUDGET.ratio,
            note: `checks/s fresh / warm / steady, medians: ours ${rate('ours')}, bare ${rate('bare')}; CPU per check: ours ${cpu('ours')}, bare ${cpu('bare')}`,
          },
          {
            // Each side is CPU-bound on a quiet machine, so this is the rate ratio it would see;
            // on a busy one it moves far less than the rates do.
            what: `${what}: bare's CPU per check / ours, fresh / warm / steady (median of per-round ratios)`,
            measured: `${cpuRatio(runs, kind, c, 'bare', (x) => x.cpuFresh)} / ${cpuRatio(runs, kind, c, 'bare', (x) => x.cpuWarm)} / ${cpuRatio(runs, kind, c, 'bare', (x) => x.cpuSteady)}`,
            note: 'what the rate ratio would be with a core to each side',
          },
          peer
            ? {
                what: `${what}: ours / blackbox_exporter, fresh / warm / steady`,
                measured: `${r.median.bbFresh!.toFixed(3)} / ${r.median.bbWarm!.toFixed(3)} / ${r.median.bbSteady!.toFixed(3)}`,
                note: `blackbox checks/s ${rate('blackbox')}; CPU per check (exporter + its driver) ${cpu('blackbox')}`,
              }
            : { what: `${what}: ours / blackbox_exporter`, measured: 'not measured', note: 'blackbox_exporter is not installed (Debian: prometheus-blackbox-exporter)' },
        );
      }
    }
    const rssOurs = sideMedian(runs, 'http', 50, 'ours', (x) => x.rssMb)!;
    const rssBb = sideMedian(runs, 'http', 50, 'blackbox', (x) => x.rssMb);
    const secsPer1000 = 1000 / sideMedian(runs, 'http', 50, 'ours', (x) => x.steady)!;
    rows.push(
      {
        what: `peak RSS, ${CHECKS.http} http monitors at concurrency 50 (median over rounds)`,
        measured: `${rssOurs.toFixed(1)} MB`,
        budget: upTo(BUDGET.rssMb, 'MB'),
        over: rssOurs > BUDGET.rssMb,
        note: `the bundle's child, maxRSS over require + ${BATCHES} runs; bare http.get loop ${sideMedian(runs, 'http', 50, 'bare', (x) => x.rssMb)!.toFixed(1)} MB${rssBb !== undefined ? `; blackbox_exporter (VmHWM) ${rssBb.toFixed(1)} MB` : ''}`,
      },
      {
        what: 'SCF cost at 128 MB',
        measured: `${(SCF_GB * secsPer1000).toFixed(4)} GB-s per 1,000 checks`,
        note: `0.125 GB x ${secsPer1000.toFixed(3)} s per 1,000 http checks (steady, concurrency 50)`,
      },
    );

    // 5b. Where the CPU goes, layer by layer.
    say(`layers: ${LAYERS.join(', ')}; ${LAYER_ROUNDS} rotating rounds per kind at concurrency ${LAYER_CONCURRENCY}`);
    const child = await buildLayersChild(dir);
    for (const kind of ['http', 'tcp'] as Kind[]) {
      const dist = dists.many[kind][LAYER_CONCURRENCY]!;
      layers.push(
        measureLayers({
          kind,
          concurrency: LAYER_CONCURRENCY,
          checks: CHECKS[kind],
          rounds: LAYER_ROUNDS,
          batches: BATCHES,
          port: kind === 'http' ? target.port : target.tcpPort,
          child,
          dist,
          distNoHistory: withoutHistory(dist),
          cgroup,
        }),
      );
    }

    // 6. Timing accuracy.
    say(`timing accuracy: ${TIMING_SAMPLES} sequential probeHttp samples`);
    const bbTiming = bbFound ? await startBlackbox(bbFound) : undefined;
    const tm = await measureTiming(TIMING_SAMPLES, bbTiming).finally(() => bbTiming?.stop());
    rows.push(
      {
        what: `ttfbMs vs server's actual header delay (${HEADER_MS} ms nominal), median abs error of ${tm.samples}`,
        measured: ms(tm.ttfbErrMs, 2),
        budget: upTo(BUDGET.timingErrMs, 'ms'),
        over: tm.ttfbErrMs > BUDGET.timingErrMs,
        note: `medians: ttfbMs ${ms(tm.ttfbMs, 2)}, server ${ms(tm.serverHeaderMs, 2)}${tm.blackbox ? `; blackbox_exporter "processing": error ${ms(tm.blackbox.ttfbErrMs, 2)} (median ${ms(tm.blackbox.ttfbMs, 2)})` : ''}`,
      },
      {
        what: `downloadMs vs server's actual body delay (${BODY_MS} ms nominal), median abs error of ${tm.samples}`,
        measured: ms(tm.downloadErrMs, 2),
        budget: upTo(BUDGET.timingErrMs, 'ms'),
        over: tm.downloadErrMs > BUDGET.timingErrMs,
        note: `medians: downloadMs ${ms(tm.downloadMs, 2)}, server ${ms(tm.serverBodyMs, 2)}${tm.blackbox ? `; blackbox_exporter "transfer": error ${ms(tm.blackbox.downloadErrMs, 2)} (median ${ms(tm.blackbox.downloadMs, 2)})` : ''}${tm.queued ? `; ${tm.queued} samples had server bytes queued` : ''}`,
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
    try {
      cgroup?.remove();
    } catch {
      // A child still in it (a timed-out run): left for the system to clear.
    }
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
    `Ours (the bundle and the layers) and the bare loop ran ${where}; blackbox_exporter and everything else outside it.`,
    '',
    '## Where the CPU of a check goes',
    '',
    layersTable(layers),
    '',
    `## Throughput rounds (${peer ?? 'no peer: blackbox_exporter is not installed'})`,
    '',
    roundsTable(runs, peer !== undefined),
    '',
    '## Methods',
    '',
    NOTES,
    '',
  ].join('\n');
  writeFileSync(join(__dirname, 'results.md'), md);
  process.stdout.write(md);
}

/** Per round, the other side's CPU per check over ours; their median. */
function cpuRatio(runs: Run[], kind: Kind, c: number, other: 'bare' | 'blackbox', f: (r: Run) => number): string {
  const rounds = [...new Set(runs.map((r) => r.round))];
  const at = (round: number, side: string) => runs.find((x) => x.round === round && x.kind === kind && x.concurrency === c && x.side === side);
  const xs = rounds.map((r) => f(at(r, other)!) / f(at(r, 'ours')!));
  return median(xs).toFixed(3);
}

/** CPU µs per check of each layer, per invocation, and bare's share of it. */
function layersTable(figs: LayerFigures[]): string {
  const lines: string[] = [];
  for (const f of figs) {
    const bare = f.perBatch.bare;
    lines.push(
      `${f.kind}, ${CHECKS[f.kind]} checks at concurrency ${f.concurrency}, CPU µs per check by invocation of a process (median of ${LAYER_ROUNDS} rounds); in brackets, bare's CPU over the layer's`,
      '',
      `| layer | ${bare.map((_, i) => `#${i + 1}`).join(' | ')} |`,
      `|---|${bare.map(() => '---|').join('')}`,
      ...LAYERS.map((l) => `| ${l} | ${f.perBatch[l].map((x, i) => `${x.toFixed(0)}${l === 'bare' ? '' : ` (${(bare[i]! / x).toFixed(2)})`}`).join(' | ')} |`),
      '',
    );
  }
  return lines.join('\n');
}

function roundsTable(runs: Run[], withPeer: boolean): string {
  const pct = (x: number | undefined) => (x === undefined ? '?' : `${(x * 100).toFixed(0)}%`);
  const lines = [
    `| round | kind, concurrency | ours fresh / warm / steady (checks/s) | bare | ${withPeer ? 'blackbox | ' : ''}ours / bare | ${withPeer ? 'ours / blackbox | ' : ''}other tenants' CPU (ours, bare${withPeer ? ', blackbox' : ''} run) |`,
    `|---|---|---|---|${withPeer ? '---|' : ''}---|${withPeer ? '---|' : ''}---|`,
  ];
  const keys = [...new Set(runs.map((r) => `${r.kind} ${r.concurrency}`))];
  for (const key of keys) {
    const [kind, c] = key.split(' ') as [Kind, string];
    const r = ratios(runs, kind, Number(c));
    for (const pr of r.perRound) {
      const at = (side: string) => runs.find((x) => x.round === pr.round && x.kind === kind && x.concurrency === Number(c) && x.side === side);
      const fw = (x: Run | undefined) => (x ? `${x.fresh.toFixed(0)} / ${x.warm.toFixed(0)} / ${x.steady.toFixed(0)}` : '');
      const three = (a: number, b: number, s: number) => `${a.toFixed(2)} / ${b.toFixed(2)} / ${s.toFixed(2)}`;
      lines.push(
        `| ${pr.round} | ${kind}, ${c} | ${fw(at('ours'))} | ${fw(at('bare'))} | ${withPeer ? `${fw(at('blackbox'))} | ` : ''}${three(pr.bareFresh, pr.bareWarm, pr.bareSteady)} | ${
          withPeer ? `${three(pr.bbFresh!, pr.bbWarm!, pr.bbSteady!)} | ` : ''
        }${pr.others.slice(0, withPeer ? 3 : 2).map(pct).join(', ')} |`,
      );
    }
    const m = r.median;
    lines.push(
      `| **median** | ${kind}, ${c} | | | ${withPeer ? '| ' : ''}**${m.bareFresh.toFixed(2)} / ${m.bareWarm.toFixed(2)} / ${m.bareSteady.toFixed(2)}** | ${
        withPeer ? `**${m.bbFresh!.toFixed(2)} / ${m.bbWarm!.toFixed(2)} / ${m.bbSteady!.toFixed(2)}** | ` : ''
      } |`,
    );
  }
  return lines.join('\n');
}

const NOTES = `- **Bundles**: built by \`buildAll\` (scripts/build.ts) into a temporary dist/; sizes of every function bundle and every dist/lazy file. BASELINE is the same statusCheck entry plus \`import 'tencentcloud-sdk-nodejs'\` (the whole SDK), built by esbuild with scripts/build.ts's options (bundle, node20, cjs, minify, \`__SCF_BUNDLE__\` true, the same lazy externals) and put beside the same monitors.json.
- **Cold require / cold invoke**: ${COLD_RUNS} fresh \`node\` processes per variant (after one untimed process each), variants interleaved. Each process times with hrtime, inside itself, the \`require\` of statusCheck.js, then require + one \`main_handler\` call (timer event) that checks one loopback target (another process, answering at once) with 1 sample; node's own boot is not counted. Require and invoke figures come from the same processes. Every run is checked to be healthy with no alert and no delivery; "dist/lazy loaded" lists what any of the processes had in \`require.cache\` from dist/lazy afterwards. (b) has three channels on loopback ports nothing listens on (never contacted, since nothing is sent) and a file state store: with channels configured, alerting runs even when healthy, so the run reads (and, on an empty store, writes) the incident state.
- **Checks per second**: ${THROUGHPUT_ROUNDS} rounds; each round runs every side once per kind and concurrency (${CONCURRENCIES.join(' and ')}), starting with a different side each round, against the same loopback targets (bench/target-server.js, a process of its own: an HTTP server answering \`ok\` at once, a TCP port that accepts and closes). **ours**: a fresh \`node\` process requires the statusCheck bundle, whose monitors.json holds ${CHECKS.http} http (or ${CHECKS.tcp} tcp) monitors with \`samples: 1\` and that \`concurrency\`, and calls \`main_handler\` ${BATCHES} times: the first call is a fresh instance's invocation (**fresh**), the second its next one (**warm**), and the median of the last three what an instance that has run for a few minutes spends (**steady**: V8 is still compiling the hot paths in the second call, in node's own client too, whose CPU per check halves again by the fourth). The monitors' file store (history on, as by default) is a directory beside the bundle, kept across the bench's runs. **bare**: a fresh process runs ${BATCHES} batches of the same number of bare \`http.get({agent:false})\` (body read to the end) or \`net.connect\` (destroyed on connect), the same number at a time. **blackbox** (when \`prometheus-blackbox-exporter\` or \`blackbox_exporter\` is on the PATH): a fresh exporter per run, listening on 127.0.0.1 only with a config the bench writes to a temporary directory (modules http_2xx and tcp_connect, ip4), driven by a node process through \`GET /probe\` on kept-alive connections as Prometheus would scrape it, every answer checked for \`probe_success 1\`; its ${BATCHES} batches give its fresh, warm and steady figures the same way. Ratios are taken within a round, and the table gives the medians of the per-round ratios. CPU per check is the side's user + system time in the batch (for blackbox, the exporter's /proc figure shared between the batches by their rates, plus its driver's). **Other tenants' CPU** is, for each run, the machine's busy time from /proc/stat minus what our processes used in it (the side's processes, the target server, the bench itself), as a share of the machine's capacity (2 cores = 100%): a run above about 10% was slowed by someone else's work. The bundle's stdout (one JSON line per result) goes to /dev/null. When the bench runs as root where a memory cgroup can be made (bench/cgroup.ts), the bundle's and the bare loop's processes (and the layers' below) run in one of 128 MB without swap, as a 128 MB function does: node sizes V8's heap from that limit (in it the young generation stays at 2 MB), so CPU per check and peak RSS are the constrained ones; the line above the tables says where they ran. Peak RSS: \`process.resourceUsage().maxRSS\` of the bundle's and the bare loop's child; the exporter's VmHWM.
- **Where the CPU goes**: ${LAYER_ROUNDS} rounds per kind at concurrency ${LAYER_CONCURRENCY}, each running every layer once in a fresh process (${BATCHES} batches, order rotated each round): **bare** as above; **probe**, probeHttp / probeTcp alone on a target the http / tcp monitor would make from the schema's defaults, and **run**, the monitor type's run (prober, sampling, verdict, record) with its record serialized into a log line on stdout as the handler does, both from bench/child-layers.ts built by esbuild with the bundle's options; **handler, history off**, the statusCheck bundle with \`history: { enabled: false }\`; **handler**, the bundle as the throughput rounds run it. Each cell is the median over rounds of that batch's CPU per check.
- **SCF cost**: 0.125 GB x seconds per 1,000 checks at the median steady rate (http, concurrency 50), i.e. GB-seconds billed for 1,000 checks by a 128 MB function, ignoring the per-invocation minimum and cold starts.
- **Timing accuracy**: ${TIMING_SAMPLES} sequential \`probeHttp\` samples (and as many blackbox_exporter probes, when installed, whose \`probe_http_duration_seconds\` phases \"processing\" and \"transfer\" are compared the same way) (from source, in the bench process, after one untimed sample) against bench/timing-server.js in another process, which holds the response headers ${HEADER_MS} ms, sends them alone (\`flushHeaders\`), holds the body ${BODY_MS} ms more, and records with hrtime what it actually did: header delay = request parsed ('request' event) -> headers handed to the kernel; body delay = headers handed to the kernel -> body handed to the kernel (\`res.end\` returned); the bench reads these from \`/timings\` afterwards. In lib/probes/http.ts \`ttfbMs\` = first 'data' event on the socket after connect (or the 'response' event, if earlier) minus the later of the request's 'finish' event (request handed to the socket) and connect/secureConnect; \`downloadMs\` = the end of the exchange (the response's 'end', or the decoder's 'end' for a compressed body) minus that first byte. So ttfbMs brackets the server's header delay plus one loopback round trip and the client's event-loop latency, and downloadMs brackets the gap between the header bytes and the last body byte; the error is the median of |client - server| over the pairs.
- **Alert dispatch**: the stand-ins of test/support (WeCom robot; DingTalk robot with 加签 secret and a keyword; smtp-server with STARTTLS before AUTH, its certificate signed by a test CA given to the email channel as \`ca\`) run in another process (bench/alert-peers.ts), each behind bench/delay-proxy.ts, a loopback TCP proxy that holds the server's first bytes on each connection (the HTTP response, the SMTP greeting) for a fixed time: wecom +${DELAYS.wecom} ms, dingtalk +${DELAYS.dingtalk} ms, email +${DELAYS.email} ms. Grouped: \`processAlerts\` (from source, file store in a new empty directory each repetition, so each is a new incident and alert) for one failing monitor whose alert goes to the three channels; every delivery is checked to have succeeded and the stand-ins to have accepted every message. Alone: \`channel.send\` of each channel with the notice it got in the (untimed) warm-up run. The email channel's own time (beyond its +${DELAYS.email} ms) is mostly the stand-in's: smtp-server waits 100 ms before its greeting to catch clients that talk too early; the TLS context for the \`ca\` (every public root plus it, 20-40 ms of CPU to build) is made once per process (lib/probes/trust.ts) and so falls in the warm-up run. The slowest channel is the one with the highest median alone; overhead = grouped median - that median. ${ALERT_REPS} repetitions, interleaved.
- Budgets are printed beside the figures; **OVER** marks a median past its budget. Nothing fails on a budget.`;

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack}\n`);
  process.exitCode = 1;
});
