/**
 * The `probe` function: one HTTP measurement of a URL from the region it is deployed in,
 * through the same prober statusCheck uses. speedTest's scf-regions provider invokes it
 * synchronously in each region; a person can invoke it from the console with `{"url": ...}`.
 * The answer is plain JSON, and a bad event gets an answer that says what is wrong with it
 * (code PROVIDER_ERROR: the caller's fault, not the site's) rather than a stack trace.
 */
import { probeHttp, roundTimings, type HttpTarget, type HttpTimings } from '../../probes/http';
import type { FailureCode } from '../../report/codes';

export interface ProbeEvent {
  url: string;
  method: 'GET' | 'HEAD';
  /** The whole measurement, redirects included. */
  timeoutMs: number;
  insecure: boolean;
  headers: Record<string, string>;
  followRedirects: boolean;
  maxRedirects: number;
  maxBodyBytes: number;
}

/** The prober's own timings, rounded as records carry them. */
export type ProbeTimings = HttpTimings;

export interface ProbeAnswer {
  /** Answered with a status below 400, within the time. */
  ok: boolean;
  statusCode?: number;
  remoteAddress?: string;
  timings: ProbeTimings;
  bodyBytes: number;
  bodyTruncated?: true;
  redirects?: number;
  /** Where the probe ran (the SCF context's region). */
  region?: string;
  error?: { code: FailureCode; message: string };
}

export const PROBE_DEFAULTS = { timeoutMs: 10_000, maxRedirects: 5, maxBodyBytes: 1024 * 1024 } as const;
const LIMITS = { timeoutMs: [100, 120_000], maxRedirects: [0, 10], maxBodyBytes: [0, 10 * 1024 * 1024] } as const;
/** Left of the function's own time limit to answer in. */
const ANSWER_MARGIN_MS = 500;

const ZERO: ProbeTimings = { dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 0, downloadMs: 0, totalMs: 0 };

function int(e: Record<string, unknown>, key: keyof typeof LIMITS, problems: string[]): number {
  const v = e[key];
  if (v === undefined) return PROBE_DEFAULTS[key];
  const [lo, hi] = LIMITS[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) problems.push(`${key} must be a whole number from ${lo} to ${hi}`);
  return typeof v === 'number' ? v : PROBE_DEFAULTS[key];
}

function bool(e: Record<string, unknown>, key: string, dflt: boolean, problems: string[]): boolean {
  const v = e[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') problems.push(`${key} must be true or false`);
  return v === true;
}

/** The event as a ProbeEvent, or the list of what is wrong with it. */
export function parseProbeEvent(event: unknown): ProbeEvent | { problems: string[] } {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    return { problems: ['the event must be an object such as {"url": "https://www.example.com/", "timeoutMs": 10000}'] };
  }
  const e = event as Record<string, unknown>;
  const problems: string[] = [];
  const url = e.url;
  if (typeof url !== 'string' || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    problems.push('url must be an http:// or https:// URL');
  }
  const method = e.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') problems.push('method must be GET or HEAD');
  const headers: Record<string, string> = {};
  if (e.headers !== undefined) {
    if (e.headers === null || typeof e.headers !== 'object' || Array.isArray(e.headers)) problems.push('headers must be an object of strings');
    else {
      for (const [k, v] of Object.entries(e.headers)) {
        if (typeof v !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || /[\r\n]/.test(v)) problems.push(`header ${JSON.stringify(k).slice(0, 60)} must be a token with a one-line string value`);
        else headers[k] = v;
      }
    }
  }
  const parsed: ProbeEvent = {
    url: url as string,
    method: method as ProbeEvent['method'],
    timeoutMs: int(e, 'timeoutMs', problems),
    insecure: bool(e, 'insecure', false, problems),
    headers,
    followRedirects: bool(e, 'followRedirects', true, problems),
    maxRedirects: int(e, 'maxRedirects', problems),
    maxBodyBytes: int(e, 'maxBodyBytes', problems),
  };
  return problems.length ? { problems } : parsed;
}

export interface ProbeContext {
  time_limit_in_ms?: number;
  tencentcloud_region?: string;
}


export async function runProbe(event: unknown, context: ProbeContext = {}): Promise<ProbeAnswer> {
  const region = context.tencentcloud_region || undefined;
  const parsed = parseProbeEvent(event);
  if ('problems' in parsed) {
    return { ok: false, timings: { ...ZERO }, bodyBytes: 0, ...(region ? { region } : {}), error: { code: 'PROVIDER_ERROR', message: `bad probe event: ${parsed.problems.join('; ')}` } };
  }
  const limit = context.time_limit_in_ms && context.time_limit_in_ms > 0 ? context.time_limit_in_ms - ANSWER_MARGIN_MS : Infinity;
  const timeoutMs = Math.max(1, Math.min(parsed.timeoutMs, limit));
  // A connection may take two fifths of the time; the answer is bounded only by the whole
  // (the timer below), so a slow site reads as "no answer within timeoutMs".
  const connectTimeoutMs = Math.max(1, Math.round(timeoutMs * 0.4));
  const target: HttpTarget = {
    url: parsed.url,
    method: parsed.method,
    headers: parsed.headers,
    connectTimeoutMs,
    readTimeoutMs: timeoutMs,
    // One try: a speed test measures what a visitor's first attempt gets.
    attempts: 1,
    followRedirects: parsed.followRedirects,
    maxRedirects: parsed.maxRedirects,
    maxBodyBytes: parsed.maxBodyBytes,
    insecure: parsed.insecure,
    keepBody: false,
  };
  const overall = new AbortController();
  const timer = setTimeout(() => overall.abort(), timeoutMs);
  let o;
  try {
    o = await probeHttp(target, overall.signal);
  } finally {
    clearTimeout(timer);
  }
  const answer: ProbeAnswer = { ok: false, timings: roundTimings(o.timings), bodyBytes: o.bodyBytes };
  if (o.statusCode !== undefined) answer.statusCode = o.statusCode;
  if (o.remoteAddress) answer.remoteAddress = o.remoteAddress;
  if (o.bodyTruncated) answer.bodyTruncated = true;
  if (o.redirects) answer.redirects = o.redirects;
  if (region) answer.region = region;
  let error = o.error;
  if (error?.code === 'DEADLINE') {
    // Our own overall timer, not a function deadline: name the phase that did not finish.
    error = o.remoteAddress
      ? { code: 'READ_TIMEOUT', message: `no complete answer from ${o.remoteAddress} (${o.finalUrl}) within ${timeoutMs} ms` }
      : { code: 'CONNECT_TIMEOUT', message: `no connection for ${o.finalUrl} within ${timeoutMs} ms` };
  }
  if (!error && o.statusCode !== undefined && o.statusCode >= 400) {
    error = { code: 'HTTP_STATUS', message: `${o.finalUrl} answered ${o.statusCode}${o.remoteAddress ? ` from ${o.remoteAddress}` : ''}` };
  }
  if (error) answer.error = { code: error.code, message: error.message };
  else answer.ok = true;
  return answer;
}
