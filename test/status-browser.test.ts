/**
 * The status page as a person sees it: served by the api function on 127.0.0.1 from history a
 * real run and 24 h of points wrote, rendered in headless Chromium (Debian's, driven by
 * playwright-core), on a desktop and a phone, in English and Chinese. The screenshot is
 * decoded and must not be blank.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { chromium, type BrowserContext } from 'playwright-core';
import { closeProcessStores } from '../lib/runtime/process-store';
import { HTTP_FUNCTIONS, runFunction } from '../lib/functions';
import { historyWrites } from '../lib/history/store';
import { setLogSink } from '../lib/report/log';
import type { ResultRecord } from '../lib/report/record';
import { serveHttp } from '../lib/runtime/serve';
import { FileStore } from '../lib/state/file';
import { closedPort, httpServer, type Running } from '../dev/standins/servers';
import { wecomStandIn, type WecomStandIn } from './support/wecom';
import { decodePng, inkOf } from './support/png';

const CHROMIUM = '/usr/bin/chromium';
const XSS = '<script>alert(1)</script>';
const READ = 'page-read-token-31c9';

let dir: string;
let server: Server;
let base: string;
let target: Running;
let wecom: WecomStandIn;
let browser: BrowserContext;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-page-'));
  target = await httpServer((_req, res) => res.end('ok'));
  wecom = await wecomStandIn('page-key-1');
  const configPath = join(dir, 'monitors.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      state: { type: 'file', path: join(dir, 'state') },
      api: { readToken: READ, title: 'Ops wall' },
      channels: { ops: { type: 'wecom', webhook: wecom.webhook, timeoutMs: 3000 } },
      alerts: { channels: ['ops'] },
      monitors: [
        { name: 'homepage', type: 'http', url: target.url('/'), samples: 2, intervalMs: 0 },
        { name: XSS, type: 'tcp', host: '127.0.0.1', port: await closedPort(), samples: 1, attempts: 1 },
      ],
    }),
  );
  setLogSink(() => {});
  // 24 h of a 1-minute monitor before the real run: the chart has hundreds of points to draw.
  const now = Date.now();
  const records = Array.from({ length: 1440 }, (_, j): ResultRecord => ({
    timestamp: new Date(now - (1440 - j) * 60_000).toISOString(),
    function: 'statusCheck', monitor: 'homepage', type: 'http', target: 'x', ok: j % 300 !== 7,
    reasons: [], stats: { samples: 2, successes: 2, successRate: 1, meanMs: 40 + 30 * Math.sin(j / 40) + (j % 17) }, hostList: [], durationMs: 1, samples: [],
  }));
  await new FileStore(join(dir, 'state')).addPoints(historyWrites(records, []), 0);
  await runFunction('statusCheck', undefined, { time_limit_in_ms: 20_000 }, { configPath });
  ({ server, url: base } = await serveHttp(HTTP_FUNCTIONS.api({ configPath }), { port: 0 }));
  browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => server.close(r));
  await closeProcessStores();
  await target.close();
  await wecom.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(query: string, viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage();
  await page.setViewportSize(viewport);
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  // Loopback only: anything else the page asked for would be a bug.
  const elsewhere: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) elsewhere.push(r.url());
  });
  const res = await page.goto(`${base}/status?token=${READ}&${query}`);
  assert.equal(res?.status(), 200);
  return { page, dialogs, elsewhere };
}

describe('the status page in Chromium', () => {
  test('English on a desktop: states, uptimes, the chart drawn with hundreds of points, the incident, names as text', async () => {
    const { page, dialogs, elsewhere } = await open('lang=en');
    assert.equal(await page.locator('h1').innerText(), 'Ops wall');
    const home = page.locator('li.up', { hasText: 'homepage' });
    assert.match(await home.innerText(), /Up/);
    assert.match(await home.innerText(), /\d+(\.\d\d)?% \/ \d+(\.\d\d)?% \/ \d+(\.\d\d)?%/);
    const down = page.locator('li.down');
    assert.equal(await down.locator('b').innerText(), XSS, 'the name reads as typed, not as markup');
    assert.match(await down.innerText(), /Down/);
    assert.match(await down.innerText(), /CONNECT_REFUSED/);
    assert.deepEqual(dialogs, [], 'no script from a monitor name ran');
    const incident = page.locator('li.i');
    assert.equal(await incident.count(), 1);
    assert.match(await incident.innerText(), /CONNECT_REFUSED/);
    assert.ok((await incident.innerText()).includes(XSS));
    const notices = await page.locator('h2', { hasText: 'Last notices' }).locator('xpath=following-sibling::ul[1]').innerText();
    assert.match(notices, /Alert/);
    assert.ok(notices.includes(XSS));

    const d = await home.locator('svg path').getAttribute('d');
    const segments = (d ?? '').match(/[ML]/g)?.length ?? 0;
    assert.ok(segments >= 190, `the chart has ${segments} points`);
    const box = await home.locator('svg').boundingBox();
    assert.ok(box && box.width >= 200 && box.height >= 35, JSON.stringify(box));
    assert.ok((await home.locator('svg rect').count()) >= 4, 'failed runs are marked on the chart');
    assert.deepEqual(elsewhere, []);

    const shot = await page.screenshot({ fullPage: true });
    const px = decodePng(shot);
    assert.ok(px.width >= 1000 && px.height >= 300, `${px.width}x${px.height}`);
    const { ink, colours } = inkOf(px);
    assert.ok(ink > 0.05 && colours > 20, `ink ${ink}, ${colours} colours: the page looks blank`);
    const chart = inkOf(decodePng(await home.locator('svg').screenshot()));
    assert.ok(chart.ink > 0.02, `the chart looks empty (ink ${chart.ink})`);
    await page.close();
  });

  test('Chinese on a phone: readable without sideways scrolling, the chart as wide as the screen', async () => {
    const { page } = await open('lang=zh-CN', { width: 390, height: 844 });
    assert.match(await page.locator('li.up').innerText(), /正常/);
    assert.match(await page.locator('li.down').innerText(), /故障/);
    assert.match(await page.locator('h2').first().innerText(), /进行中的故障/);
    const scroll = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(scroll <= 390, `the page is ${scroll} px wide on a 390 px screen`);
    const box = await page.locator('li.up svg').boundingBox();
    assert.ok(box && box.width > 300, JSON.stringify(box));
    const { ink } = inkOf(decodePng(await page.screenshot()));
    assert.ok(ink > 0.05, `ink ${ink}`);
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(/lang=en/);
    assert.match(await page.locator('h2').first().innerText(), /Open incidents/, 'the language link keeps the read token');
    await page.close();
  });
});
