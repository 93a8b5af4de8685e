/**
 * The chinaz provider's HTTP client on node:http (it replaced axios): redirects on the node
 * page only, compressed answers decoded and capped after decoding, the total timeout, the
 * run's AbortSignal, socket errors by their code. Loopback servers only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { closedPort, httpServer, type Running } from '../dev/standins/servers';
import { textClient, TextRequestError } from '../lib/monitors/speedtest/text-client';

let s: Running;
const seen: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];

before(async () => {
  s = await httpServer((q, r) => {
    let body = '';
    q.on('data', (c: Buffer) => (body += c.toString()));
    q.on('end', () => {
      seen.push({ method: q.method!, url: q.url!, headers: q.headers, body });
      const path = q.url!;
      if (path.startsWith('/hop/')) {
        const n = Number(path.slice(5));
        return void (n > 0 ? r.writeHead(302, { location: `/hop/${n - 1}` }).end('moved') : r.writeHead(200).end('arrived'));
      }
      if (path === '/gzip') return void r.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('页面'.repeat(100)));
      if (path === '/br') return void r.writeHead(200, { 'content-encoding': 'br' }).end(brotliCompressSync('x'.repeat(5000)));
      if (path === '/slow') return void setTimeout(() => r.end('late'), 1500);
      r.writeHead(200, { 'set-cookie': ['a=1; Path=/', 'b=2'] }).end(`echo ${body}`);
    });
  });
});
after(() => s.close());

const client = (timeoutMs = 2000) => textClient({ timeoutMs, concurrency: 4, headers: { 'User-Agent': 'ua-test' } });
const never = new AbortController().signal;

test('GET follows at most maxRedirects; past that the redirect itself is the answer; POST never follows', async () => {
  const c = client();
  try {
    const ok = await c.request(s.url('/hop/3'), { method: 'GET', signal: never, maxBytes: 1000, maxRedirects: 3 });
    assert.deepEqual([ok.status, ok.text], [200, 'arrived']);
    const stop = await c.request(s.url('/hop/4'), { method: 'GET', signal: never, maxBytes: 1000, maxRedirects: 3 });
    assert.equal(stop.status, 302);
    const post = await c.request(s.url('/hop/1'), { method: 'POST', body: 'k=v', signal: never, maxBytes: 1000, maxRedirects: 0 });
    assert.deepEqual([post.status, post.text], [302, 'moved']);
  } finally {
    c.close();
  }
});

test('a POST carries its body, length and headers; set-cookie comes back as a list', async () => {
  const c = client();
  try {
    seen.length = 0;
    const res = await c.request(new URL(s.url('/echo')), { method: 'POST', body: 'guid=1&host=例子', headers: { 'X-Requested-With': 'XMLHttpRequest' }, signal: never, maxBytes: 1000, maxRedirects: 0 });
    assert.equal(res.text, 'echo guid=1&host=例子');
    assert.deepEqual(res.headers['set-cookie'], ['a=1; Path=/', 'b=2']);
    const h = seen[0]!.headers;
    assert.equal(h['content-length'], String(Buffer.byteLength('guid=1&host=例子')));
    assert.equal(h['user-agent'], 'ua-test');
    assert.equal(h['x-requested-with'], 'XMLHttpRequest');
    assert.match(String(h['accept-encoding']), /gzip/);
  } finally {
    c.close();
  }
});

test('gzip and br are decoded; the cap counts decoded bytes', async () => {
  const c = client();
  try {
    const gz = await c.request(s.url('/gzip'), { method: 'GET', signal: never, maxBytes: 10_000, maxRedirects: 0 });
    assert.equal(gz.text, '页面'.repeat(100));
    await assert.rejects(c.request(s.url('/br'), { method: 'GET', signal: never, maxBytes: 4000, maxRedirects: 0 }), (e: TextRequestError) => e.code === 'TOO_LARGE');
  } finally {
    c.close();
  }
});

test('the total timeout, the abort signal and a refused connection each fail with their own code', async () => {
  const c = client(200);
  try {
    await assert.rejects(c.request(s.url('/slow'), { method: 'GET', signal: never, maxBytes: 100, maxRedirects: 0 }), (e: TextRequestError) => e.code === 'ETIMEDOUT');
    const ac = new AbortController();
    const p = client(5000);
    const pending = p.request(s.url('/slow'), { method: 'GET', signal: ac.signal, maxBytes: 100, maxRedirects: 0 });
    ac.abort();
    await assert.rejects(pending, (e: TextRequestError) => e.code === 'ABORTED');
    p.close();
    const port = await closedPort();
    await assert.rejects(c.request(`http://127.0.0.1:${port}/`, { method: 'GET', signal: never, maxBytes: 100, maxRedirects: 0 }), (e: TextRequestError) => e.code === 'ECONNREFUSED');
  } finally {
    c.close();
  }
});
