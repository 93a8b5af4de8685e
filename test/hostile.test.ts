/**
 * Hostile targets through the real statusCheck path (config file -> runFunction -> records):
 * each one must end in its own failure code within its own limits, while a healthy monitor in
 * the same run still gets its own correct result. All servers are on 127.0.0.1.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { Readable, Transform, pipeline } from 'node:stream';
import * as zlib from 'node:zlib';
import { runFunction } from '../lib/functions';
import { setLogSink } from '../lib/report/log';
import type { ResultRecord } from '../lib/report/record';
import type { Summary } from '../lib/runtime/summary';
import type { ScfEvent } from '../lib/runtime/scf';
import { httpServer, tcpServer, type Running } from '../dev/standins/servers';
import { blackHole, type BlackHole } from './support/blackhole';
import { makeCerts, type KeyPair, type TestCerts } from './support/certs';

const CHUNK = 64 * 1024; // the largest piece a socket read hands over
const MAX_BODY = 256 * 1024;

/** What the kernel may hold between a writer and a reader that stopped: both socket buffers at their autotuned maximum. */
function kernelBufferBytes(): number {
  const max = (f: string) => Number(readFileSync(`/proc/sys/net/ipv4/${f}`, 'utf8').trim().split(/\s+/)[2]);
  return max('tcp_rmem') + max('tcp_wmem');
}

// ---------------------------------------------------------------- servers

interface Tally {
  /** Bytes the server handed to the socket. */
  written: number;
  /** The client went away (closed or reset). */
  closed: boolean;
}

/** Writes as fast as the client reads until it goes away; the cap only stops a runaway test. */
function endlessBody(res: ServerResponse, tally: Tally): void {
  Object.assign(tally, { written: 0, closed: false });
  res.on('close', () => (tally.closed = true));
  const chunk = Buffer.alloc(CHUNK, 'x');
  const go = () => {
    while (!tally.closed && tally.written < 1024 * 1024 * 1024) {
      tally.written += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', go);
    }
  };
  go();
}

/** An endless gzip stream of zeros (about 1000:1), so the decoded limit comes long before any compressed one. */
function gzipBomb(res: ServerResponse, tally: Tally): void {
  Object.assign(tally, { written: 0, closed: false });
  const zeros = Buffer.alloc(CHUNK);
  const source = new Readable({ read: () => void source.push(zeros) });
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      tally.written += chunk.length;
      done(null, chunk);
    },
  });
  res.on('close', () => (tally.closed = true));
  pipeline(source, zlib.createGzip(), count, res, () => {});
}

let healthy: Running;
let hostile: Running;
let silent: Awaited<ReturnType<typeof tcpServer>>;
let garbage: Awaited<ReturnType<typeof tcpServer>>;
let hole: BlackHole;
let certs: TestCerts;
const tls: Record<'expired' | 'wrongHost' | 'selfSigned' | 'shortLived', { server: HttpsServer; port: number }> = {} as never;
const endless: Tally = { written: 0, closed: false };
const bomb: Tally = { written: 0, closed: false };
const trickle: Tally = { written: 0, closed: false };

function httpsServer(pair: KeyPair): Promise<{ server: HttpsServer; port: number }> {
  return new Promise((resolve) => {
    const server = createHttpsServer({ key: pair.key, cert: pair.cert }, (_req, res) => res.end('secure'));
    server.on('tlsClientError', () => {}); // clients rejecting the certificate are the point
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

before(async () => {
  healthy = await httpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('healthy and well'));
  hostile = await httpServer((req, res) => {
    switch (req.url) {
      case '/trickle': {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100000' });
        Object.assign(trickle, { written: 0, closed: false });
        const timer = setInterval(() => {
          res.write('.');
          trickle.written++;
        }, 100);
        res.on('close', () => {
          trickle.closed = true;
          clearInterval(timer);
        });
        return;
      }
      case '/endless':
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return endlessBody(res, endless);
      case '/bomb':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
        return gzipBomb(res, bomb);
      case '/loop':
        return void res.writeHead(302, { location: '/loop' }).end();
      case '/reset':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100000' });
        res.write(Buffer.alloc(1000, 'r'));
        setTimeout(() => req.socket.destroy(), 30);
        return;
      default:
        res.writeHead(404).end();
    }
  });
  silent = await tcpServer(() => {});
  garbage = await tcpServer((s: Socket) => s.once('data', () => s.end('HTTP/1.1 two hundred OK\r\nContent-Length: 2\r\n\r\nok')));
  certs = makeCerts();
  for (const kind of ['expired', 'wrongHost', 'selfSigned', 'shortLived'] as const) tls[kind] = await httpsServer(certs[kind]);
  hole = await blackHole();
});

after(async () => {
  await Promise.all([healthy?.close(), hostile?.close(), silent?.close(), garbage?.close(), hole?.close()]);
  await Promise.all(Object.values(tls).map((t) => new Promise((r) => t.server.close(r))));
  certs?.cleanup();
});

// ---------------------------------------------------------------- running through statusCheck

let dir: string;
let configs = 0;
let lines: string[] = [];
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-hostile-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  lines = [];
  setLogSink((text) => lines.push(...text.split(/(?<=\n)/)));
});
afterEach(() => setLogSink((line) => process.stdout.write(line)));

const timer = (): ScfEvent => ({ Type: 'Timer', TriggerName: 'test', Time: new Date().toISOString(), Message: '' }) as ScfEvent;
const codes = (r: ResultRecord) => r.reasons.map((x) => x.code);
const http = (name: string, over: Record<string, unknown>) => ({
  name,
  type: 'http',
  samples: 1,
  attempts: 1,
  connectTimeoutMs: 1000,
  readTimeoutMs: 1000,
  ...over,
});
const healthyMonitor = () => http('healthy', { url: healthy.url('/'), samples: 2, intervalMs: 0, expect: { bodyContains: 'healthy and well' } });

/** Writes the monitors as a JSON config, runs statusCheck on it, and checks the healthy one. */
async function run(monitors: object[], limitMs = 15_000): Promise<{ summary: Summary; byName: Map<string, ResultRecord> }> {
  const configPath = join(dir, `monitors-${++configs}.json`);
  writeFileSync(configPath, JSON.stringify({ monitors: [...monitors, healthyMonitor()] }));
  const summary = await runFunction('statusCheck', timer(), { time_limit_in_ms: limitMs }, { configPath });
  assert.ok(summary.durationMs < limitMs, `the run returned within its deadline (${summary.durationMs} ms)`);
  const byName = new Map(summary.results.map((r) => [r.monitor, r]));
  const h = byName.get('healthy');
  assert.ok(h, 'the healthy monitor ran');
  assert.equal(h.ok, true, `healthy: ${JSON.stringify(h.reasons)}`);
  assert.deepEqual([h.stats.samples, h.stats.successes], [2, 2]);
  assert.deepEqual(h.samples.map((s) => s.statusCode), [200, 200]);
  assert.equal(lines.length, summary.results.length, 'every record was logged');
  assert.equal(summary.ok, summary.results.every((r) => r.ok));
  return { summary, byName };
}

async function runOne(monitor: { name: string }): Promise<ResultRecord> {
  const { byName } = await run([monitor]);
  return byName.get(monitor.name)!;
}

/** Resolves once `cond` holds, or fails after `ms`. */
async function eventually(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = performance.now() + ms;
  while (!cond()) {
    assert.ok(performance.now() < until, what);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---------------------------------------------------------------- the cases

const blackholeMonitor = () => http('black-hole', { url: `http://127.0.0.1:${hole.port}/`, connectTimeoutMs: 300, attempts: 2 });
const blackholeTcp = () => ({ name: 'black-hole-tcp', type: 'tcp', host: '127.0.0.1', port: hole.port, samples: 1, connectTimeoutMs: 300, attempts: 2 });
const https = (name: string, port: number, over: Record<string, unknown> = {}) => http(name, { url: `https://127.0.0.1:${port}/`, ca: certs.ca, ...over });

describe('connect phase', () => {
  test('the black hole really swallows connects (checked before relying on it)', async () => {
    assert.ok(hole.queued >= 1, `the child holds ${hole.queued} queued connections`);
    const socket = connect(hole.port, '127.0.0.1');
    let outcome = 'pending';
    socket.once('connect', () => (outcome = 'connected'));
    socket.once('error', (err: NodeJS.ErrnoException) => (outcome = err.code ?? 'error'));
    await new Promise((r) => setTimeout(r, 500));
    socket.destroy();
    assert.equal(outcome, 'pending', 'a raw connect neither succeeds nor fails within 500 ms');
  });

  test('black hole: CONNECT_TIMEOUT after each attempt times out, bounded by the connect timeout', async (t) => {
    const { byName } = await run([blackholeMonitor(), blackholeTcp()]);
    for (const name of ['black-hole', 'black-hole-tcp']) {
      const r = byName.get(name)!;
      assert.deepEqual(codes(r), ['CONNECT_TIMEOUT'], name);
      const s = r.samples[0]!;
      assert.equal(s.attempts, 2, `${name}: both attempts counted`);
      assert.match(s.error!.message, new RegExp(`no TCP connection to 127\\.0\\.0\\.1:${hole.port} within 300 ms \\(2 attempts\\)`));
      assert.ok(s.timings.totalMs! < 10 * 300, `${name}: ${s.timings.totalMs} ms for 2 attempts of 300 ms`);
      t.diagnostic(`${name}: ${s.timings.totalMs} ms for 2 attempts x 300 ms connect timeout`);
    }
  });
});

describe('answer phase', () => {
  test('accepts and never answers: READ_TIMEOUT', async () => {
    const r = await runOne(http('silent', { url: `http://127.0.0.1:${silent.port}/`, readTimeoutMs: 300 }));
    assert.deepEqual(codes(r), ['READ_TIMEOUT']);
    assert.match(r.samples[0]!.error!.message, new RegExp(`no response from 127\\.0\\.0\\.1:${silent.port} within 300 ms`));
    assert.ok(r.samples[0]!.timings.totalMs! < 10 * 300, `${r.samples[0]!.timings.totalMs} ms`);
  });

  test('a body trickling one byte per 100 ms: READ_TIMEOUT within readTimeoutMs (request to last byte)', async () => {
    const r = await runOne(http('trickle', { url: hostile.url('/trickle'), readTimeoutMs: 500 }));
    assert.deepEqual(codes(r), ['READ_TIMEOUT']);
    const s = r.samples[0]!;
    assert.equal(s.statusCode, 200, 'the headers came; only the body was too slow');
    assert.match(s.error!.message, /not complete within 500 ms \(\d+ bytes received\)/);
    // Every byte arrived well within any per-read timeout: only a whole-response timer stops this.
    assert.ok(s.bodyBytes! >= 1 && s.bodyBytes! <= 10, `${s.bodyBytes} bytes`);
    assert.ok(s.timings.totalMs! < 5 * 500, `${s.timings.totalMs} ms`);
    await eventually(() => trickle.closed, 2000, 'the client hung up on the trickle');
  });

  test('an endless body stops at maxBodyBytes; both sides moved a bounded number of bytes', async (t) => {
    const r = await runOne(http('endless', { url: hostile.url('/endless'), maxBodyBytes: MAX_BODY, readTimeoutMs: 5000 }));
    assert.equal(r.ok, true, `a cut body is not a failure in itself: ${JSON.stringify(r.reasons)}`);
    const s = r.samples[0]!;
    assert.equal(s.bodyTruncated, true);
    assert.ok(s.bodyBytes! <= MAX_BODY + CHUNK, `read ${s.bodyBytes} bytes`);
    await eventually(() => endless.closed, 2000, 'the client closed the endless response');
    const bound = MAX_BODY + kernelBufferBytes() + 2 * CHUNK;
    assert.ok(endless.written <= bound, `server wrote ${endless.written} bytes, bound ${bound}`);
    t.diagnostic(`endless: client read ${s.bodyBytes} bytes, server wrote ${endless.written} before the close`);
  });

  test('an endless gzip bomb stops at the decoded limit; compressed bytes sent stay bounded', async (t) => {
    const limit = 1024 * 1024;
    const r = await runOne(http('bomb', { url: hostile.url('/bomb'), maxBodyBytes: limit, readTimeoutMs: 5000, expect: { bodyContains: 'needle' } }));
    assert.deepEqual(codes(r), ['BODY_MISMATCH']);
    assert.match(r.reasons[0]!.message, /in the first \d+ bytes/);
    const s = r.samples[0]!;
    assert.equal(s.bodyTruncated, true);
    assert.ok(s.bodyBytes! > 0 && s.bodyBytes! <= limit + CHUNK, `decoded ${s.bodyBytes} bytes`);
    await eventually(() => bomb.closed, 2000, 'the client closed the bomb');
    const bound = limit + kernelBufferBytes() + 2 * CHUNK;
    assert.ok(bomb.written <= bound, `server wrote ${bomb.written} compressed bytes, bound ${bound}`);
    t.diagnostic(`bomb: client decoded ${s.bodyBytes} bytes, server wrote ${bomb.written} compressed bytes`);
  });

  test('a redirect loop: REDIRECT_LIMIT', async () => {
    const r = await runOne(http('loop', { url: hostile.url('/loop'), maxRedirects: 3 }));
    assert.deepEqual(codes(r), ['REDIRECT_LIMIT']);
    assert.match(r.reasons[0]!.message, /more than 3 redirects/);
  });

  test('reset in the middle of the body: CONNECTION_RESET', async () => {
    const r = await runOne(http('reset', { url: hostile.url('/reset') }));
    assert.deepEqual(codes(r), ['CONNECTION_RESET']);
    assert.match(r.samples[0]!.error!.message, /mid-body after 1000 bytes of 100000/);
  });

  test('a garbage status line: PROTOCOL_ERROR', async () => {
    const r = await runOne(http('garbage', { url: `http://127.0.0.1:${garbage.port}/` }));
    assert.deepEqual(codes(r), ['PROTOCOL_ERROR']);
    assert.match(r.samples[0]!.error!.message, new RegExp(`127\\.0\\.0\\.1:${garbage.port}`));
  });
});

describe('certificates', () => {
  test('expired, wrong host and self-signed: TLS_ERROR naming the cause', async () => {
    const { byName } = await run([
      https('expired', tls.expired.port),
      https('wrong-host', tls.wrongHost.port),
      https('self-signed', tls.selfSigned.port),
    ]);
    const expect = { expired: /expired/i, 'wrong-host': /altname|wrong\.example|IP: 127\.0\.0\.1/i, 'self-signed': /self[- ]signed/i };
    for (const [name, cause] of Object.entries(expect)) {
      const r = byName.get(name)!;
      assert.deepEqual(codes(r), ['TLS_ERROR'], name);
      assert.match(r.samples[0]!.error!.message, cause, name);
      assert.equal(r.samples[0]!.attempts, 1, `${name}: a bad certificate is not retried`);
    }
  });

  test('the expired certificate really is signed by the trusted CA: only its dates are wrong', async () => {
    const r = await runOne(https('expired-insecure', tls.expired.port, { insecure: true, expect: { certMinDays: 0 } }));
    assert.ok(r.cert && r.cert.daysLeft < 0, `daysLeft ${r.cert?.daysLeft}`);
    assert.deepEqual(codes(r), ['CERT_EXPIRING']);
    assert.match(r.reasons[0]!.message, /expired .* days ago/);
  });

  test('5 days left with certMinDays 14: CERT_EXPIRING', async () => {
    const r = await runOne(https('expiring', tls.shortLived.port, { expect: { certMinDays: 14 } }));
    assert.deepEqual(codes(r), ['CERT_EXPIRING']);
    assert.match(r.reasons[0]!.message, /expires in [45](\.\d)? days/);
  });
});

describe('everything at once', () => {
  test('every hostile monitor in one run gets its own code; the healthy one is fine; the run ends in time', async () => {
    const limit = 12_000;
    const started = performance.now();
    const { summary, byName } = await run(
      [
        blackholeMonitor(),
        blackholeTcp(),
        http('silent', { url: `http://127.0.0.1:${silent.port}/`, readTimeoutMs: 300 }),
        http('trickle', { url: hostile.url('/trickle'), readTimeoutMs: 500 }),
        http('endless', { url: hostile.url('/endless'), maxBodyBytes: MAX_BODY, readTimeoutMs: 5000 }),
        http('bomb', { url: hostile.url('/bomb'), maxBodyBytes: 1024 * 1024, readTimeoutMs: 5000, expect: { bodyContains: 'needle' } }),
        http('loop', { url: hostile.url('/loop') }),
        http('reset', { url: hostile.url('/reset') }),
        http('garbage', { url: `http://127.0.0.1:${garbage.port}/` }),
        https('expired', tls.expired.port),
        https('wrong-host', tls.wrongHost.port),
        https('self-signed', tls.selfSigned.port),
        https('expiring', tls.shortLived.port, { expect: { certMinDays: 14 } }),
      ],
      limit,
    );
    assert.ok(performance.now() - started < limit);
    const expected: Record<string, string[]> = {
      'black-hole': ['CONNECT_TIMEOUT'],
      'black-hole-tcp': ['CONNECT_TIMEOUT'],
      silent: ['READ_TIMEOUT'],
      trickle: ['READ_TIMEOUT'],
      endless: [],
      bomb: ['BODY_MISMATCH'],
      loop: ['REDIRECT_LIMIT'],
      reset: ['CONNECTION_RESET'],
      garbage: ['PROTOCOL_ERROR'],
      expired: ['TLS_ERROR'],
      'wrong-host': ['TLS_ERROR'],
      'self-signed': ['TLS_ERROR'],
      expiring: ['CERT_EXPIRING'],
      healthy: [],
    };
    assert.deepEqual(summary.results.map((r) => r.monitor), Object.keys(expected), 'one result per monitor, in config order');
    for (const [name, want] of Object.entries(expected)) assert.deepEqual(codes(byName.get(name)!), want, name);
    assert.equal(byName.get('endless')!.samples[0]!.bodyTruncated, true);
    assert.equal(byName.get('bomb')!.samples[0]!.bodyTruncated, true);
  });
});
