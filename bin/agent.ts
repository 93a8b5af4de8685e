/**
 * `scf-monitor agent`: reads this host's cpu, memory, disk and network from /proc and statfs
 * and POSTs them to the ingest function's /report/<host>. Exit codes: with --once 0 when the
 * report was taken (2xx), 1 when it was not; 2 for a usage error. The loop exits 0 on
 * SIGINT/SIGTERM and otherwise never gives up: a host that cannot report is what ingest alerts on.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '../lib/config/errors';
import { parseDuration } from '../lib/agent/duration';
import { diskUsedPercent, Sampler, type HostReport } from '../lib/agent/sample';
import { readCpu, readMemory, readNetwork } from '../lib/agent/proc';
import { printableUrl, scrub, sendReport, type SendOptions } from '../lib/agent/send';
import { sleep } from '../lib/util/abort';
import pkg from '../package.json';

export const TOKEN_ENV = 'SCF_MONITOR_AGENT_TOKEN';

export const USAGE = `usage:
  ${TOKEN_ENV}=TOKEN scf-monitor agent --url URL [--every 30s] [--once]
      [--mount / --mount /data] [--insecure] [--ca FILE] [--proc DIR] [--timeout 10s]

  --url URL       the full report URL, ending in /report/<host>
  --token T       the host's token; prefer ${TOKEN_ENV} (a flag shows in ps)
  --every D       how often to report (30s, 1m, 5m; at least 5s; default 30s)
  --once          one report, then exit: 0 delivered, 1 not
  --mount DIR     a mount to report disk use for (repeatable; default /)
  --insecure      do not verify the server's TLS certificate
  --ca FILE       trust this PEM CA besides the public roots
  --proc DIR      read /proc from here (a container with the host's /proc mounted)
  --timeout D     give up on one report after this long (default 10s)
exit codes: 0 delivered (--once) or stopped by a signal, 1 not delivered, 2 usage error`;

const MIN_EVERY_MS = 5_000;
const MIN_TIMEOUT_MS = 1_000;
const USER_AGENT = `scf-monitor-agent/${pkg.version}`;

/** What a test replaces: where output goes, the environment, a stop signal, the cpu window. */
export interface AgentHooks {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  cpuSampleMs?: number;
}

interface Settings {
  url: URL;
  everyMs: number;
  once: boolean;
  mounts: string[];
  procRoot: string;
  send: Omit<SendOptions, 'signal'>;
}

function duration(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--${flag}: "${text}" is not a duration (like 30s, 1m, 5m)`);
  if (ms < min) throw new UsageError(`--${flag}: ${text} is shorter than the minimum ${min / 1000}s`);
  return ms;
}

function readUrl(text: string | undefined): URL {
  if (!text) throw new UsageError('--url is required (the full report URL, e.g. https://<ingest>/report/web-01)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url: "${text}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--url: ${url.protocol} is not http: or https:`);
  if (url.username || url.password) throw new UsageError('--url: no credentials in the URL; the token goes in ' + TOKEN_ENV);
  if (!/\/report\/[^/]+$/.test(url.pathname)) {
    throw new UsageError(`--url: ${printableUrl(url)} does not end in /report/<host> (the host's monitor name)`);
  }
  return url;
}

function readCa(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--ca: cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca: ${file} holds no PEM certificate`);
  return pem;
}

function settings(args: string[], env: NodeJS.ProcessEnv): Settings | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      every: { type: 'string' },
      once: { type: 'boolean' },
      mount: { type: 'string', multiple: true },
      insecure: { type: 'boolean' },
      ca: { type: 'string' },
      proc: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length) throw new UsageError(`agent takes no arguments besides flags (got "${positionals[0]}")`);
  const url = readUrl(values.url);
  const token = values.token ?? env[TOKEN_ENV] ?? '';
  if (!token) throw new UsageError(`no token: set ${TOKEN_ENV} (or --token)`);
  // Checked here because an HTTP header cannot carry anything else, and node would throw deep in the request.
  if (!/^[\x21-\x7e]+$/.test(token)) throw new UsageError('the token holds a space, a line break or a non-ASCII character (a stray quote or newline in the environment file?)');
  if (values.insecure && values.ca) throw new UsageError('--insecure and --ca contradict each other: --ca verifies against that CA');
  return {
    url,
    everyMs: duration('every', values.every, 30_000, MIN_EVERY_MS),
    once: values.once ?? false,
    mounts: values.mount?.length ? [...new Set(values.mount)] : ['/'],
    procRoot: values.proc ?? '/proc',
    send: {
      token,
      userAgent: USER_AGENT,
      timeoutMs: duration('timeout', values.timeout, 10_000, MIN_TIMEOUT_MS),
      insecure: values.insecure ?? false,
      ca: readCa(values.ca),
    },
  };
}

/** A wrong --proc or --mount is a usage error at start, not a failure every 30 s forever. */
async function checkSources(s: Settings): Promise<void> {
  try {
    // One after another, so the message names the first missing piece, not whichever lost a race.
    for (const read of [readCpu, readMemory, readNetwork]) await read(s.procRoot);
    for (const m of s.mounts) await diskUsedPercent(m);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function tokensIn(args: string[]): string[] {
  return args.flatMap((a, i) => (a === '--token' ? [args[i + 1] ?? ''] : a.startsWith('--token=') ? [a.slice(8)] : [])).filter(Boolean);
}

function describe(r: HostReport): string {
  const disks = Object.entries(r.disks)
    .map(([m, p]) => `${m} ${p}%`)
    .join(', ');
  return `cpu ${r.cpu}% memory ${r.memory}% disk ${r.disk}% (${disks}) network recv ${r.network_recv} sent ${r.network_sent} bytes`;
}

type Attempt = { ok: true; line: string } | { ok: false; line: string; stopped?: boolean };

async function reportOnce(s: Settings, sampler: Sampler, signal: AbortSignal | undefined): Promise<Attempt> {
  const where = printableUrl(s.url);
  let report: HostReport;
  try {
    report = await sampler.report();
  } catch (err) {
    return { ok: false, line: `cannot read this host's metrics: ${(err as Error).message}` };
  }
  const r = await sendReport(s.url, JSON.stringify(report), { ...s.send, signal });
  if (r.ok) return { ok: true, line: `sent ${describe(report)} to ${where}: ${r.status}${r.text ? ` ${r.text}` : ''}` };
  return { ok: false, stopped: r.kind === 'stopped', line: `sent ${describe(report)} to ${where}: not taken: ${r.kind}: ${r.message}` };
}

export async function runAgent(args: string[], hooks: AgentHooks = {}): Promise<number> {
  const out = hooks.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = hooks.stderr ?? ((t: string) => void process.stderr.write(t));
  let s: Settings | 'help';
  try {
    s = settings(args, hooks.env ?? process.env);
    if (s !== 'help') await checkSources(s);
  } catch (e) {
    const parseError = e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS');
    if (!(e instanceof UsageError) && !parseError) throw e;
    // A parse error may quote the command line, which may hold --token.
    const message = tokensIn(args).reduce((m, t) => scrub(m, t), (e as Error).message);
    err(`scf-monitor agent: ${message}\n${parseError ? `\n${USAGE}\n` : ''}`);
    return 2;
  }
  if (s === 'help') {
    out(`${USAGE}\n`);
    return 0;
  }
  if (s.url.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(s.url.hostname)) {
    err(`scf-monitor agent: warning: ${s.url.host} is plain http: the token travels unencrypted\n`);
  }

  if (s.once) {
    const sampler = new Sampler({ procRoot: s.procRoot, mounts: s.mounts, cpuSampleMs: hooks.cpuSampleMs, signal: hooks.signal });
    const a = await reportOnce(s, sampler, hooks.signal);
    if (a.ok) out(`${a.line}\n`);
    else err(`scf-monitor agent: ${a.line}\n`);
    return a.ok ? 0 : 1;
  }
  return loop(s, hooks, err);
}

async function loop(s: Settings, hooks: AgentHooks, err: (t: string) => void): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const { signal } = stop;
  const unlink = hooks.signal ? forward(hooks.signal, stop) : () => {};
  const sampler = new Sampler({ procRoot: s.procRoot, mounts: s.mounts, cpuSampleMs: hooks.cpuSampleMs, signal });
  err(`scf-monitor agent: reporting to ${printableUrl(s.url)} every ${s.everyMs / 1000}s (disk: ${s.mounts.join(', ')})\n`);
  let failures = 0;
  try {
    while (!signal.aborted) {
      const started = performance.now();
      const a = await reportOnce(s, sampler, signal);
      if (!a.ok && a.stopped) break;
      const at = new Date().toISOString();
      if (!a.ok) {
        failures++;
        err(`${at} scf-monitor agent: ${a.line}\n`);
      } else if (failures) {
        err(`${at} scf-monitor agent: delivered again after ${failures} failed report${failures === 1 ? '' : 's'}\n`);
        failures = 0;
      }
      // Started at a fixed rate on the monotonic clock, so neither a slow ingest nor a clock step
      // stretches the interval ingest alerts on.
      await sleep(Math.max(0, s.everyMs - (performance.now() - started)), signal);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    unlink();
  }
  err('scf-monitor agent: stopped\n');
  return 0;
}

function forward(from: AbortSignal, to: AbortController): () => void {
  if (from.aborted) {
    to.abort();
    return () => {};
  }
  const f = () => to.abort();
  from.addEventListener('abort', f, { once: true });
  return () => from.removeEventListener('abort', f);
}
