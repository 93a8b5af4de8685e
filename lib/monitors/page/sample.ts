/**
 * One page sample: a fresh browser context (no cache, cookies or service workers from the
 * sample before), navigation to `load`, then the timings as the page itself recorded them.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { Reason } from '../../report/codes';
import { roundMs } from '../../report/stats';
import { statusIn, statusText } from '../status';
import { firstLine } from './browser';
import type { PageMonitor } from './schema';
import { TIMING_LIMITS } from './schema';
import type { FailedRequest, PageSample } from './types';
import type { Browser } from 'playwright-core';

export type TimingKey = (typeof TIMING_LIMITS)[keyof typeof TIMING_LIMITS];

export interface Observation {
  /** The document loaded (the `load` event fired), whatever its checks said. */
  loaded: boolean;
  timings: Partial<Record<TimingKey, number>>;
  statusCode?: number;
  remoteAddress?: string;
  error?: Reason;
  page: PageSample;
  png?: Buffer;
  pngError?: string;
}

/** Kept per sample: enough to say what failed, not a HAR. */
const MAX_LISTED = 10;
const MAX_CONSOLE = 5;
/** How long after `load` the first contentful paint may still come (it is reported a frame late). */
const PAINT_WAIT_MS = 300;
const READ_TIMEOUT_MS = 3000;
const SCREENSHOT_TIMEOUT_MS = 5000;

/** What the page recorded, read in the page: Navigation Timing Level 2 and paint timing. */
interface PageTimes {
  url: string;
  domainLookupStart: number;
  domainLookupEnd: number;
  connectStart: number;
  secureConnectionStart: number;
  connectEnd: number;
  requestStart: number;
  responseStart: number;
  domInteractive: number;
  domContentLoadedEventEnd: number;
  loadEventEnd: number;
  fcp?: number;
}

/**
 * Read in the page, so kept as plain JavaScript: a compiled function could carry the
 * compiler's helpers (tsx's `__name`), which do not exist there. Waits for `loadEventEnd`
 * (set when the load handlers return) and for the paint, at most `paintWaitMs`.
 */
const READ_TIMES = `([waitForLoadEnd, paintWaitMs]) => new Promise((resolve) => {
  const read = () => {
    const nav = performance.getEntriesByType('navigation')[0];
    if (!nav) return undefined;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const t = {};
    for (const k of ['name', 'domainLookupStart', 'domainLookupEnd', 'connectStart', 'secureConnectionStart', 'connectEnd',
      'requestStart', 'responseStart', 'domInteractive', 'domContentLoadedEventEnd', 'loadEventEnd']) t[k] = nav[k];
    t.url = nav.name;
    if (fcp) t.fcp = fcp.startTime;
    return t;
  };
  const started = performance.now();
  const poll = () => {
    const t = read();
    const waiting = t && ((waitForLoadEnd && t.loadEventEnd === 0) || t.fcp === undefined);
    if (!waiting || performance.now() - started >= paintWaitMs) resolve(t);
    else setTimeout(poll, 20);
  };
  poll();
})`;

function readTimes(page: Page, waitForLoadEnd: boolean, paintWaitMs: number): Promise<PageTimes | undefined> {
  return page.evaluate(`(${READ_TIMES})(${JSON.stringify([waitForLoadEnd, paintWaitMs])})`) as Promise<PageTimes | undefined>;
}

/** The seed's figures from the navigation entry, in ms; a phase that did not happen is left out. */
export function timingsOf(t: PageTimes, loaded: boolean): Partial<Record<TimingKey, number>> {
  const out: Partial<Record<TimingKey, number>> = {};
  const put = (k: TimingKey, v: number) => {
    if (Number.isFinite(v) && v >= 0) out[k] = roundMs(v);
  };
  put('dnsMs', t.domainLookupEnd - t.domainLookupStart);
  const tcpEnd = t.secureConnectionStart > 0 ? t.secureConnectionStart : t.connectEnd;
  put('tcpMs', tcpEnd - t.connectStart);
  if (t.secureConnectionStart > 0) put('tlsMs', t.connectEnd - t.secureConnectionStart);
  if (t.responseStart > 0) put('requestMs', t.responseStart - t.requestStart);
  if (t.domInteractive > 0) put('domParseMs', t.domInteractive - t.responseStart);
  if (t.domContentLoadedEventEnd > 0) put('domReadyMs', t.domContentLoadedEventEnd);
  if (loaded && t.loadEventEnd > 0) put('onloadMs', t.loadEventEnd);
  if (t.fcp !== undefined) put('blankScreenMs', t.fcp);
  return out;
}

/** Chromium's net:: error names, to the codes the http monitor uses for the same failures. */
export function netErrorReason(message: string, url: string): Reason | undefined {
  const name = /net::(ERR_[A-Z0-9_]+)/.exec(message)?.[1];
  if (!name) return undefined;
  const code: Reason['code'] =
    /NAME_NOT_RESOLVED|NAME_RESOLUTION_FAILED|DNS_/.test(name)
      ? 'DNS_ERROR'
      : /CONNECTION_REFUSED|ADDRESS_UNREACHABLE|NETWORK_UNREACHABLE/.test(name)
        ? 'CONNECT_REFUSED'
        : /CONNECTION_TIMED_OUT|TIMED_OUT/.test(name)
          ? 'CONNECT_TIMEOUT'
          : /CONNECTION_RESET|CONNECTION_CLOSED|EMPTY_RESPONSE|CONNECTION_ABORTED/.test(name)
            ? 'CONNECTION_RESET'
            : /CERT|SSL/.test(name)
              ? 'TLS_ERROR'
              : /TOO_MANY_REDIRECTS/.test(name)
                ? 'REDIRECT_LIMIT'
                : 'PROTOCOL_ERROR';
  return { code, message: `${url}: Chromium: ${name}` };
}

function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The limits this one sample is over, so a screenshot is taken of a page that was slow. */
function overLimits(m: PageMonitor, timings: Observation['timings']): boolean {
  return Object.entries(TIMING_LIMITS).some(([limit, key]) => {
    const max = m.expect[limit as keyof typeof TIMING_LIMITS];
    const v = timings[key];
    return max !== undefined && v !== undefined && v > max;
  });
}

/** A PNG of at most maxBytes: the viewport, then its top half, then its top-left quarter. */
export async function boundedScreenshot(page: Page, m: PageMonitor): Promise<{ png?: Buffer; error?: string }> {
  const { width, height } = { width: m.viewport.width, height: m.viewport.height };
  const clips = [undefined, { x: 0, y: 0, width, height: Math.ceil(height / 2) }, { x: 0, y: 0, width: Math.ceil(width / 2), height: Math.ceil(height / 2) }];
  let last = 0;
  for (const clip of clips) {
    try {
      const png = await page.screenshot({ type: 'png', scale: 'css', timeout: SCREENSHOT_TIMEOUT_MS, ...(clip ? { clip } : {}) });
      if (png.length <= m.screenshot.maxBytes) return { png };
      last = png.length;
    } catch (err) {
      return { error: `screenshot failed: ${firstLine((err as Error).message)}` };
    }
  }
  return { error: `screenshot left out: ${last} bytes even for a quarter of the viewport, above maxBytes ${m.screenshot.maxBytes}` };
}

export async function takePageSample(browser: Browser, m: PageMonitor, opts: { wantScreenshot: boolean }): Promise<Observation> {
  const parsed = new URL(m.url);
  const origin = parsed.origin;
  // `user:password@` goes to Chromium as HTTP credentials, never in the URL it logs or we quote.
  const credentials = parsed.username ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) } : undefined;
  parsed.username = '';
  parsed.password = '';
  const url = parsed.href;
  const detail: PageSample = { requests: 0, transferBytes: 0, failedRequests: [], consoleErrors: 0, consoleMessages: [] };
  const obs: Observation = { loaded: false, timings: {}, page: detail };
  const failed = (f: FailedRequest) => {
    if (detail.failedRequests.length < MAX_LISTED) detail.failedRequests.push(f);
    else if (f.sameOrigin && !detail.failedRequests.some((x) => x.sameOrigin)) detail.failedRequests[MAX_LISTED - 1] = f;
  };
  let sameOriginFailures = 0;
  const consoleError = (text: string) => {
    detail.consoleErrors++;
    if (detail.consoleMessages.length < MAX_CONSOLE) detail.consoleMessages.push(text.slice(0, 300));
  };
  let context: BrowserContext | undefined;
  try {
    context = await browser.newContext({
      viewport: { width: m.viewport.width, height: m.viewport.height },
      ignoreHTTPSErrors: m.insecure,
      serviceWorkers: 'block',
      ...(m.userAgent ? { userAgent: m.userAgent } : {}),
      ...(credentials ? { httpCredentials: { ...credentials, origin } } : {}),
    });
    const page = await context.newPage();
    let documentRequest: unknown;
    page.on('request', () => {
      detail.requests++;
    });
    page.on('requestfailed', (r) => {
      if (r === documentRequest) return;
      const sameOrigin = sameOriginOf(r.url(), origin);
      if (sameOrigin) sameOriginFailures++;
      failed({ url: r.url(), error: r.failure()?.errorText ?? 'failed', sameOrigin });
    });
    page.on('response', (r) => {
      if (r.request() === documentRequest || r.status() < 400) return;
      const sameOrigin = sameOriginOf(r.url(), origin);
      if (sameOrigin) sameOriginFailures++;
      failed({ url: r.url(), status: r.status(), sameOrigin });
    });
    page.on('console', (msg) => {
      // Chromium's own favicon fetch is not the page's request: its 404 is no error of the page.
      if (msg.type() === 'error' && !/\/favicon\.ico(\?|$)/.test(msg.location().url)) consoleError(msg.text());
    });
    page.on('pageerror', (err) => consoleError(`uncaught: ${firstLine(err.message)}`));
    // Bytes as the network delivered them; Resource Timing would show 0 for cross-origin ones.
    const cdp = await context.newCDPSession(page);
    cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => {
      detail.transferBytes += e.encodedDataLength;
    });
    await cdp.send('Network.enable');
    page.once('request', (r) => {
      documentRequest = r;
    });

    let navError: Reason | undefined;
    try {
      const response = await page.goto(url, { waitUntil: 'load', timeout: m.loadTimeoutMs });
      obs.loaded = true;
      if (response) {
        obs.statusCode = response.status();
        const addr = await within(response.serverAddr(), READ_TIMEOUT_MS);
        if (addr) obs.remoteAddress = addr.ipAddress;
      }
    } catch (err) {
      // A navigation still pending holds every evaluate and screenshot: stop it, keep what it drew.
      await within(cdp.send('Page.stopLoading').catch(() => undefined), READ_TIMEOUT_MS);
      const message = (err as Error).message;
      navError =
        (err as Error).name === 'TimeoutError'
          ? { code: 'PAGE_TIMEOUT', message: `${url}: the load event did not fire within loadTimeoutMs ${m.loadTimeoutMs} ms` }
          : (netErrorReason(message, url) ?? { code: 'BROWSER_ERROR', message: `${url}: ${firstLine(message)}` });
    }

    const times = await within(readTimes(page, obs.loaded, obs.loaded ? PAINT_WAIT_MS : 0).catch(() => undefined), READ_TIMEOUT_MS);
    if (times && /^https?:/.test(times.url)) obs.timings = timingsOf(times, obs.loaded);

    obs.error = navError ?? (await check(m, url, page, obs, sameOriginFailures, detail));
    if (opts.wantScreenshot && (obs.error || overLimits(m, obs.timings))) {
      const shot = await boundedScreenshot(page, m);
      if (shot.png) obs.png = shot.png;
      if (shot.error) obs.pngError = shot.error;
    }
  } catch (err) {
    // The browser went away under the sample (crashed, or closed at the deadline).
    obs.error ??= { code: 'BROWSER_ERROR', message: `${url}: ${firstLine((err as Error).message)}` };
  } finally {
    await context?.close().catch(() => undefined);
  }
  return obs;
}

async function check(m: PageMonitor, url: string, page: Page, obs: Observation, sameOriginFailures: number, detail: PageSample): Promise<Reason | undefined> {
  const e = m.expect;
  if (obs.statusCode !== undefined && !statusIn(obs.statusCode, e.status)) {
    const title = await within(page.title().catch(() => ''), READ_TIMEOUT_MS);
    return {
      code: 'HTTP_STATUS',
      message: `${url} answered ${obs.statusCode}${title ? ` ("${title.slice(0, 80)}")` : ''}${obs.remoteAddress ? ` from ${obs.remoteAddress}` : ''}, expected ${statusText(e.status)}`,
    };
  }
  if (e.selector !== undefined) {
    const found = await within(page.locator(e.selector).count().catch(() => -1), READ_TIMEOUT_MS);
    if (found === -1) return { code: 'PAGE_CONTENT', message: `expect.selector ${JSON.stringify(e.selector)} is not a valid selector` };
    if (!found) return { code: 'PAGE_CONTENT', message: `${url}: no element matches ${JSON.stringify(e.selector)} after load` };
  }
  if (e.text !== undefined) {
    const shown = await within((page.evaluate(`(document.body ? document.body.innerText : '').includes(${JSON.stringify(e.text)})`) as Promise<boolean>).catch(() => false), READ_TIMEOUT_MS);
    if (!shown) return { code: 'PAGE_CONTENT', message: `${url} does not show ${JSON.stringify(e.text)} after load` };
  }
  if (e.noFailedRequests && sameOriginFailures > 0) {
    const first = detail.failedRequests.find((f) => f.sameOrigin)!;
    return {
      code: 'PAGE_REQUEST_FAILED',
      message: `${sameOriginFailures} same-origin request${sameOriginFailures === 1 ? '' : 's'} failed, first ${first.url} (${first.status ?? first.error})`,
    };
  }
  if (e.maxConsoleErrors !== undefined && detail.consoleErrors > e.maxConsoleErrors) {
    return {
      code: 'CONSOLE_ERROR',
      message: `${detail.consoleErrors} console error${detail.consoleErrors === 1 ? '' : 's'} (at most ${e.maxConsoleErrors}), first: ${detail.consoleMessages[0]}`,
    };
  }
  return undefined;
}

function sameOriginOf(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}
