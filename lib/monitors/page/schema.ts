/**
 * `type: page`: MonitorChildLinux's Selenium front-end test, done with Chromium's own
 * Navigation Timing and paint timing through playwright-core (pagePerf).
 */
import * as v from 'valibot';
import { httpUrl, int, text } from '../../config/fields';
import { monitorBase, ratio } from '../../config/monitor-base';
import { statusList } from '../status';

const ms = v.pipe(v.number('must be a number of milliseconds'), v.minValue(1, 'must be at least 1'));

/** Each timing's threshold, judged on its mean over the samples that loaded (as maxMeanMs is). */
export const TIMING_LIMITS = {
  maxDnsMs: 'dnsMs',
  maxTcpMs: 'tcpMs',
  maxTlsMs: 'tlsMs',
  maxRequestMs: 'requestMs',
  maxDomParseMs: 'domParseMs',
  maxDomReadyMs: 'domReadyMs',
  maxOnloadMs: 'onloadMs',
  maxBlankScreenMs: 'blankScreenMs',
} as const;

const pageExpect = v.strictObject({
  status: v.optional(statusList, '200-399'),
  minSuccessRate: v.optional(ratio, 0.7),
  maxDnsMs: v.optional(ms),
  maxTcpMs: v.optional(ms),
  maxTlsMs: v.optional(ms),
  maxRequestMs: v.optional(ms),
  maxDomParseMs: v.optional(ms),
  maxDomReadyMs: v.optional(ms),
  maxOnloadMs: v.optional(ms),
  maxBlankScreenMs: v.optional(ms),
  /** A CSS selector that must match an element once the page has loaded. */
  selector: v.optional(text('a CSS selector')),
  /** Text the page must show (its rendered text, not its HTML source). */
  text: v.optional(text('text to find')),
  /** A same-origin sub-request that failed or answered 4xx/5xx fails the sample. */
  noFailedRequests: v.optional(v.boolean('must be true or false'), true),
  /** More console errors (and uncaught exceptions) than this fail the sample; unset: only recorded. */
  maxConsoleErrors: v.optional(int(0, 10_000)),
});

const screenshot = v.strictObject({
  onFailure: v.optional(v.boolean('must be true or false'), true),
  /** Larger screenshots are retaken at a smaller scale, then left out (the record says so). */
  maxBytes: v.optional(int(10_000, 10 * 1024 * 1024), 1024 * 1024),
  /** Default: `screenshots/` in the file store's folder (`state.path`), else /tmp/scf-monitor/screenshots. */
  dir: v.optional(text('a folder')),
});

export const pageMonitor = v.strictObject({
  ...monitorBase,
  type: v.literal('page'),
  url: httpUrl,
  // A browser sample costs far more than an HTTP one: fewer by default.
  samples: v.optional(int(1, 100), 3),
  intervalMs: v.optional(int(0, 600_000), 1000),
  /** From navigation start to the `load` event, per sample. */
  loadTimeoutMs: v.optional(int(100, 600_000), 30_000),
  /** The Chromium binary; default CHROMIUM_PATH, else the system's. */
  executablePath: v.optional(text('a path to a Chromium binary')),
  viewport: v.optional(
    v.strictObject({ width: v.optional(int(100, 4096), 1280), height: v.optional(int(100, 4096), 800) }),
    {},
  ),
  userAgent: v.optional(text('a User-Agent')),
  insecure: v.optional(v.boolean('must be true or false'), false),
  screenshot: v.optional(screenshot, {}),
  expect: v.optional(pageExpect, {}),
});

export type PageMonitor = v.InferOutput<typeof pageMonitor>;
