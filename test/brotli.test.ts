/**
 * Brotli's memory (issue 13.7): each decoder takes the window its stream declares (16 MiB
 * here), so the prober no longer asks for br, and br sent anyway is decoded at most
 * MAX_BROTLI_DECODERS at a time. Counted, not timed: the server holds every answer
 * half-sent until all requests are in, so without the bound every decoder would be alive at once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import type { ServerResponse } from 'node:http';
import { probeHttp, type HttpTarget } from '../lib/probes/http';
import { brotliDecoders, MAX_BROTLI_DECODERS, resetBrotliPeak } from '../lib/probes/brotli-slots';
import { httpServer, type Running } from '../dev/standins/servers';

const TEXT = `<html>${'brotli body '.repeat(4000)}<p>needle-in-br</p></html>`;
// The largest window brotli allows without the large-window extension: what a hostile or
// merely default-configured server declares.
const BODY = zlib.brotliCompressSync(Buffer.from(TEXT), { params: { [zlib.constants.BROTLI_PARAM_LGWIN]: 24 } });
const PARALLEL = 6;

const target = (url: string): HttpTarget => ({
  url,
  method: 'GET',
  headers: {},
  connectTimeoutMs: 5000,
  readTimeoutMs: 20_000,
  attempts: 1,
  followRedirects: false,
  maxRedirects: 0,
  maxBodyBytes: 1024 * 1024,
  insecure: false,
  keepBody: true,
});

describe('brotli', () => {
  let server: Running;
  let held: { res: ServerResponse; path: string }[] = [];
  const acceptEncodings: string[] = [];
  before(async () => {
    server = await httpServer((req, res) => {
      acceptEncodings.push(String(req.headers['accept-encoding']));
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'br' });
      res.write(BODY.subarray(0, BODY.length >> 1));
      held.push({ res, path: req.url ?? '/' });
      if (held.length < PARALLEL) return;
      for (const h of held) {
        // /cut answers are dropped half-sent: their probes must give the slot back.
        if (h.path === '/cut') h.res.destroy();
        else h.res.end(BODY.subarray(BODY.length >> 1));
      }
      held = [];
    });
  });
  after(() => server.close());

  test('br is not asked for', async () => {
    acceptEncodings.length = 0;
    const probes = Array.from({ length: PARALLEL }, () => probeHttp(target(server.url('/')), new AbortController().signal));
    await Promise.all(probes);
    assert.equal(acceptEncodings.length, PARALLEL);
    for (const a of acceptEncodings) assert.doesNotMatch(a, /\bbr\b/);
    assert.match(acceptEncodings[0]!, /gzip/);
  });

  test(`br sent anyway: every body decodes, never more than ${MAX_BROTLI_DECODERS} decoders at once`, async () => {
    resetBrotliPeak();
    const probes = Array.from({ length: PARALLEL }, () => probeHttp(target(server.url('/')), new AbortController().signal));
    const results = await Promise.all(probes);
    for (const o of results) {
      assert.equal(o.error, undefined, JSON.stringify(o.error));
      assert.equal(o.bodyBytes, Buffer.byteLength(TEXT));
      assert.ok(o.body?.includes('needle-in-br'));
    }
    const { active, peak } = brotliDecoders();
    assert.equal(peak, MAX_BROTLI_DECODERS, `at most ${MAX_BROTLI_DECODERS} decoders, and the bound was reached (peak ${peak})`);
    assert.equal(active, 0, 'every decoder was given back');
  });

  test('answers cut while waiting for a decoder fail as resets and give their slots back', async () => {
    resetBrotliPeak();
    const paths = ['/', '/cut', '/', '/cut', '/cut', '/'];
    const results = await Promise.all(paths.map((p) => probeHttp(target(server.url(p)), new AbortController().signal)));
    results.forEach((o, i) => {
      if (paths[i] === '/cut') assert.equal(o.error?.code, 'CONNECTION_RESET', JSON.stringify(o.error));
      else assert.ok(o.body?.includes('needle-in-br'), JSON.stringify(o.error));
    });
    assert.ok(brotliDecoders().peak <= MAX_BROTLI_DECODERS);
    assert.equal(brotliDecoders().active, 0);
  });
});
