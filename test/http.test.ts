/**
 * The `http` monitor end to end against real servers on 127.0.0.1: prober (probes/http.ts),
 * sampling, judging (monitors/verdict.ts) and the record (monitors/http.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import * as v from 'valibot';
import { httpMonitor, type HttpMonitor } from '../lib/monitors/http/schema';
import { runHttp } from '../lib/monitors/http/run';
import type { RunContext } from '../lib/monitors/context';
import type { ResultRecord } from '../lib/report/record';
import { closedPort, httpServer, tcpServer, type Running } from '../dev/standins/servers';

// ---------------------------------------------------------------- helpers

/** A valid monitor with small timeouts and one sample; `over` may override anything. */
function mon(over: Record<string, unknown>): HttpMonitor {
  return v.parse(httpMonitor, {
    name: 'test',
    type: 'http',
    samples: 1,
    intervalMs: 0,
    attempts: 1,
    connectTimeoutMs: 500,
    readTimeoutMs: 300,
    ...over,
  });
}

function ctx(signal: AbortSignal = new AbortController().signal): RunContext {
  return { functionName: 'test', signal };
}

function run(over: Record<string, unknown>, signal?: AbortSignal): Promise<ResultRecord> {
  return runHttp(mon(over), ctx(signal));
}

const codes = (r: ResultRecord) => r.reasons.map((x) => x.code);
const first = (r: ResultRecord) => {
  const s = r.samples[0];
  assert.ok(s, 'record has at least one sample');
  return s;
};

/** Runs `fn` after `ms` unless the response closes first (so no timer outlives a test). */
function later(res: ServerResponse, ms: number, fn: () => void): void {
  const timer = setTimeout(fn, ms);
  res.on('close', () => clearTimeout(timer));
}

/** Writes until the client goes away. */
function endless(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain' });
  const chunk = Buffer.alloc(16 * 1024, 'x');
  let closed = false;
  res.on('close', () => (closed = true));
  const pump = () => {
    while (!closed && res.write(chunk)) {
      /* keep writing until the socket buffer is full */
    }
    if (!closed) res.once('drain', pump);
  };
  pump();
}

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  cookie?: string;
  contentType?: string;
  contentLength?: string;
  body: string;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

// '中文' in GBK is d6 d0 ce c4; '测试' is b2 e2 ca d4.
const GBK_PAGE = Buffer.concat([
  Buffer.from('<html><body>', 'latin1'),
  Buffer.from([0xd6, 0xd0, 0xce, 0xc4, 0xb2, 0xe2, 0xca, 0xd4]),
  Buffer.from('</body></html>', 'latin1'),
]);
const GBK_META_PAGE = Buffer.concat([
  Buffer.from('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head><body>', 'latin1'),
  Buffer.from([0xd6, 0xd0, 0xce, 0xc4]),
  Buffer.from('</body></html>', 'latin1'),
]);

const GZIP_TEXT = `<html>${'lorem ipsum '.repeat(500)}<p>needle-in-gzip</p></html>`;
const GZIP_BODY = zlib.gzipSync(Buffer.from(GZIP_TEXT));
const BOMB_PLAIN_BYTES = 50 * 1024 * 1024;
let bomb: Buffer; // made in before(): 50 MB of zeros, gzipped (about 50 KB)
// Random bytes do not compress: gzipped, this is a little LARGER than its decoded length.
const INCOMPRESSIBLE = Buffer.concat([randomBytes(3000), Buffer.from('MARKER')]);
const INCOMPRESSIBLE_GZ = zlib.gzipSync(INCOMPRESSIBLE);

// ---------------------------------------------------------------- servers

let main: Running; // most routes
let other: Running; // a second origin (different port) for cross-origin redirects
const seen: Seen[] = []; // requests to /echo on either server

async function echo(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  seen.push({
    method: req.method ?? '',
    url: req.url ?? '',
    authorization: req.headers.authorization,
    cookie: req.headers.cookie,
    contentType: req.headers['content-type'],
    contentLength: req.headers['content-length'],
    body,
  });
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`echo ${req.method}`);
}

before(async () => {
  bomb = zlib.gzipSync(Buffer.alloc(BOMB_PLAIN_BYTES), { level: 9 });

  other = await httpServer((req, res) => {
    if (req.url === '/echo') return void echo(req, res);
    res.writeHead(404).end();
  });

  main = await httpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const status = /^\/status\/(\d{3})$/.exec(path);
    if (status) {
      res.writeHead(Number(status[1]), { 'content-type': 'text/plain' });
      return void res.end(`status ${status[1]}`);
    }
    const chain = /^\/chain\/(\d+)$/.exec(path);
    if (chain) {
      const n = Number(chain[1]);
      if (n === 0) return void res.writeHead(200).end('end of chain');
      return void res.writeHead(302, { location: `/chain/${n - 1}` }).end();
    }
    switch (path) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.end('hello world');
      case '/echo':
        return void echo(req, res);
      case '/slow-headers':
        return later(res, 2000, () => res.writeHead(200).end('late'));
      case '/trickle': {
        // Headers and 5 bytes at once, then one byte every 50 ms: never done within 300 ms.
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '10000' });
        res.write('hello');
        const timer = setInterval(() => res.write('.'), 50);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/phased':
        // Headers (with the first body byte) after 100 ms, the rest 50 ms later.
        later(res, 100, () => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('a');
          later(res, 50, () => res.end('b'));
        });
        return;
      case '/slow150':
        return later(res, 150, () => res.writeHead(200).end('slow'));
      case '/redirect-relative':
        return void res.writeHead(302, { location: 'ok' }).end();
      case '/redirect-absolute-path':
        return void res.writeHead(301, { location: '/ok' }).end();
      case '/loop':
        return void res.writeHead(302, { location: '/loop' }).end();
      case '/found':
        return void res.writeHead(302, { location: '/ok' }).end();
      case '/to-other':
        return void res.writeHead(302, { location: `${other.url('/echo')}` }).end();
      case '/to-same':
        return void res.writeHead(302, { location: '/echo' }).end();
      case '/see-other':
        return void readBody(req).then(() => res.writeHead(303, { location: '/echo' }).end());
      case '/temporary':
        return void readBody(req).then(() => res.writeHead(307, { location: '/echo' }).end());
      case '/gbk':
        res.writeHead(200, { 'content-type': 'text/html; charset=gbk' });
        return void res.end(GBK_PAGE);
      case '/gbk-meta':
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end(GBK_META_PAGE);
      case '/big':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.end(Buffer.alloc(10_000, 'a'));
      case '/endless':
        return endless(res);
      case '/gzip':
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': String(GZIP_BODY.length) });
        return void res.end(GZIP_BODY);
      case '/bomb':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
        return void res.end(bomb);
      case '/reset':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
        res.write(Buffer.alloc(100, 'r'));
        later(res, 30, () => req.socket.destroy());
        return;
      case '/gzip-empty-204':
        return void res.writeHead(204, { 'content-encoding': 'gzip' }).end();
      case '/gzip-empty-200':
        return void res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': '0' }).end();
      case '/not-gzip':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
        return void res.end('this is plain text, not gzip');
      case '/incompressible':
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
        return void res.end(INCOMPRESSIBLE_GZ);
      case '/bad-location':
        return void res.writeHead(302, { location: 'http://[zz/' }).end();
      case '/to-ftp':
        return void res.writeHead(302, { location: 'ftp://127.0.0.1/file' }).end();
      case '/head-see-other':
        return void res.writeHead(303, { location: '/echo' }).end();
      case '/basic':
        // What a URL's user:password would send as HTTP basic auth.
        if (req.headers.authorization === `Basic ${Buffer.from('user:secret').toString('base64')}`) {
          return void res.writeHead(200).end('welcome');
        }
        return void res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
      default:
        res.writeHead(404).end('not found');
    }
  });
});

after(async () => {
  await Promise.all([main?.close(), other?.close()]);
});

const loopback = (port: number) => `127.0.0.1:${port}`;

// ---------------------------------------------------------------- tests

describe('healthy target', () => {
  test('200 with timings, host list and stats', async () => {
    const r = await run({ url: main.url('/ok'), samples: 3, intervalMs: 10 });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.deepEqual(r.reasons, []);
    assert.equal(r.type, 'http');
    assert.equal(r.monitor, 'test');
    assert.equal(r.function, 'test');
    assert.equal(r.target, main.url('/ok'));
    assert.deepEqual(r.hostList, ['127.0.0.1']);
    assert.equal(r.samples.length, 3);
    for (const s of r.samples) {
      assert.equal(s.ok, true);
      assert.equal(s.statusCode, 200);
      assert.equal(s.remoteAddress, '127.0.0.1');
      assert.equal(s.attempts, 1);
      assert.equal(s.bodyBytes, 'hello world'.length);
      assert.equal(s.bodyTruncated, undefined);
      assert.equal(s.redirects, undefined);
      assert.equal(s.error, undefined);
      for (const k of ['dnsMs', 'connectMs', 'tlsMs', 'ttfbMs', 'downloadMs', 'totalMs']) {
        assert.equal(typeof s.timings[k], 'number', `timings.${k}`);
        assert.ok(s.timings[k]! >= 0, `timings.${k} >= 0`);
      }
      assert.equal(s.timings.tlsMs, 0, 'no TLS on http://');
      assert.ok(s.timings.totalMs! > 0);
      assert.ok(s.timings.totalMs! >= s.timings.ttfbMs!, 'totalMs >= ttfbMs');
      assert.ok(s.timings.totalMs! >= s.timings.connectMs!, 'totalMs >= connectMs');
    }
    assert.equal(r.stats.samples, 3);
    assert.equal(r.stats.successes, 3);
    assert.equal(r.stats.successRate, 1);
    assert.equal(typeof r.stats.meanMs, 'number');
    assert.equal(typeof r.stats.stdMs, 'number');
    assert.equal(typeof r.stats.p95Ms, 'number');
    assert.ok(r.stats.p95Ms! >= r.stats.meanMs! - 0.1 || r.stats.stdMs! > 0);
    assert.equal(r.cert, undefined);
    assert.ok(r.durationMs > 0);
    assert.ok(!Number.isNaN(Date.parse(r.timestamp)));
  });

  test('the record survives a JSON round trip (one log line)', async () => {
    const r = await run({ url: main.url('/ok') });
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  });
});

describe('status', () => {
  test('502 fails with HTTP_STATUS naming the status and the address', async () => {
    const r = await run({ url: main.url('/status/502') });
    assert.equal(r.ok, false);
    assert.deepEqual(codes(r), ['HTTP_STATUS']);
    const msg = r.reasons[0]!.message;
    assert.match(msg, /502/);
    assert.match(msg, /127\.0\.0\.1/);
    assert.match(msg, /expected 200-399/);
    assert.match(msg, /^1 of 1 samples: /);
    const s = first(r);
    assert.equal(s.ok, false);
    assert.equal(s.statusCode, 502);
    assert.equal(s.error?.code, 'HTTP_STATUS');
    assert.equal(r.stats.successes, 0);
    // An answered sample still has a response time.
    assert.equal(typeof r.stats.meanMs, 'number');
  });

  test('a failing status quotes the page title (a WAF block page tells itself apart)', async () => {
    const waf = await httpServer((_q, res) =>
      res.writeHead(403, { 'content-type': 'text/html' }).end('<html><head><title>Access Denied\n by WAF</title></head><body>blocked</body></html>'),
    );
    try {
      const r = await run({ url: waf.url('/login') });
      assert.deepEqual(codes(r), ['HTTP_STATUS']);
      assert.match(r.reasons[0]!.message, /answered 403 \("Access Denied by WAF"\) from 127\.0\.0\.1/);
      // Without a title, no quote.
      const plain = await run({ url: main.url('/status/502') });
      assert.doesNotMatch(plain.reasons[0]!.message, /\("/);
    } finally {
      await waf.close();
    }
  });

  test('expect.status [404] makes a 404 ok and a 200 not ok', async () => {
    const ok = await run({ url: main.url('/status/404'), expect: { status: [404] } });
    assert.equal(ok.ok, true, JSON.stringify(ok.reasons));
    assert.equal(first(ok).statusCode, 404);
    const bad = await run({ url: main.url('/ok'), expect: { status: [404] } });
    assert.deepEqual(codes(bad), ['HTTP_STATUS']);
    assert.match(bad.reasons[0]!.message, /answered 200 .*expected 404/);
  });

  test('"2xx" class and "200-299" range', async () => {
    assert.equal((await run({ url: main.url('/status/204'), expect: { status: '2xx' } })).ok, true);
    const r3 = await run({ url: main.url('/status/302'), followRedirects: false, expect: { status: '2xx' } });
    assert.deepEqual(codes(r3), ['HTTP_STATUS']);
    assert.match(r3.reasons[0]!.message, /expected 200-299/);

    assert.equal((await run({ url: main.url('/status/250'), expect: { status: '200-299' } })).ok, true);
    const r5 = await run({ url: main.url('/status/503'), expect: { status: '200-299' } });
    assert.deepEqual(codes(r5), ['HTTP_STATUS']);
    assert.match(r5.reasons[0]!.message, /503/);
  });

  test('a list mixing a code and a class', async () => {
    const m = { expect: { status: [200, '5xx'] } };
    assert.equal((await run({ ...m, url: main.url('/status/502') })).ok, true);
    assert.equal((await run({ ...m, url: main.url('/ok') })).ok, true);
    const r = await run({ ...m, url: main.url('/status/404') });
    assert.deepEqual(codes(r), ['HTTP_STATUS']);
    assert.match(r.reasons[0]!.message, /expected 200, 500-599/);
  });
});

describe('timeouts', () => {
  test('headers later than readTimeoutMs: READ_TIMEOUT', async () => {
    const r = await run({ url: main.url('/slow-headers'), readTimeoutMs: 300 });
    assert.equal(r.ok, false);
    assert.deepEqual(codes(r), ['READ_TIMEOUT']);
    const s = first(r);
    assert.equal(s.error?.code, 'READ_TIMEOUT');
    assert.equal(s.statusCode, undefined);
    assert.match(s.error!.message, new RegExp(`no response from ${loopback(main.port)} within 300 ms`));
    // A failed sample has no response time.
    assert.equal(r.stats.meanMs, undefined);
    assert.ok(s.timings.totalMs! >= 250, `gave up only after the read timeout (${s.timings.totalMs} ms)`);
  });

  test('a trickling body beyond readTimeoutMs: READ_TIMEOUT with the bytes received', async () => {
    const r = await run({ url: main.url('/trickle'), readTimeoutMs: 300 });
    assert.deepEqual(codes(r), ['READ_TIMEOUT']);
    const s = first(r);
    assert.equal(s.statusCode, 200);
    const msg = s.error!.message;
    assert.match(msg, new RegExp(`body from ${loopback(main.port)} not complete within 300 ms`));
    const m = /\((\d+) bytes received\)/.exec(msg);
    assert.ok(m, `message mentions the bytes received: ${msg}`);
    const received = Number(m[1]);
    assert.ok(received >= 5, `at least the first 5 bytes (${received})`);
    assert.ok(received < 10_000);
    assert.equal(s.bodyBytes, received);
  });

  test('a server that accepts but never answers: READ_TIMEOUT', async () => {
    const silent = await tcpServer(() => {});
    try {
      const r = await run({ url: `http://127.0.0.1:${silent.port}/`, readTimeoutMs: 300, attempts: 3 });
      assert.deepEqual(codes(r), ['READ_TIMEOUT']);
      const s = first(r);
      assert.equal(s.attempts, 1, 'an answer phase failure is never retried');
      assert.equal(s.remoteAddress, '127.0.0.1');
      assert.match(s.error!.message, new RegExp(`no response from ${loopback(silent.port)}`));
    } finally {
      await silent.close();
    }
  });

  test('phase timings: ttfb covers the header delay, download the body gap', async () => {
    const r = await run({ url: main.url('/phased'), readTimeoutMs: 3000 });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    const t = first(r).timings;
    assert.ok(t.ttfbMs! >= 90, `ttfbMs ${t.ttfbMs} >= 90`);
    assert.ok(t.downloadMs! >= 40, `downloadMs ${t.downloadMs} >= 40`);
    assert.ok(t.totalMs! >= t.ttfbMs! + t.downloadMs! - 1, 'total covers ttfb + download');
    assert.equal(first(r).bodyBytes, 2);
  });
});

describe('redirects', () => {
  test('a relative Location is followed to the final status', async () => {
    for (const path of ['/redirect-relative', '/redirect-absolute-path']) {
      const r = await run({ url: main.url(path), expect: { bodyContains: 'hello world' } });
      assert.equal(r.ok, true, `${path}: ${JSON.stringify(r.reasons)}`);
      const s = first(r);
      assert.equal(s.statusCode, 200);
      assert.equal(s.redirects, 1);
      assert.equal(s.bodyBytes, 'hello world'.length);
    }
  });

  test('a redirect loop ends in REDIRECT_LIMIT', async () => {
    const r = await run({ url: main.url('/loop') });
    assert.equal(r.ok, false);
    assert.deepEqual(codes(r), ['REDIRECT_LIMIT']);
    assert.match(r.reasons[0]!.message, /more than 5 redirects/);
    assert.match(r.reasons[0]!.message, new RegExp(`${loopback(main.port)}/loop`));
    assert.equal(first(r).statusCode, 302);
  });

  test('maxRedirects is honoured exactly', async () => {
    const three = main.url('/chain/3'); // 3 redirects, then 200
    const atLimit = await run({ url: three, maxRedirects: 3 });
    assert.equal(atLimit.ok, true, JSON.stringify(atLimit.reasons));
    assert.equal(first(atLimit).redirects, 3);
    assert.equal(first(atLimit).statusCode, 200);

    const below = await run({ url: three, maxRedirects: 2 });
    assert.deepEqual(codes(below), ['REDIRECT_LIMIT']);
    assert.match(below.reasons[0]!.message, /more than 2 redirects/);
    assert.equal(first(below).redirects, 2);

    const none = await run({ url: main.url('/found'), maxRedirects: 0 });
    assert.deepEqual(codes(none), ['REDIRECT_LIMIT']);
  });

  test('followRedirects: false keeps the 3xx as the final status', async () => {
    const r = await run({ url: main.url('/found'), followRedirects: false });
    assert.equal(r.ok, true, '302 is inside the default 200-399');
    assert.equal(first(r).statusCode, 302);
    assert.equal(first(r).redirects, undefined);

    const strict = await run({ url: main.url('/found'), followRedirects: false, expect: { status: 200 } });
    assert.deepEqual(codes(strict), ['HTTP_STATUS']);
    assert.match(strict.reasons[0]!.message, /answered 302/);
  });

  test('Authorization and Cookie are dropped on a redirect to another origin', async () => {
    seen.length = 0;
    const r = await run({
      url: main.url('/to-other'),
      headers: { Authorization: 'Bearer top-secret', Cookie: 'sid=abc' },
    });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(first(r).redirects, 1);
    assert.equal(seen.length, 1, 'the other origin got the request');
    assert.equal(seen[0]!.url, '/echo');
    assert.equal(seen[0]!.authorization, undefined);
    assert.equal(seen[0]!.cookie, undefined);
  });

  test('Authorization and Cookie are kept on a same-origin redirect', async () => {
    seen.length = 0;
    const r = await run({
      url: main.url('/to-same'),
      headers: { Authorization: 'Bearer top-secret', Cookie: 'sid=abc' },
    });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.authorization, 'Bearer top-secret');
    assert.equal(seen[0]!.cookie, 'sid=abc');
  });

  test('303 after POST becomes a GET without the body', async () => {
    seen.length = 0;
    const r = await run({
      url: main.url('/see-other'),
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(first(r).redirects, 1);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.method, 'GET');
    assert.equal(seen[0]!.body, '');
    assert.equal(seen[0]!.contentType, undefined);
  });

  test('an unparsable Location or a non-http scheme: PROTOCOL_ERROR', async () => {
    const bad = await run({ url: main.url('/bad-location') });
    assert.deepEqual(codes(bad), ['PROTOCOL_ERROR']);
    assert.match(bad.reasons[0]!.message, /answered 302 with an invalid Location: http:\/\/\[zz\//);
    const ftp = await run({ url: main.url('/to-ftp') });
    assert.deepEqual(codes(ftp), ['PROTOCOL_ERROR']);
    assert.match(ftp.reasons[0]!.message, /unsupported scheme ftp:/);
  });

  // Known deviation (see report): fetch/curl keep HEAD on a 303; the prober turns it into GET.
  test('303 after HEAD stays a HEAD', async () => {
    seen.length = 0;
    const r = await run({ url: main.url('/head-see-other'), method: 'HEAD' });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(seen[0]?.method, 'HEAD');
  });

  test('307 after POST repeats the POST with its body', async () => {
    seen.length = 0;
    const r = await run({
      url: main.url('/temporary'),
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.method, 'POST');
    assert.equal(seen[0]!.body, '{"a":1}');
    assert.equal(seen[0]!.contentType, 'application/json');
  });
});

describe('keyword checks', () => {
  test('bodyContains: a string and a list', async () => {
    assert.equal((await run({ url: main.url('/ok'), expect: { bodyContains: 'hello' } })).ok, true);
    assert.equal((await run({ url: main.url('/ok'), expect: { bodyContains: ['hello', 'world'] } })).ok, true);

    const r = await run({ url: main.url('/ok'), expect: { bodyContains: ['hello', 'missing-word'] } });
    assert.equal(r.ok, false);
    assert.deepEqual(codes(r), ['BODY_MISMATCH']);
    assert.match(r.reasons[0]!.message, /does not contain "missing-word"/);
    assert.match(r.reasons[0]!.message, /127\.0\.0\.1/);
    assert.equal(first(r).statusCode, 200);
  });

  test('bodyMatches: pass and fail', async () => {
    assert.equal((await run({ url: main.url('/ok'), expect: { bodyMatches: '^hello\\s+w.rld$' } })).ok, true);
    const r = await run({ url: main.url('/ok'), expect: { bodyMatches: 'goodbye\\d+' } });
    assert.deepEqual(codes(r), ['BODY_MISMATCH']);
    assert.match(r.reasons[0]!.message, /does not match \/goodbye\\d\+\//);
  });

  test('a GBK page (charset in Content-Type) matches Chinese text', async () => {
    const r = await run({ url: main.url('/gbk'), expect: { bodyContains: ['中文', '测试'] } });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(first(r).bodyBytes, GBK_PAGE.length);
    const miss = await run({ url: main.url('/gbk'), expect: { bodyContains: '英文' } });
    assert.deepEqual(codes(miss), ['BODY_MISMATCH']);
  });

  test('a GBK page declared only in <meta> matches Chinese text', async () => {
    const r = await run({ url: main.url('/gbk-meta'), expect: { bodyContains: '中文' } });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
  });

  test('a gzip body is decoded before the keyword check', async () => {
    const r = await run({ url: main.url('/gzip'), expect: { bodyContains: 'needle-in-gzip', bodyMatches: '</html>$' } });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(first(r).bodyBytes, Buffer.byteLength(GZIP_TEXT), 'bodyBytes counts decoded bytes');
    assert.ok(GZIP_BODY.length < Buffer.byteLength(GZIP_TEXT));
  });
});

describe('connection failures', () => {
  test('closed port: CONNECT_REFUSED after every attempt', async () => {
    const port = await closedPort();
    const r = await run({ url: `http://127.0.0.1:${port}/`, attempts: 3 });
    assert.equal(r.ok, false);
    assert.deepEqual(codes(r), ['CONNECT_REFUSED']);
    const s = first(r);
    assert.equal(s.attempts, 3);
    assert.equal(s.statusCode, undefined);
    assert.equal(s.remoteAddress, undefined);
    assert.match(s.error!.message, new RegExp(`${loopback(port)}\\b`));
    assert.match(s.error!.message, /\(3 attempts\)/);
    assert.match(r.reasons[0]!.message, new RegExp(loopback(port)));
    assert.deepEqual(r.hostList, []);
    assert.equal(r.stats.meanMs, undefined);
  });

  test('closed port with attempts 1 tries once', async () => {
    const port = await closedPort();
    const r = await run({ url: `http://127.0.0.1:${port}/`, attempts: 1 });
    assert.equal(first(r).attempts, 1);
    assert.equal(first(r).error?.code, 'CONNECT_REFUSED');
    assert.doesNotMatch(first(r).error!.message, /attempts/);
  });

  test('reset in the middle of a Content-Length body: CONNECTION_RESET', async () => {
    const r = await run({ url: main.url('/reset'), readTimeoutMs: 2000 });
    assert.deepEqual(codes(r), ['CONNECTION_RESET']);
    const s = first(r);
    assert.equal(s.statusCode, 200);
    assert.match(s.error!.message, new RegExp(`${loopback(main.port)} closed the connection mid-body after 100 bytes of 1000`));
    assert.equal(s.bodyBytes, 100);
    assert.equal(s.attempts, 1);
  });

  test('a connection closed before the Content-Length is reached: CONNECTION_RESET', async () => {
    const srv = await tcpServer((sock: Socket) => {
      sock.once('data', () => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nshort'));
    });
    try {
      const r = await run({ url: `http://127.0.0.1:${srv.port}/`, readTimeoutMs: 2000 });
      assert.deepEqual(codes(r), ['CONNECTION_RESET']);
      assert.match(first(r).error!.message, new RegExp(`${loopback(srv.port)} closed the connection mid-body after 5 bytes of 1000`));
    } finally {
      await srv.close();
    }
  });

  test('a connection closed before any answer: CONNECTION_RESET, not retried', async () => {
    const srv = await tcpServer((sock: Socket) => {
      sock.once('data', () => sock.destroy());
    });
    try {
      const r = await run({ url: `http://127.0.0.1:${srv.port}/`, attempts: 3, readTimeoutMs: 2000 });
      assert.deepEqual(codes(r), ['CONNECTION_RESET']);
      assert.equal(first(r).attempts, 1);
      assert.match(first(r).error!.message, new RegExp(`${loopback(srv.port)} closed the connection before answering`));
    } finally {
      await srv.close();
    }
  });

  test('an invalid chunked body: PROTOCOL_ERROR', async () => {
    const srv = await tcpServer((sock: Socket) => {
      sock.once('data', () => sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n'));
    });
    try {
      const r = await run({ url: `http://127.0.0.1:${srv.port}/`, readTimeoutMs: 2000 });
      assert.deepEqual(codes(r), ['PROTOCOL_ERROR']);
      assert.match(first(r).error!.message, new RegExp(loopback(srv.port)));
    } finally {
      await srv.close();
    }
  });

  test('a body that does not decode as its Content-Encoding: PROTOCOL_ERROR', async () => {
    const r = await run({ url: main.url('/not-gzip') });
    assert.deepEqual(codes(r), ['PROTOCOL_ERROR']);
    assert.match(first(r).error!.message, /does not decode as gzip/);
    assert.equal(first(r).statusCode, 200);
  });

  // Known bug (see report): an empty body with Content-Encoding: gzip is fed to an empty
  // gunzip stream, which fails with "unexpected end of file".
  for (const path of ['/gzip-empty-204', '/gzip-empty-200']) {
    test(`an empty body labelled gzip is fine (${path})`, async () => {
      const r = await run({ url: main.url(path) });
      assert.equal(r.ok, true, JSON.stringify(r.reasons));
      assert.equal(first(r).bodyBytes, 0);
    });
  }

  for (const garbage of ['HTTP/1.1 abc\r\n\r\n', 'garbage\r\n\r\n']) {
    test(`garbage status line ${JSON.stringify(garbage)}: PROTOCOL_ERROR`, async () => {
      const srv = await tcpServer((sock: Socket) => {
        sock.once('data', () => sock.end(garbage));
      });
      try {
        const r = await run({ url: `http://127.0.0.1:${srv.port}/`, readTimeoutMs: 2000 });
        assert.deepEqual(codes(r), ['PROTOCOL_ERROR']);
        assert.match(first(r).error!.message, new RegExp(loopback(srv.port)));
      } finally {
        await srv.close();
      }
    });
  }
});

describe('body limit', () => {
  test('a longer body is cut at maxBodyBytes, which is not a failure', async () => {
    const r = await run({ url: main.url('/big'), maxBodyBytes: 1000, expect: { bodyContains: 'aaa' } });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    const s = first(r);
    assert.equal(s.bodyTruncated, true);
    assert.equal(s.bodyBytes, 1000);
    assert.equal(s.statusCode, 200);
  });

  test('a body exactly at the limit is not truncated', async () => {
    const r = await run({ url: main.url('/big'), maxBodyBytes: 10_000 });
    assert.equal(first(r).bodyTruncated, undefined);
    assert.equal(first(r).bodyBytes, 10_000);
  });

  test('a keyword past the limit is reported as not found in the first N bytes', async () => {
    const r = await run({ url: main.url('/gzip'), maxBodyBytes: 100, expect: { bodyContains: 'needle-in-gzip' } });
    assert.deepEqual(codes(r), ['BODY_MISMATCH']);
    assert.match(r.reasons[0]!.message, /in the first 100 bytes/);
    assert.equal(first(r).bodyTruncated, true);
  });

  test('an endless body stops at the limit and the run finishes', async () => {
    const limit = 200_000;
    const r = await run({ url: main.url('/endless'), maxBodyBytes: limit, readTimeoutMs: 5000 });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(first(r).bodyTruncated, true);
    assert.equal(first(r).bodyBytes, limit);
  });

  test('a gzip bomb stops at the decoded limit', async () => {
    const limit = 1024 * 1024;
    assert.ok(bomb.length < limit, 'the compressed bomb itself is under the limit');
    const r = await run({ url: main.url('/bomb'), maxBodyBytes: limit, readTimeoutMs: 5000, expect: { bodyContains: 'never there' } });
    const s = first(r);
    assert.equal(s.bodyTruncated, true);
    assert.ok(s.bodyBytes! <= limit, `bodyBytes ${s.bodyBytes} <= ${limit}`);
    assert.ok(s.bodyBytes! > 0);
    assert.deepEqual(codes(r), ['BODY_MISMATCH']);
    assert.match(r.reasons[0]!.message, /in the first \d+ bytes/);
  });

  // Known bug (see report): the raw (compressed) byte count is also held against maxBodyBytes and
  // the decoder is destroyed before it flushes, so an incompressible gzip body that fits the
  // limit once decoded comes back as 0 bytes, "truncated".
  test('a gzip body that fits the limit once decoded is read whole', async () => {
    assert.ok(INCOMPRESSIBLE_GZ.length > INCOMPRESSIBLE.length, 'gzip made it larger');
    const r = await run({ url: main.url('/incompressible'), maxBodyBytes: INCOMPRESSIBLE.length, expect: { bodyContains: 'MARKER' } });
    const s = first(r);
    assert.equal(s.bodyBytes, INCOMPRESSIBLE.length);
    assert.equal(s.bodyTruncated, undefined);
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
  });
});

describe('judging over samples', () => {
  test('alternating 200/503: success rate against minSuccessRate', async () => {
    let n = 0;
    const flaky = await httpServer((_req, res) => {
      res.writeHead(n++ % 2 === 0 ? 200 : 503).end();
    });
    try {
      const url = flaky.url('/');
      const bad = await run({ url, samples: 4, intervalMs: 5, expect: { minSuccessRate: 0.7 } });
      assert.equal(bad.ok, false);
      assert.deepEqual(codes(bad), ['LOW_SUCCESS_RATE', 'HTTP_STATUS']);
      assert.equal(bad.stats.samples, 4);
      assert.equal(bad.stats.successes, 2);
      assert.equal(bad.stats.successRate, 0.5);
      assert.match(bad.reasons[0]!.message, /success rate 0\.5 \(2 of 4 samples\) is below 0\.7/);
      assert.match(bad.reasons[1]!.message, /^2 of 4 samples: answered 503 from 127\.0\.0\.1/);
      assert.deepEqual(bad.samples.map((s) => s.statusCode), [200, 503, 200, 503]);

      n = 0;
      const fine = await run({ url, samples: 4, intervalMs: 5, expect: { minSuccessRate: 0.5 } });
      assert.equal(fine.ok, true, JSON.stringify(fine.reasons));
      assert.equal(fine.stats.successRate, 0.5);
      assert.deepEqual(fine.samples.map((s) => s.ok), [true, false, true, false]);
    } finally {
      await flaky.close();
    }
  });

  test('maxMeanMs: a 150 ms server against 50 ms is SLOW_RESPONSE', async () => {
    const r = await run({ url: main.url('/slow150'), samples: 2, readTimeoutMs: 3000, expect: { maxMeanMs: 50 } });
    assert.equal(r.ok, false);
    assert.deepEqual(codes(r), ['SLOW_RESPONSE']);
    assert.ok(r.stats.meanMs! >= 140, `meanMs ${r.stats.meanMs}`);
    assert.equal(r.stats.successRate, 1, 'each sample succeeded; only the mean is too slow');
    assert.match(r.reasons[0]!.message, /above 50 ms/);

    const relaxed = await run({ url: main.url('/slow150'), readTimeoutMs: 3000, expect: { maxMeanMs: 5000 } });
    assert.equal(relaxed.ok, true, JSON.stringify(relaxed.reasons));
  });

  test('deadline: the run stops at the signal and keeps the samples already taken', async () => {
    let n = 0;
    const pending = new Set<NodeJS.Timeout>();
    const srv = await httpServer((_req, res) => {
      if (n++ === 0) return void res.writeHead(200).end('fast');
      const t = setTimeout(() => res.writeHead(200).end('slow'), 10_000);
      pending.add(t);
      res.on('close', () => clearTimeout(t));
    });
    try {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 100);
      const started = performance.now();
      const r = await run({ url: srv.url('/'), samples: 3, intervalMs: 0, readTimeoutMs: 20_000 }, ac.signal);
      clearTimeout(timer);
      const took = performance.now() - started;
      assert.ok(took < 5000, `stopped at the signal, not at the server (${took} ms)`);
      // Judged on the sample it took, which was fine: the deadline alone is no failure.
      assert.equal(r.ok, true, JSON.stringify(r.reasons));
      assert.deepEqual(codes(r), []);
      assert.equal(r.cut?.code, 'DEADLINE');
      assert.match(r.cut!.message, /while sample 2 of 3 was still waiting on the target \(1 sample kept\)/);
      assert.equal(r.samples.length, 1, 'the finished sample is kept, the cut one dropped');
      assert.equal(r.samples[0]!.ok, true);
      assert.equal(r.samples[0]!.statusCode, 200);
      assert.equal(r.stats.samples, 1);
      assert.equal(r.stats.successes, 1);
      assert.equal(n, 2, 'the second sample was in flight, the third never started');
    } finally {
      for (const t of pending) clearTimeout(t);
      await srv.close();
    }
  });

  test('an already aborted signal runs nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    seen.length = 0;
    const r = await run({ url: main.url('/echo'), samples: 3 }, ac.signal);
    assert.deepEqual(codes(r), ['DEADLINE']);
    assert.match(r.reasons[0]!.message, /not run/);
    assert.equal(r.samples.length, 0);
    assert.equal(seen.length, 0);
  });
});

describe('secrets', () => {
  test('a URL password never reaches record.target', async () => {
    const url = `http://user:secret@127.0.0.1:${main.port}/ok`;
    const r = await run({ url });
    assert.ok(!r.target.includes('secret'), r.target);
    assert.match(r.target, /user:\*\*\*@127\.0\.0\.1/);
    assert.ok(!JSON.stringify(r).includes('secret'));
  });

  // Known bug (see report): the REDIRECT_LIMIT message prints req.url.href, password included.
  test('a URL password never reaches a reason message (redirect loop)', async () => {
    const r = await run({ url: `http://user:secret@127.0.0.1:${main.port}/loop` });
    assert.deepEqual(codes(r), ['REDIRECT_LIMIT']);
    assert.ok(!JSON.stringify(r).includes('secret'), r.reasons[0]!.message);
  });

  // Known gap (see report): user:password in the URL is not sent as basic auth.
  test('user:password in the URL is sent as HTTP basic auth', async () => {
    const r = await run({ url: `http://user:secret@127.0.0.1:${main.port}/basic`, expect: { status: 200 } });
    assert.equal(first(r).statusCode, 200, JSON.stringify(r.reasons));
  });
});
