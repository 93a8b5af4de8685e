/**
 * The page monitor against loopback pages whose delays the server injects: every timing is
 * checked against those delays with a lower bound (the browser cannot see an answer before it
 * is sent) and a generous upper bound (a loaded shared machine). Needs Chromium
 * (`apt-get install chromium`, which .ci/run does); only 127.0.0.1 is ever contacted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { runFunction } from '../lib/functions';
import { chromiumArgs, chromiumPath, launchChromium, profileProcesses, SYSTEM_CHROMIUM } from '../lib/monitors/page/browser';
import { MAX_BROWSERS, runPage } from '../lib/monitors/page/run';
import { netErrorReason } from '../lib/monitors/page/sample';
import { pageMonitor, type PageMonitor } from '../lib/monitors/page/schema';
import '../lib/monitors/page/types';
import type { ResultRecord } from '../lib/report/record';
import { httpServer, type Running } from '../dev/standins/servers';
import { decodePng, distinctColours, shareOf } from './support/png';
import { wecomStandIn, WECOM_PATH } from './support/wecom';

// Every Chromium profile of this file lives here, so a leftover browser is found by its flag.
const BASE_TMP = tmpdir();
const PROFILES = mkdtempSync(join(BASE_TMP, 'scf-monitor-page-test-'));
process.env.TMPDIR = PROFILES;

const HEADERS_HELD_MS = 100;
const LOAD_HELD_MS = 200;
const IMAGE_LATE_MS = 400;
/** What a loaded 2-core machine may add to a loopback page's timings. */
const SLACK_MS = 3000;

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#0a0"/></svg>';
const html = (body: string) => `<!doctype html><html><head><title>t</title></head><body>${body}</body></html>`;

function leftoverBrowsers(): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(`--user-data-dir=${PROFILES}`)) pids.push(Number(e));
    } catch {
      // exited
    }
  }
  return pids;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('page monitor (Chromium)', () => {
  let server: Running;
  let deadPort: number;
  let files: string;
  const hits: string[] = [];

  before(async () => {
    assert.ok(chromiumPath(undefined), `no Chromium at ${SYSTEM_CHROMIUM.join(', ')}: apt-get install chromium`);
    deadPort = await closedPort();
    files = mkdtempSync(join(BASE_TMP, 'scf-monitor-page-files-'));
    server = await httpServer((req, res) => {
      const path = req.url ?? '/';
      hits.push(path);
      const send = (status: number, type: string, body: string) => res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
      const later = (ms: number, f: () => void) => setTimeout(f, ms);
      switch (path) {
        case '/headers-held':
          return later(HEADERS_HELD_MS, () => send(200, 'text/html', html('<h1 id="title">Headers held</h1><p>welcome</p>')));
        case '/load-held':
          return send(200, 'text/html', html('<h1>Load held</h1><script async src="/hold.js"></script>'));
        case '/hold.js':
          return later(LOAD_HELD_MS, () => send(200, 'text/javascript', 'window.held = true;'));
        case '/late-image':
          return send(200, 'text/html', html('<h1>Text first</h1><img src="/late.svg" width="40" height="40">'));
        case '/late.svg':
          return later(IMAGE_LATE_MS, () => send(200, 'image/svg+xml', SVG));
        case '/never':
          return; // headers never come
        case '/never-image':
          return send(200, 'text/html', html('<h1>Waiting</h1><img src="/never">'));
        case '/errors':
          return send(
            200,
            'text/html',
            html(
              `<h1>Errors</h1><img src="/missing.png"><script>console.error('boom from the page');` +
                `fetch('http://127.0.0.1:${deadPort}/elsewhere').catch(() => {});</script>`,
            ),
          );
        case '/cross-only':
          return send(200, 'text/html', html(`<h1>Cross</h1><script>fetch('http://127.0.0.1:${deadPort}/x').catch(() => {});</script>`));
        case '/colourful':
          return send(
            200,
            'text/html',
            html(
              '<div style="display:flex;height:100vh"><div style="flex:1;background:#d22"></div><div style="flex:1;background:#22d"></div>' +
                '<div style="flex:1;background:#fff;font:40px sans-serif">Sold out</div></div>',
            ),
          );
        case '/noise':
          return send(
            200,
            'text/html',
            html(
              '<canvas id="c" width="1280" height="800" style="position:fixed;left:0;top:0"></canvas><script>' +
                "const c=document.getElementById('c').getContext('2d');const d=c.createImageData(1280,800);" +
                'for(let i=0;i<d.data.length;i++)d.data[i]=(Math.random()*256)|0;c.putImageData(d,0,0);</script>',
            ),
          );
        case '/private':
          if (req.headers.authorization === `Basic ${Buffer.from('ops:s3cret-pw').toString('base64')}`) return send(200, 'text/html', html('<h1>Inside</h1>'));
          return res.writeHead(401, { 'www-authenticate': 'Basic realm="x"', 'content-type': 'text/html' }).end(html('<h1>Who?</h1>'));
        case '/down':
          return send(500, 'text/html', html('<h1>Maintenance</h1>'));
        default:
          return send(404, 'text/plain', 'not found');
      }
    });
  });

  after(async () => {
    await server.close();
    rmSync(files, { recursive: true, force: true });
    rmSync(PROFILES, { recursive: true, force: true });
  });

  const monitor = (path: string, extra: Record<string, unknown> = {}): PageMonitor =>
    v.parse(pageMonitor, { name: `page${path.replace(/\//g, '-')}`, type: 'page', url: server.url(path), samples: 2, intervalMs: 0, loadTimeoutMs: 10_000, ...extra });

  async function run(m: PageMonitor, signal = new AbortController().signal): Promise<ResultRecord> {
    const r = await runPage(m, { functionName: 'pagePerf', signal, filesDir: files });
    assert.deepEqual(leftoverBrowsers(), [], 'a Chromium process outlived the run');
    assert.deepEqual(readdirSync(PROFILES), [], 'a Chromium profile was left behind');
    return r;
  }

  const timingsOf = (r: ResultRecord) => r.samples.map((s) => s.timings);

  test('launches with the isolating flags and a fresh profile, and leaves nothing behind', async () => {
    const l = await launchChromium(chromiumPath(undefined), 20_000);
    try {
      assert.ok(l.userDataDir.startsWith(PROFILES), l.userDataDir);
      const pids = profileProcesses(l.userDataDir);
      assert.ok(pids.length >= 1, 'no process runs with the profile');
      const args = readFileSync(`/proc/${pids[0]}/cmdline`, 'utf8').split('\0');
      for (const flag of ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']) {
        assert.ok(args.includes(flag), `Chromium runs without ${flag}: ${args.join(' ')}`);
      }
      assert.ok(args.includes(`--user-data-dir=${l.userDataDir}`));
      assert.ok(!args.some((a) => a.startsWith('--load-extension') || a === '--enable-remote-extensions'), 'Debian wrapper flags reached Chromium');
    } finally {
      await l.close();
    }
    assert.deepEqual(profileProcesses(l.userDataDir), []);
    assert.equal(existsSync(l.userDataDir), false);
    assert.deepEqual(chromiumArgs('/x').filter((a) => a.startsWith('--user-data-dir')), ['--user-data-dir=/x']);
  });

  test('headers held 100 ms: request (to first byte) at least that, and nothing painted or ready before it', async () => {
    const r = await run(monitor('/headers-held', { expect: { selector: '#title', text: 'welcome' } }));
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(r.samples.length, 2);
    for (const t of timingsOf(r)) {
      assert.ok(t.requestMs! >= HEADERS_HELD_MS - 5 && t.requestMs! < HEADERS_HELD_MS + SLACK_MS, `requestMs ${t.requestMs}`);
      assert.ok(t.blankScreenMs! >= t.requestMs!, `blank screen ${t.blankScreenMs} before the first byte ${t.requestMs}`);
      assert.ok(t.domReadyMs! >= HEADERS_HELD_MS - 5 && t.domReadyMs! < HEADERS_HELD_MS + SLACK_MS, `domReadyMs ${t.domReadyMs}`);
      assert.ok(t.onloadMs! >= t.domReadyMs!, `onload ${t.onloadMs} before dom ready ${t.domReadyMs}`);
      assert.ok(t.onloadMs! < HEADERS_HELD_MS + SLACK_MS, `onloadMs ${t.onloadMs}`);
      for (const k of ['dnsMs', 'tcpMs', 'domParseMs'] as const) assert.ok(t[k]! >= 0 && t[k]! < SLACK_MS, `${k} ${t[k]}`);
      assert.equal(t.tlsMs, undefined, 'plain http has no TLS time');
    }
    const s = r.samples[0]!;
    assert.equal(s.statusCode, 200);
    assert.equal(s.remoteAddress, '127.0.0.1');
    assert.equal(s.page!.requests, 1);
    assert.ok(s.page!.transferBytes > 100, `transferBytes ${s.page!.transferBytes}`);
    assert.deepEqual(s.page!.failedRequests, []);
    assert.equal(s.page!.consoleErrors, 0);
    // The record's statistics are statusCheck's, on the onload time.
    assert.deepEqual([r.stats.samples, r.stats.successes, r.stats.successRate], [2, 2, 1]);
    assert.equal(r.stats.meanMs, r.page!.timings.onloadMs!.meanMs);
    assert.equal(r.page!.screenshot, undefined, 'a healthy run keeps no screenshot');
  });

  test('an async script held 200 ms holds onload, not dom ready', async () => {
    const r = await run(monitor('/load-held'));
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    for (const t of timingsOf(r)) {
      assert.ok(t.onloadMs! >= LOAD_HELD_MS && t.onloadMs! < LOAD_HELD_MS + SLACK_MS, `onloadMs ${t.onloadMs}`);
      assert.ok(t.onloadMs! - t.domReadyMs! >= LOAD_HELD_MS / 2, `dom ready ${t.domReadyMs} waited for the async script (onload ${t.onloadMs})`);
    }
    assert.equal(r.samples[0]!.page!.requests, 2);
  });

  test('a late image holds onload; the text paints before it (blank screen)', async () => {
    const r = await run(monitor('/late-image', { expect: { maxOnloadMs: IMAGE_LATE_MS / 2 } }));
    for (const t of timingsOf(r)) {
      assert.ok(t.onloadMs! >= IMAGE_LATE_MS && t.onloadMs! < IMAGE_LATE_MS + SLACK_MS, `onloadMs ${t.onloadMs}`);
      assert.ok(t.blankScreenMs! <= t.onloadMs! - IMAGE_LATE_MS / 2, `first paint ${t.blankScreenMs} waited for the image (onload ${t.onloadMs})`);
    }
    // Each sample loaded fine; the mean onload is over its limit.
    assert.equal(r.ok, false);
    assert.deepEqual(r.reasons.map((x) => x.code), ['SLOW_PAGE']);
    assert.match(r.reasons[0]!.message, /^mean onload \d+(\.\d)? ms over 2 samples is above maxOnloadMs 200 ms/);
    assert.equal(r.stats.successes, 2);
    // Slow, so a screenshot, named in the alert's table.
    assert.ok(r.page!.screenshot && existsSync(r.page!.screenshot), JSON.stringify(r.page));
    assert.ok(r.page!.screenshot.startsWith(join(files, 'screenshots')), r.page!.screenshot);
    assert.deepEqual(r.table!.rows.at(-1), ['screenshot', r.page!.screenshot, '', '']);
    assert.deepEqual(r.table!.rows.find((row) => row[0] === 'onload')?.[3], '200');
  });

  test('a page whose headers never come: PAGE_TIMEOUT in every sample, the browser closed', async () => {
    const started = performance.now();
    const r = await run(monitor('/never', { loadTimeoutMs: 1500 }));
    assert.equal(r.ok, false);
    assert.deepEqual(r.reasons.map((x) => x.code), ['PAGE_TIMEOUT']);
    assert.match(r.reasons[0]!.message, /^2 of 2 samples: .*\/never: the load event did not fire within loadTimeoutMs 1500 ms/);
    assert.ok(performance.now() - started >= 2 * 1500);
    assert.equal(r.stats.meanMs, undefined);
    assert.equal(r.samples[0]!.timings.onloadMs, undefined);
  });

  test('a page whose image never comes: timed out, with the timings it did reach', async () => {
    const r = await run(monitor('/never-image', { samples: 1, loadTimeoutMs: 1500 }));
    assert.deepEqual(r.reasons.map((x) => x.code), ['PAGE_TIMEOUT']);
    const t = r.samples[0]!.timings;
    assert.ok(t.requestMs! >= 0 && t.domReadyMs! >= 0, JSON.stringify(t));
    assert.equal(t.onloadMs, undefined);
    assert.equal(r.samples[0]!.statusCode, undefined, 'no status is claimed for a navigation that did not finish');
  });

  test('the deadline cuts a hanging page: DEADLINE, returned at once, the browser closed', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 1500);
    const started = performance.now();
    const r = await run(monitor('/never', { samples: 3, loadTimeoutMs: 60_000 }), ac.signal);
    const took = performance.now() - started;
    assert.ok(took < 1500 + SLACK_MS + 2000, `took ${took} ms after a 1.5 s deadline`);
    assert.deepEqual(r.reasons.map((x) => x.code), ['DEADLINE']);
    assert.match(r.reasons[0]!.message, /while sample 1 of 3 was still waiting/);
    assert.equal(r.samples.length, 0);
  });

  test('a console error, a failing same-origin image and a failing cross-origin fetch', async () => {
    const r = await run(monitor('/errors', { samples: 1 }));
    assert.equal(r.ok, false);
    assert.deepEqual(r.reasons.map((x) => x.code), ['PAGE_REQUEST_FAILED']);
    assert.match(r.reasons[0]!.message, /1 same-origin request failed, first http:\/\/127\.0\.0\.1:\d+\/missing\.png \(404\)/);
    const p = r.samples[0]!.page!;
    assert.ok(p.consoleMessages.includes('boom from the page'), JSON.stringify(p.consoleMessages));
    assert.ok(p.consoleErrors >= 1);
    const byUrl = Object.fromEntries(p.failedRequests.map((f) => [new URL(f.url).pathname, f]));
    assert.deepEqual(byUrl['/missing.png'], { url: server.url('/missing.png'), status: 404, sameOrigin: true });
    assert.equal(byUrl['/elsewhere']?.sameOrigin, false);
    assert.match(byUrl['/elsewhere']!.error!, /ERR_CONNECTION_REFUSED/);
    assert.equal(p.requests, 3);

    // Counted against maxConsoleErrors when the sub-requests are let go.
    const lenient = await run(monitor('/errors', { samples: 1, expect: { noFailedRequests: false, maxConsoleErrors: 0 } }));
    assert.deepEqual(lenient.reasons.map((x) => x.code), ['CONSOLE_ERROR']);
  });

  test('only a cross-origin request failing does not fail the page', async () => {
    const r = await run(monitor('/cross-only', { samples: 1 }));
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(r.samples[0]!.page!.failedRequests[0]?.sameOrigin, false);
  });

  test('missing text or selector, a 500, and a refused connection', async () => {
    const text = await run(monitor('/headers-held', { samples: 1, screenshot: { onFailure: false }, expect: { text: 'goodbye' } }));
    assert.deepEqual(text.reasons.map((x) => x.code), ['PAGE_CONTENT']);
    assert.match(text.reasons[0]!.message, /does not show "goodbye"/);
    assert.equal(text.page!.screenshot, undefined, 'screenshot.onFailure: false keeps none');
    const sel = await run(monitor('/headers-held', { samples: 1, screenshot: { onFailure: false }, expect: { selector: '#ready' } }));
    assert.match(sel.reasons[0]!.message, /no element matches "#ready"/);
    const down = await run(monitor('/down', { samples: 1, screenshot: { onFailure: false } }));
    assert.deepEqual(down.reasons.map((x) => x.code), ['HTTP_STATUS']);
    assert.match(down.reasons[0]!.message, /answered 500 \("t"\) from 127\.0\.0\.1, expected 200-399/);
    const refused = await run(v.parse(pageMonitor, { name: 'r', type: 'page', url: `http://127.0.0.1:${deadPort}/`, samples: 1, screenshot: { onFailure: false } }));
    assert.deepEqual(refused.reasons.map((x) => x.code), ['CONNECT_REFUSED']);
    assert.deepEqual(netErrorReason('page.goto: net::ERR_NAME_NOT_RESOLVED at x', 'u')?.code, 'DNS_ERROR');
  });

  test('the failure screenshot is the page as drawn, not a blank image', async () => {
    const r = await run(monitor('/colourful', { samples: 1, expect: { text: 'In stock' } }));
    assert.equal(r.ok, false);
    const png = readFileSync(r.page!.screenshot!);
    assert.equal(r.page!.screenshotBytes, png.length);
    const d = decodePng(png);
    assert.deepEqual([d.width, d.height], [1280, 800]);
    assert.ok(distinctColours(d) >= 3, `only ${distinctColours(d)} colours`);
    assert.ok(shareOf(d, [0xdd, 0x22, 0x22]) > 0.25, 'the red third is missing');
    assert.ok(shareOf(d, [0x22, 0x22, 0xdd]) > 0.25, 'the blue third is missing');
  });

  test('a screenshot larger than maxBytes is retaken smaller or left out, never kept over the bound', async () => {
    const r = await run(monitor('/noise', { samples: 1, screenshot: { maxBytes: 200_000 }, expect: { text: 'absent' } }));
    assert.equal(r.ok, false);
    // Noise does not compress: the full viewport is about 4 MB, a quarter about 1 MB.
    assert.equal(r.page!.screenshot, undefined);
    assert.match(r.page!.screenshotError!, /above maxBytes 200000/);
    const roomy = await run(monitor('/noise', { samples: 1, screenshot: { maxBytes: 2_000_000 }, expect: { text: 'absent' } }));
    assert.ok(roomy.page!.screenshotBytes! <= 2_000_000, String(roomy.page!.screenshotBytes));
    const d = decodePng(readFileSync(roomy.page!.screenshot!));
    assert.ok(d.width * d.height < 1280 * 800, 'the full viewport cannot fit 2 MB of noise');
  });

  test(`at most ${MAX_BROWSERS} browsers at once, whatever the pool's concurrency`, async () => {
    let most = 0;
    const poll = setInterval(() => {
      most = Math.max(most, readdirSync(PROFILES).filter((f) => f.startsWith('scf-monitor-page-')).length);
    }, 20);
    try {
      const signal = new AbortController().signal;
      const count = MAX_BROWSERS + 2;
      const rs = await Promise.all(Array.from({ length: count }, (_, i) => runPage(monitor('/load-held', { name: `p${i}`, samples: 1 }), { functionName: 'pagePerf', signal, filesDir: files })));
      assert.deepEqual(rs.map((r) => r.ok), Array(count).fill(true));
    } finally {
      clearInterval(poll);
    }
    assert.ok(most >= 1 && most <= MAX_BROWSERS, `${most} profiles at once`);
    assert.deepEqual(leftoverBrowsers(), []);
  });

  test('user:password in the url is sent as HTTP credentials and never quoted', async () => {
    const at = (cred: string) => server.url('/private').replace('http://', `http://${cred}@`);
    const ok = await run(v.parse(pageMonitor, { name: 'private', type: 'page', url: at('ops:s3cret-pw'), samples: 1 }));
    assert.equal(ok.ok, true, JSON.stringify(ok.reasons));
    const bad = await run(v.parse(pageMonitor, { name: 'private', type: 'page', url: at('ops:wr0ng-pw'), samples: 1, screenshot: { onFailure: false } }));
    assert.deepEqual(bad.reasons.map((x) => x.code), ['HTTP_STATUS']);
    assert.match(bad.reasons[0]!.message, /answered 401/);
    assert.doesNotMatch(JSON.stringify([ok, bad]), /s3cret-pw|wr0ng-pw/);
  });

  test('a Chromium that is not there: BROWSER_ERROR, no samples', async () => {
    const r = await run(monitor('/headers-held', { executablePath: join(files, 'no-chromium') }));
    assert.deepEqual(r.reasons.map((x) => x.code), ['BROWSER_ERROR']);
    assert.match(r.reasons[0]!.message, /Chromium not found at .*no-chromium/);
    assert.equal(r.stats.samples, 0);
  });

  test('pagePerf end to end: the config, the handler, and an alert that names the screenshot', async () => {
    const wecom = await wecomStandIn('page-key-5d1e');
    const dir = mkdtempSync(join(BASE_TMP, 'scf-monitor-pageperf-'));
    try {
      const state = join(dir, 'state');
      mkdirSync(state);
      const configPath = join(dir, 'monitors.json');
      writeFileSync(
        configPath,
        JSON.stringify({
          state: { type: 'file', path: state },
          channels: { ops: { type: 'wecom', webhook: wecom.url(`${WECOM_PATH}?key=page-key-5d1e`), timeoutMs: 3000 } },
          alerts: { channels: ['ops'] },
          monitors: [
            { name: 'home', type: 'page', url: server.url('/late-image'), samples: 1, expect: { maxOnloadMs: 50 } },
            { name: 'api', type: 'http', url: server.url('/headers-held') },
          ],
        }),
      );
      const s = await runFunction('pagePerf', undefined, { time_limit_in_ms: 60_000 }, { configPath });
      assert.deepEqual(s.results.map((x) => [x.monitor, x.ok]), [['home', false]], 'pagePerf runs only the page monitors');
      const shot = s.results[0]!.page!.screenshot!;
      assert.ok(shot.startsWith(join(state, 'screenshots')), shot);
      assert.equal(wecom.received.length, 1);
      const content = String(((wecom.received[0] as { json?: unknown }).json as { markdown: { content: string } }).markdown.content);
      assert.ok(content.includes(shot), content);
      assert.match(content, /SLOW_PAGE/);
    } finally {
      await wecom.close();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(leftoverBrowsers(), []);
  });
});
