/**
 * Alert dispatch overhead: processAlerts (file store, fresh per repetition so every run is a
 * new incident and a new alert) for one failing monitor whose alert goes to three channels,
 * each of which answers a fixed time late; against the slowest of those channels' own
 * channel.send with the same notice, nothing else around it. With the three sent side by side
 * the grouped run should cost the slowest send plus bookkeeping (state reads and fsync'd
 * writes, rendering three messages); the difference is the overhead.
 * Everything here runs from source (tsx); the peers run in another process (alert-peers.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChannelConfig } from '../lib/config/channel-base';

/** The webhook and mail channels this benchmark times (SMS has its own stand-in). */
type ChannelType = 'wecom' | 'dingtalk' | 'email';
import type { Config } from '../lib/config/schema';
import { validateFullConfig } from '../lib/functions';
import { processAlerts } from '../lib/alerting/process';
import { loadChannel } from '../lib/channels/load';
import type { Notice } from '../lib/alerting/types';
import type { ChannelLoader } from '../lib/alerting/deliver';
import type { ResultRecord } from '../lib/report/record';
import { setLogSink } from '../lib/report/log';
import type { PeerCounts, PeersReady } from './alert-peers';
import { median } from './util';

/** Extra answer latency per channel, ms: distinct, so the slowest is plain to see. */
export const DELAYS = { wecom: 100, dingtalk: 150, email: 200 } as const;
const NAMES: Record<ChannelType, string> = { wecom: 'ops-wecom', dingtalk: 'ops-dingtalk', email: 'ops-mail' };
const MONITOR = 'bench-api';

export interface AlertingResult {
  reps: number;
  grouped: number;
  alone: Record<ChannelType, number>;
  slowest: ChannelType;
  overhead: number;
  /** processAlerts with channels that return at once: the bookkeeping alone. */
  instant: number;
}

function startPeers(): Promise<{ child: ChildProcess; ready: PeersReady }> {
  return new Promise((res, rej) => {
    const child = fork(join(__dirname, 'alert-peers.ts'), [String(DELAYS.wecom), String(DELAYS.dingtalk), String(DELAYS.email)], {
      cwd: resolve(__dirname, '..'),
      execArgv: ['--import', 'tsx'],
    });
    child.once('error', rej);
    child.once('exit', (code) => rej(new Error(`alert-peers exited early (${code})`)));
    child.once('message', (m: { ready: PeersReady }) => res({ child, ready: m.ready }));
  });
}

function peerCounts(child: ChildProcess): Promise<PeerCounts> {
  return new Promise((res) => {
    child.once('message', (m: { counts: PeerCounts }) => res(m.counts));
    child.send({ counts: true });
  });
}

function benchConfig(p: PeersReady): Config {
  const { config, problems } = validateFullConfig({
    state: { type: 'file', path: tmpdir() }, // replaced per repetition
    channels: {
      [NAMES.email]: {
        type: 'email',
        host: '127.0.0.1',
        port: p.smtp.port,
        secure: false, // STARTTLS, then AUTH
        user: p.smtp.user,
        pass: p.smtp.pass,
        from: '监控 <monitor@example.com>',
        to: ['oncall@example.com'],
        ca: p.smtp.ca,
      },
      [NAMES.wecom]: { type: 'wecom', webhook: `http://127.0.0.1:${p.wecom.port}/cgi-bin/webhook/send?key=${p.wecom.key}` },
      [NAMES.dingtalk]: {
        type: 'dingtalk',
        webhook: `http://127.0.0.1:${p.dingtalk.port}/robot/send?access_token=${p.dingtalk.token}`,
        secret: p.dingtalk.secret,
        keywords: [p.dingtalk.keyword],
      },
    },
    alerts: { channels: Object.values(NAMES) },
    // Never probed: the bench hands processAlerts a failing result for it.
    monitors: [{ name: MONITOR, type: 'http', url: 'http://127.0.0.1:9/health', samples: 1 }],
  });
  if (!config) throw new Error(`bench alerting config: ${JSON.stringify(problems)}`);
  return config;
}

/** One failed run of the monitor, shaped as runHttp would log it. */
function failingResult(): ResultRecord {
  const reason = { code: 'HTTP_STATUS' as const, message: 'answered 502 from 127.0.0.1:9, expected 200-399' };
  return {
    timestamp: new Date().toISOString(),
    function: 'statusCheck',
    monitor: MONITOR,
    type: 'http',
    target: 'http://127.0.0.1:9/health',
    ok: false,
    reasons: [reason],
    stats: { samples: 1, successes: 0, successRate: 0 },
    hostList: ['127.0.0.1'],
    durationMs: 3.2,
    samples: [{ ok: false, statusCode: 502, attempts: 1, timings: { totalMs: 3.2 }, error: reason }],
  };
}

export async function measureAlerting(reps: number): Promise<AlertingResult> {
  // processAlerts logs each delivery; not wanted in the bench's output.
  setLogSink(() => {});
  const { child, ready } = await startPeers();
  child.removeAllListeners('exit');
  const dirs: string[] = [];
  try {
    const base = benchConfig(ready);
    const channel = (type: ChannelType) => base.channels[NAMES[type]] as ChannelConfig;

    /** One processAlerts run on an empty state directory; returns its ms. */
    const grouped = async (channelLoader?: ChannelLoader) => {
      const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-bench-alerts-'));
      dirs.push(dir);
      const config: Config = { ...base, state: { type: 'file', path: dir } };
      const t = performance.now();
      const s = await processAlerts({
        fn: 'statusCheck',
        config,
        results: [failingResult()],
        signal: new AbortController().signal,
        deadlineAt: Date.now() + 60_000,
        loadChannel: channelLoader ?? loadChannel,
      });
      const elapsed = performance.now() - t;
      if (s.alerts.length !== 1 || s.deliveries.length !== 3 || !s.deliveries.every((d) => d.ok)) {
        throw new Error(`grouped alert did not go out to all three channels: ${JSON.stringify(s.deliveries)}`);
      }
      return elapsed;
    };

    // Warm-up (untimed): loads the channels and nodemailer and compiles their code, and keeps
    // the notice each channel was given so the single-channel sends below send the same.
    const notices = new Map<ChannelType, Notice[]>();
    await grouped(async (type) => {
      const ch = await loadChannel(type);
      return { type: ch.type, send: (cfg, ns, opts) => (notices.set(type as ChannelType, ns), ch.send(cfg, ns, opts)) };
    });
    const types: ChannelType[] = ['wecom', 'dingtalk', 'email'];
    const channels = new Map(await Promise.all(types.map(async (t) => [t, await loadChannel(t)] as const)));
    const alone = async (type: ChannelType) => {
      const t = performance.now();
      await channels.get(type)!.send(channel(type), notices.get(type)!, { signal: new AbortController().signal });
      return performance.now() - t;
    };
    const instantLoader: ChannelLoader = async (type) => ({ type, send: async () => ({ detail: 'instant' }) });

    const times = { grouped: [] as number[], instant: [] as number[], wecom: [] as number[], dingtalk: [] as number[], email: [] as number[] };
    for (let i = 0; i < reps; i++) {
      times.grouped.push(await grouped());
      for (const t of types) times[t].push(await alone(t));
      times.instant.push(await grouped(instantLoader));
    }

    // Every send arrived and was accepted: warm-up + grouped + alone, per channel.
    const counts = await peerCounts(child);
    const want = 1 + 2 * reps;
    if (counts.wecom !== want || counts.dingtalk !== want || counts.smtp !== want || counts.refused !== 0) {
      throw new Error(`the stand-ins saw ${JSON.stringify(counts)}, expected ${want} accepted each`);
    }

    const aloneMed = { wecom: median(times.wecom), dingtalk: median(times.dingtalk), email: median(times.email) };
    const slowest = types.reduce((a, b) => (aloneMed[b] > aloneMed[a] ? b : a));
    const groupedMed = median(times.grouped);
    return {
      reps,
      grouped: groupedMed,
      alone: aloneMed,
      slowest,
      overhead: groupedMed - aloneMed[slowest],
      instant: median(times.instant),
    };
  } finally {
    child.disconnect();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
