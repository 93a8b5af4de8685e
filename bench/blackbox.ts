/**
 * blackbox_exporter (Prometheus's prober, Debian's `prometheus-blackbox-exporter`) as the peer
 * in the throughput and timing runs, when it is installed. Each start gets a config written to
 * a temporary directory and listens on 127.0.0.1 only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get } from 'node:http';
import { closedPort } from '../dev/standins/servers';

const NAMES = ['prometheus-blackbox-exporter', 'blackbox_exporter'];

const CONFIG = `modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
  tcp_connect:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
`;

export interface Blackbox {
  version: string;
  port: number;
  pid: number;
  stop: () => Promise<void>;
}

/** The installed binary and its version line, or undefined when there is none. */
export function findBlackbox(): { bin: string; version: string } | undefined {
  for (const bin of NAMES) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) {
      const version = /version (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown version';
      return { bin, version };
    }
  }
  return undefined;
}

function answers(port: number): Promise<boolean> {
  return new Promise((res) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (r) => {
      r.resume();
      res(true);
    }).on('error', () => res(false));
  });
}

export async function startBlackbox(found: { bin: string; version: string }): Promise<Blackbox> {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-bench-blackbox-'));
  const config = join(dir, 'blackbox.yml');
  writeFileSync(config, CONFIG);
  const port = await closedPort();
  const child: ChildProcess = spawn(found.bin, [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  // Up within a second or two; bounded, so a broken install cannot hang the bench.
  for (let i = 0; i < 100 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 50));
  if (child.exitCode !== null || !child.pid) throw new Error(`${found.bin} did not start`);
  return {
    version: found.version,
    port,
    pid: child.pid,
    stop: async () => {
      child.kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One probe's phases, from the exporter's metrics: processing (~ttfb) and transfer (~download), in ms. */
export function probeOnce(bb: Blackbox, module: string, target: string): Promise<{ ok: boolean; processingMs: number; transferMs: number }> {
  return new Promise((resolve, reject) => {
    const path = `/probe?module=${encodeURIComponent(module)}&target=${encodeURIComponent(target)}`;
    get({ host: '127.0.0.1', port: bb.port, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const phase = (p: string) => Number(new RegExp(`^probe_http_duration_seconds\\{phase="${p}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
        resolve({ ok: /^probe_success 1$/m.test(text), processingMs: phase('processing'), transferMs: phase('transfer') });
      });
    }).on('error', reject);
  });
}
