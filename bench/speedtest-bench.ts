/**
 * npx tsx bench/speedtest-bench.ts: 100 chinaz nodes at concurrency 20 against the loopback
 * stand-in (test/support/chinaz.ts) answering every check in 50 ms, in its own process so its
 * work does not land on the measured one. Wall time of the node checks against the ideal
 * ceil(100/20) x 50 ms = 250 ms; budget 1.2x. Then the cold require of dist/speedTest.js and
 * dist/probe.js in fresh node processes (budget 60 ms for speedTest). A script: it prints the
 * figures beside their budgets and never fails on them. The floor row is the same checks as
 * bare node:http requests: what the stand-in and the machine allow before any client work.
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NODES = 100;
const CONCURRENCY = 20;
const REPLY_MS = 50;
const ROUNDS = 9;
const COLD_RUNS = 11;
const IDEAL_MS = Math.ceil(NODES / CONCURRENCY) * REPLY_MS;
const BUDGET = { ratio: 1.2, requireMs: 60 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const say = (s: string) => process.stderr.write(`bench: ${s}\n`);

/** The child: serves the stand-in and reports its URL. */
async function serve(): Promise<void> {
  const { chinazNodes, startChinaz } = await import('../dev/standins/chinaz');
  const s = await startChinaz({ nodes: chinazNodes(NODES), defaults: { delayMs: REPLY_MS } });
  process.send!({ url: s.url });
  process.on('disconnect', () => void s.close().then(() => process.exit(0)));
}

function startStandIn(): Promise<{ url: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--serve'], { execArgv: ['--import', 'tsx'] });
    child.once('error', reject);
    child.once('message', (m: { url: string }) => resolve({ url: m.url, stop: () => child.disconnect() }));
  });
}

async function measureChecks(url: string): Promise<{ wallMs: number; withPageMs: number; failed: number }> {
  const { chinazProvider } = await import('../lib/monitors/speedtest/chinaz');
  const { measureNodes } = await import('../lib/monitors/speedtest/measure');
  const signal = new AbortController().signal;
  const p = chinazProvider({ baseUrl: url, host: 'www.example.com', nodeTimeoutMs: 10_000, concurrency: CONCURRENCY });
  try {
    const t0 = performance.now();
    const nodes = await p.listNodes(signal);
    const t1 = performance.now();
    const results = await measureNodes(p, nodes, { concurrency: CONCURRENCY, nodeTimeoutMs: 10_000, signal });
    const t2 = performance.now();
    if (nodes.length !== NODES) throw new Error(`listed ${nodes.length} nodes, expected ${NODES}`);
    return { wallMs: t2 - t1, withPageMs: t2 - t0, failed: results.filter((r) => r.error).length };
  } finally {
    p.close?.();
  }
}

/**
 * The floor the stand-in and this machine allow: the same checks as bare node:http requests
 * (no axios, no parsing, no timeouts), a fresh keep-alive agent per round like the provider's.
 */
async function measureFloor(url: string): Promise<number> {
  const { request, Agent } = await import('node:http');
  const { chinazNodes, CHINAZ_TOKEN } = await import('../dev/standins/chinaz');
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const guids = chinazNodes(NODES).map((n) => n.guid);
  const one = (guid: string) =>
    new Promise<void>((resolve, reject) => {
      const body = new URLSearchParams({ guid, host: 'www.example.com', ishost: '1', encode: CHINAZ_TOKEN, checktype: '1' }).toString();
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: '/iframe.ashx?t=ping',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            'x-requested-with': 'XMLHttpRequest',
            referer: `${url}/speedtest/www.example.com`,
          },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < guids.length) await one(guids[next++]!);
    }),
  );
  const wall = performance.now() - t0;
  agent.destroy();
  return wall;
}

/** Fresh node processes timing require() of a bundle, from a dist/ built into a temp folder. */
async function measureColdRequire(): Promise<Record<string, number[]>> {
  const { buildAll } = await import('../scripts/build');
  const out = mkdtempSync(join(tmpdir(), 'scf-monitor-speedtest-bench-'));
  try {
    await buildAll({ outDir: out, quiet: true, configPath: join(__dirname, '..', 'monitors.example.yaml') }).catch(() =>
      // Without a config the bundles are still built; only monitors.json is missing.
      buildAll({ outDir: out, quiet: true, configOptional: true }),
    );
    const times: Record<string, number[]> = { 'speedTest.js': [], 'probe.js': [] };
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    for (let i = 0; i <= COLD_RUNS; i++) {
      for (const file of Object.keys(times)) {
        const code = `const t=process.hrtime.bigint();require(${JSON.stringify(join(out, file))});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
        const r = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8', cwd: out });
        if (r.status !== 0) throw new Error(`require ${file}: ${r.stderr}`);
        // The first pass only warms the file cache.
        if (i > 0) times[file]!.push(Number(r.stdout));
      }
    }
    return times;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const standIn = await startStandIn();
  const walls: number[] = [];
  const withPage: number[] = [];
  const floors: number[] = [];
  try {
    // Warm-up (JIT, the stand-in's first sockets), then rounds of ours and the floor in turn,
    // so a busy spell of the machine lands on both alike.
    await measureChecks(standIn.url);
    await measureFloor(standIn.url);
    for (let i = 0; i < ROUNDS; i++) {
      const r = await measureChecks(standIn.url);
      if (r.failed) throw new Error(`${r.failed} nodes failed in round ${i + 1}`);
      walls.push(r.wallMs);
      withPage.push(r.withPageMs);
      floors.push(await measureFloor(standIn.url));
      say(`round ${i + 1}/${ROUNDS}: ${r.wallMs.toFixed(1)} ms (floor ${floors.at(-1)!.toFixed(1)} ms)`);
    }
  } finally {
    standIn.stop();
  }
  const wall = median(walls);
  const floor = median(floors);
  const ratio = wall / IDEAL_MS;
  const lines = [
    `speedtest bench: ${NODES} chinaz nodes, concurrency ${CONCURRENCY}, stand-in answering each check in ${REPLY_MS} ms`,
    `  node checks, median of ${ROUNDS}: ${wall.toFixed(1)} ms (min ${Math.min(...walls).toFixed(1)}, max ${Math.max(...walls).toFixed(1)})`,
    `  with the node page:      ${median(withPage).toFixed(1)} ms`,
    `  ideal ceil(${NODES}/${CONCURRENCY}) x ${REPLY_MS} ms: ${IDEAL_MS} ms; ratio ${ratio.toFixed(3)} (budget <= ${BUDGET.ratio})${ratio > BUDGET.ratio ? '  OVER' : ''}`,
    `  floor (bare node:http, same stand-in): ${floor.toFixed(1)} ms = ${(floor / IDEAL_MS).toFixed(3)} x ideal; ours / floor ${(wall / floor).toFixed(3)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  if (process.argv.includes('--no-cold')) return;
  say('building dist/ into a temp folder for the cold require');
  const cold = await measureColdRequire();
  for (const [file, xs] of Object.entries(cold)) {
    const m = median(xs);
    const budget = file === 'speedTest.js' ? ` (budget <= ${BUDGET.requireMs} ms)${m > BUDGET.requireMs ? '  OVER' : ''}` : '';
    process.stdout.write(`  cold require dist/${file}, median of ${xs.length}: ${m.toFixed(1)} ms${budget}\n`);
  }
}

if (process.argv.includes('--serve')) void serve();
else
  main().catch((err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
