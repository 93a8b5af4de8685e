/**
 * Timing accuracy of probeHttp (from source, in this process): sequential samples against
 * timing-server.js (another process), which holds the headers HEADER_MS and the body BODY_MS
 * more and reports what it actually did, measured on its side. Compared pairwise:
 *   ttfbMs     (request written -> first response byte on the socket)  vs  server's headerMs
 *              (request parsed -> headers handed to the kernel);
 *   downloadMs (first response byte -> body fully read, 'end')         vs  server's bodyMs
 *              (headers handed to the kernel -> body handed to the kernel).
 * Each pair brackets the same wait; what is left over is loopback transit and the event-loop
 * latency on each side, which is what the error figure is meant to show.
 */
import { fork } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { probeHttp, type HttpTarget } from '../lib/probes/http';
import { probeOnce, type Blackbox } from './blackbox';
import { median } from './util';

export const HEADER_MS = 100;
export const BODY_MS = 50;

interface ServerRecord {
  headerMs: number;
  bodyMs: number;
  headersQueued: number;
  bodyQueued: number;
}

export interface TimingAccuracy {
  samples: number;
  ttfbErrMs: number;
  downloadErrMs: number;
  /** Medians of the raw figures, for the note. */
  ttfbMs: number;
  downloadMs: number;
  serverHeaderMs: number;
  serverBodyMs: number;
  /** Samples where the server could not hand its bytes to the kernel at once (should be 0). */
  queued: number;
  /** blackbox_exporter's phases against the same server, when it runs: processing ~ ttfb, transfer ~ download. */
  blackbox?: { samples: number; ttfbErrMs: number; downloadErrMs: number; ttfbMs: number; downloadMs: number };
}

function startServer(): Promise<{ port: number; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'timing-server.js'), [String(HEADER_MS), String(BODY_MS)], { execArgv: [] });
    child.once('error', reject);
    child.once('message', (m: { port: number }) => resolve({ port: m.port, stop: () => child.kill() }));
  });
}

function getJson<T>(port: number, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T));
    }).on('error', reject);
  });
}

export async function measureTiming(samples: number, blackbox?: Blackbox): Promise<TimingAccuracy> {
  const server = await startServer();
  try {
    const target = (id: string): HttpTarget => ({
      url: `http://127.0.0.1:${server.port}/probe?id=${id}`,
      method: 'GET',
      headers: {},
      connectTimeoutMs: 3000,
      readTimeoutMs: 5000,
      attempts: 1,
      followRedirects: false,
      maxRedirects: 0,
      maxBodyBytes: 1024 * 1024,
      insecure: false,
      keepBody: false,
    });
    const signal = new AbortController().signal;
    // One untimed sample first: the prober's first call pays for compiling its code paths.
    await probeHttp(target('warmup'), signal);
    const client: { ttfbMs: number; downloadMs: number }[] = [];
    for (let i = 0; i < samples; i++) {
      const o = await probeHttp(target(String(i)), signal);
      if (o.error || o.statusCode !== 200) throw new Error(`timing probe ${i} failed: ${JSON.stringify(o.error ?? o.statusCode)}`);
      client.push({ ttfbMs: o.timings.ttfbMs, downloadMs: o.timings.downloadMs });
    }
    const peer: { ttfbMs: number; downloadMs: number }[] = [];
    if (blackbox) {
      const url = (id: string) => `http://127.0.0.1:${server.port}/probe?id=${id}`;
      await probeOnce(blackbox, 'http_2xx', url('bb-warmup'));
      for (let i = 0; i < samples; i++) {
        const o = await probeOnce(blackbox, 'http_2xx', url(`bb${i}`));
        if (!o.ok) throw new Error(`blackbox timing probe ${i} failed`);
        peer.push({ ttfbMs: o.processingMs, downloadMs: o.transferMs });
      }
    }
    const records = await getJson<Record<string, ServerRecord>>(server.port, '/timings');
    const pairs = client.map((c, i) => {
      const s = records[String(i)];
      if (!s) throw new Error(`timing server has no record for probe ${i}`);
      return { c, s };
    });
    return {
      samples,
      ttfbErrMs: median(pairs.map(({ c, s }) => Math.abs(c.ttfbMs - s.headerMs))),
      downloadErrMs: median(pairs.map(({ c, s }) => Math.abs(c.downloadMs - s.bodyMs))),
      ttfbMs: median(pairs.map(({ c }) => c.ttfbMs)),
      downloadMs: median(pairs.map(({ c }) => c.downloadMs)),
      serverHeaderMs: median(pairs.map(({ s }) => s.headerMs)),
      serverBodyMs: median(pairs.map(({ s }) => s.bodyMs)),
      queued: pairs.filter(({ s }) => s.headersQueued !== 0 || s.bodyQueued !== 0).length,
      ...(blackbox ? { blackbox: peerAccuracy(peer, records) } : {}),
    };
  } finally {
    server.stop();
  }
}

function peerAccuracy(peer: { ttfbMs: number; downloadMs: number }[], records: Record<string, ServerRecord>) {
  const pairs = peer.map((c, i) => {
    const s = records[`bb${i}`];
    if (!s) throw new Error(`timing server has no record for blackbox probe ${i}`);
    return { c, s };
  });
  return {
    samples: pairs.length,
    ttfbErrMs: median(pairs.map(({ c, s }) => Math.abs(c.ttfbMs - s.headerMs))),
    downloadErrMs: median(pairs.map(({ c, s }) => Math.abs(c.downloadMs - s.bodyMs))),
    ttfbMs: median(pairs.map(({ c }) => c.ttfbMs)),
    downloadMs: median(pairs.map(({ c }) => c.downloadMs)),
  };
}
