/**
 * The `http` monitor over TLS against real https servers on 127.0.0.1, with certificates made
 * by the openssl CLI at test time (test/support/certs.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import * as v from 'valibot';
import { httpMonitor, type HttpMonitor } from '../lib/monitors/http/schema';
import { runHttp } from '../lib/monitors/http/run';
import type { ResultRecord } from '../lib/report/record';
import { httpServer, type Running } from '../dev/standins/servers';
import { makeCerts, type KeyPair, type TestCerts } from './support/certs';

interface TlsRunning {
  server: Server;
  port: number;
  /** https://localhost:<port><path> */
  byName: (path?: string) => string;
  /** https://127.0.0.1:<port><path> */
  byIp: (path?: string) => string;
  close: () => Promise<void>;
}

function httpsServer(pair: KeyPair, handler?: (path: string) => { status: number; headers?: Record<string, string>; body?: string }): Promise<TlsRunning> {
  return new Promise((resolve) => {
    const sockets = new Set<Socket>();
    const server = createServer({ key: pair.key, cert: pair.cert }, (req, res) => {
      const out = handler?.(req.url ?? '/') ?? { status: 200, body: 'secure hello' };
      res.writeHead(out.status, { 'content-type': 'text/plain', ...out.headers });
      res.end(out.body ?? '');
    });
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.on('tlsClientError', () => {}); // clients that reject our certificate are the point
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        server,
        port,
        byName: (path = '/') => `https://localhost:${port}${path}`,
        byIp: (path = '/') => `https://127.0.0.1:${port}${path}`,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function mon(over: Record<string, unknown>): HttpMonitor {
  return v.parse(httpMonitor, {
    name: 'tls',
    type: 'http',
    samples: 1,
    intervalMs: 0,
    attempts: 1,
    connectTimeoutMs: 2000,
    readTimeoutMs: 2000,
    ...over,
  });
}

const run = (over: Record<string, unknown>): Promise<ResultRecord> =>
  runHttp(mon(over), { functionName: 'test', signal: new AbortController().signal });
const codes = (r: ResultRecord) => r.reasons.map((x) => x.code);
const first = (r: ResultRecord) => {
  const s = r.samples[0];
  assert.ok(s, 'record has at least one sample');
  return s;
};

let certs: TestCerts;
let good: TlsRunning; // CA-signed, 90 days, localhost + 127.0.0.1
let short: TlsRunning; // CA-signed, 5 days
let self: TlsRunning; // self-signed
let wrong: TlsRunning; // CA-signed for wrong.example only
let plain: Running; // plain HTTP, for https:// against a non-TLS port

before(async () => {
  certs = makeCerts();
  [good, short, self, wrong] = await Promise.all([
    httpsServer(certs.server, (path) =>
      path === '/to-short' ? { status: 302, headers: { location: `https://localhost:${short.port}/` } } : { status: 200, body: 'secure hello' },
    ),
    httpsServer(certs.shortLived),
    httpsServer(certs.selfSigned),
    httpsServer(certs.wrongHost),
  ]);
  plain = await httpServer((_req, res) => res.writeHead(200).end('plain'));
});

after(async () => {
  await Promise.all([good, short, self, wrong, plain].map((s) => s?.close()));
  certs?.cleanup();
});

describe('trusted certificate', () => {
  for (const [label, url] of [
    ['localhost', () => good.byName()],
    ['127.0.0.1', () => good.byIp()],
  ] as const) {
    test(`CA-signed certificate with ca: ok (${label})`, async () => {
      const r = await run({ url: url(), ca: certs.ca, samples: 2, expect: { bodyContains: 'secure hello' } });
      assert.equal(r.ok, true, JSON.stringify(r.reasons));
      assert.deepEqual(r.hostList, ['127.0.0.1']);
      for (const s of r.samples) {
        assert.equal(s.statusCode, 200);
        assert.equal(s.remoteAddress, '127.0.0.1');
        assert.ok(s.timings.tlsMs! > 0, `tlsMs ${s.timings.tlsMs} > 0`);
        assert.ok(s.timings.totalMs! >= s.timings.tlsMs!, 'total covers the handshake');
      }
      assert.ok(r.cert, 'record carries the certificate');
      assert.equal(r.cert.host, label);
      assert.ok(r.cert.daysLeft > 89 && r.cert.daysLeft <= 90.1, `daysLeft ${r.cert.daysLeft} about 90`);
      const validTo = Date.parse(r.cert.validTo);
      assert.ok(Math.abs(validTo - (Date.now() + 90 * 86_400_000)) < 2 * 86_400_000, r.cert.validTo);
    });
  }

  test('certMinDays below the days left: ok', async () => {
    const r = await run({ url: good.byName(), ca: certs.ca, expect: { certMinDays: 30 } });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
  });
});

describe('untrusted certificate', () => {
  test('CA-signed certificate without ca: TLS_ERROR (unknown issuer)', async () => {
    const r = await run({ url: good.byName() });
    assert.equal(r.ok, false);
    assert.deepEqual(codes(r), ['TLS_ERROR']);
    const s = first(r);
    assert.equal(s.statusCode, undefined);
    assert.match(s.error!.message, new RegExp(`127\\.0\\.0\\.1:${good.port}`));
    assert.match(s.error!.message, /unable to verify|UNABLE_TO_VERIFY_LEAF_SIGNATURE|issuer/i);
    assert.equal(r.cert, undefined, 'no certificate recorded for a failed handshake');
  });

  test('TLS errors are not retried as connection failures', async () => {
    const r = await run({ url: good.byName(), attempts: 3 });
    assert.deepEqual(codes(r), ['TLS_ERROR']);
    assert.equal(first(r).attempts, 1);
  });

  test('self-signed certificate: TLS_ERROR, even with the test CA', async () => {
    for (const ca of [undefined, certs.ca]) {
      const r = await run({ url: self.byName(), ...(ca ? { ca } : {}) });
      assert.deepEqual(codes(r), ['TLS_ERROR'], `ca given: ${!!ca}`);
      assert.match(first(r).error!.message, /self[- ]signed|SELF_SIGNED/i);
    }
  });

  test('insecure: true accepts the self-signed and the unknown-issuer certificates', async () => {
    for (const url of [self.byName(), good.byName(), self.byIp()]) {
      const r = await run({ url, insecure: true });
      assert.equal(r.ok, true, `${url}: ${JSON.stringify(r.reasons)}`);
      assert.equal(first(r).statusCode, 200);
      assert.ok(first(r).timings.tlsMs! > 0);
      assert.ok(r.cert && r.cert.daysLeft > 89, 'the certificate is still read');
    }
  });

  test('certificate for another host: TLS_ERROR naming the host and the altnames', async () => {
    const r = await run({ url: wrong.byName(), ca: certs.ca });
    assert.deepEqual(codes(r), ['TLS_ERROR']);
    const msg = first(r).error!.message;
    assert.match(msg, /localhost/);
    assert.match(msg, /altnames/);
    assert.match(msg, /wrong\.example/);
    assert.match(msg, new RegExp(`127\\.0\\.0\\.1:${wrong.port}`));

    const byIp = await run({ url: wrong.byIp(), ca: certs.ca });
    assert.deepEqual(codes(byIp), ['TLS_ERROR']);
    assert.match(first(byIp).error!.message, /127\.0\.0\.1/);
    assert.match(first(byIp).error!.message, /ERR_TLS_CERT_ALTNAME_INVALID|altnames|cert's list/);
  });

  test('insecure: true also skips the host check', async () => {
    const r = await run({ url: wrong.byName(), insecure: true });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
  });

  test('https:// against a plain HTTP port: TLS_ERROR', async () => {
    const r = await run({ url: `https://127.0.0.1:${plain.port}/` });
    assert.deepEqual(codes(r), ['TLS_ERROR']);
    assert.match(first(r).error!.message, new RegExp(`127\\.0\\.0\\.1:${plain.port}`));
  });
});

describe('certificate expiry', () => {
  test('5-day certificate with certMinDays 14: CERT_EXPIRING', async () => {
    const r = await run({ url: short.byName(), ca: certs.ca, samples: 2, expect: { certMinDays: 14 } });
    assert.equal(r.ok, false);
    assert.deepEqual(codes(r), ['CERT_EXPIRING']);
    assert.equal(r.stats.successRate, 1, 'the samples themselves succeed');
    const msg = r.reasons[0]!.message;
    assert.match(msg, /certificate for localhost expires in (4|5)(\.\d)? days/);
    assert.match(msg, /expected at least 14 days/);
    assert.ok(r.cert && r.cert.daysLeft > 4 && r.cert.daysLeft <= 5.1, `daysLeft ${r.cert?.daysLeft}`);
  });

  test('5-day certificate with certMinDays 3: ok', async () => {
    const r = await run({ url: short.byIp(), ca: certs.ca, expect: { certMinDays: 3 } });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.ok(r.cert && r.cert.daysLeft > 4 && r.cert.daysLeft <= 5.1);
  });

  test('without certMinDays a short certificate is not judged', async () => {
    const r = await run({ url: short.byName(), ca: certs.ca });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
  });

  test('the record keeps the certificate closest to expiry among redirect hops', async () => {
    const r = await run({ url: good.byName('/to-short'), ca: certs.ca, expect: { certMinDays: 14 } });
    assert.equal(first(r).redirects, 1);
    assert.equal(first(r).statusCode, 200);
    assert.ok(r.cert && r.cert.daysLeft <= 5.1, `daysLeft ${r.cert?.daysLeft} is the 5-day hop`);
    assert.deepEqual(codes(r), ['CERT_EXPIRING']);
  });
});
