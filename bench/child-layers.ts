/**
 * One layer of a check, in a fresh process, for bench/layers.ts: `probe` calls the prober
 * alone (probeHttp / probeTcp), `run` the monitor type's run (prober, sampling, verdict,
 * record) and serializes the record into a log line as the handler does. Built by esbuild
 * with the bundle's options, so it runs the same code the statusCheck bundle does.
 * Reports on fd 3 each batch's CPU time.
 * Usage: node child-layers.js <probe|run> <http|tcp> <port> <checks per batch> <concurrency> <batches>
 */
import { writeSync } from 'node:fs';
import * as v from 'valibot';
import { probeHttp, type HttpTarget } from '../lib/probes/http';
import { probeTcp, type TcpTarget } from '../lib/probes/tcp';
import { httpMonitor } from '../lib/monitors/http/schema';
import { tcpMonitor } from '../lib/monitors/tcp/schema';
import { runHttp } from '../lib/monitors/http/run';
import { runTcp } from '../lib/monitors/tcp/run';
import { logLine, setLogSink } from '../lib/report/log';
import type { RunContext } from '../lib/monitors/context';

const [layer, kind, port, count, concurrency, batches] = process.argv.slice(2);
const n = Number(count);
const signal = new AbortController().signal;
const url = `http://127.0.0.1:${port}/`;

// The prober's target as the monitor's run makes it from the schema's defaults.
const httpTarget: HttpTarget = {
  url,
  method: 'GET',
  headers: {},
  connectTimeoutMs: 5000,
  readTimeoutMs: 5000,
  attempts: 3,
  followRedirects: true,
  maxRedirects: 5,
  maxBodyBytes: 1024 * 1024,
  insecure: false,
  keepBody: false,
};
const tcpTarget: TcpTarget = { host: '127.0.0.1', port: Number(port), connectTimeoutMs: 5000, attempts: 3 };

// The handler's log sink is stdout, which the bench sends to /dev/null.
setLogSink((text) => writeSync(1, text));
const ctx: RunContext = { functionName: 'statusCheck', signal };
const monitors = Array.from({ length: n }, (_, i) =>
  kind === 'http'
    ? v.parse(httpMonitor, { name: `m${i}`, type: 'http', url, samples: 1 })
    : v.parse(tcpMonitor, { name: `m${i}`, type: 'tcp', host: '127.0.0.1', port: Number(port), samples: 1 }),
);

async function probe(): Promise<void> {
  const o = kind === 'http' ? await probeHttp(httpTarget, signal) : await probeTcp(tcpTarget, signal);
  if (o.error) throw new Error(`${o.error.code}: ${o.error.message}`);
}

async function run(i: number): Promise<void> {
  const m = monitors[i]!;
  const r = m.type === 'http' ? await runHttp(m, ctx) : await runTcp(m as v.InferOutput<typeof tcpMonitor>, ctx);
  if (!r.ok) throw new Error(JSON.stringify(r.reasons));
  logLine(JSON.stringify(r));
}

async function batch(): Promise<{ cpuMs: number }> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await (layer === 'probe' ? probe() : run(i));
    }
  };
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 };
}

async function main() {
  const out = [];
  for (let i = 0; i < Number(batches); i++) out.push(await batch());
  writeSync(3, JSON.stringify({ batches: out }));
}

main().catch((err) => {
  process.stderr.write(`child-layers: ${err && (err as Error).stack}\n`);
  process.exitCode = 1;
});
