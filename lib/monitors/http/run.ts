/** The `http` monitor: samples through the HTTP prober, judged against `expect`. */
import { parseDnsServer } from '../../config/monitor-base';
import type { HttpMonitor } from './schema';
import type { Reason } from '../../report/codes';
import type { ResultRecord, SampleRecord } from '../../report/record';
import { roundMs } from '../../report/stats';
import { decodeBody, probeHttp, roundTimings, type HttpObservation, type HttpTarget } from '../../probes/http';
import { takeSamples } from '../sampling';
import { judge, type Judged } from '../verdict';
import type { RunContext } from '../context';
import { redactUrl } from '../../report/redact';
import { statusText } from '../status';

/** The page's <title>, to tell a WAF or load-balancer error page from the application's. */
function pageTitle(body: string | undefined): string | undefined {
  const t = body && /<title[^>]*>([^<]{1,200})<\/title>/i.exec(body)?.[1]?.replace(/\s+/g, ' ').trim();
  return t ? t.slice(0, 80) : undefined;
}

function check(m: HttpMonitor, o: HttpObservation, bodyRegex: RegExp | undefined): Reason | undefined {
  if (o.error) return o.error;
  const status = o.statusCode!;
  if (!m.expect.status.some(([lo, hi]) => status >= lo && status <= hi)) {
    const title = pageTitle(o.body ?? (o.head && decodeBody(o.head.bytes, o.head.charset)));
    return {
      code: 'HTTP_STATUS',
      message: `answered ${status}${title ? ` ("${title}")` : ''} from ${o.remoteAddress}, expected ${statusText(m.expect.status)}`,
    };
  }
  const body = o.body ?? '';
  const cut = o.bodyTruncated ? ` in the first ${o.bodyBytes} bytes` : '';
  const wanted = m.expect.bodyContains === undefined ? [] : ([] as string[]).concat(m.expect.bodyContains);
  for (const w of wanted) {
    if (!body.includes(w)) return { code: 'BODY_MISMATCH', message: `body from ${o.remoteAddress} does not contain ${JSON.stringify(w)}${cut}` };
  }
  if (bodyRegex && !bodyRegex.test(body)) {
    return { code: 'BODY_MISMATCH', message: `body from ${o.remoteAddress} does not match /${bodyRegex.source}/${cut}` };
  }
  return undefined;
}

function sampleRecord(o: HttpObservation, error: Reason | undefined): SampleRecord {
  const t = o.timings;
  // Assigned in order rather than spread: one object per sample, not one per optional field.
  const r: SampleRecord = { ok: !error, attempts: 0, timings: {} };
  if (o.statusCode !== undefined) r.statusCode = o.statusCode;
  if (o.remoteAddress) r.remoteAddress = o.remoteAddress;
  r.attempts = o.attempts;
  if (o.redirects) r.redirects = o.redirects;
  r.bodyBytes = o.bodyBytes;
  if (o.bodyTruncated) r.bodyTruncated = true;
  r.timings = { ...roundTimings(t) };
  if (error) r.error = error;
  return r;
}

/**
 * One target per monitor, so the prober's parsed request is reused across samples and warm
 * runs; and the URL as records show it, worked out once.
 */
const targets = new WeakMap<HttpMonitor, { target: HttpTarget; shown: string }>();
function proberTarget(m: HttpMonitor): { target: HttpTarget; shown: string } {
  let known = targets.get(m);
  if (known) return known;
  const target: HttpTarget = {
    url: m.url,
    method: m.method,
    headers: m.headers,
    body: m.body,
    connectTimeoutMs: m.connectTimeoutMs,
    readTimeoutMs: m.readTimeoutMs,
    attempts: m.attempts,
    followRedirects: m.followRedirects,
    maxRedirects: m.maxRedirects,
    maxBodyBytes: m.maxBodyBytes,
    insecure: m.insecure,
    ca: m.ca,
    keepBody: m.expect.bodyContains !== undefined || m.expect.bodyMatches !== undefined,
    ...(m.dnsServers ? { dnsServers: m.dnsServers.flatMap((s) => parseDnsServer(s) ?? []) } : {}),
  };
  known = { target, shown: redactUrl(m.url) };
  targets.set(m, known);
  return known;
}

export async function runHttp(m: HttpMonitor, ctx: RunContext): Promise<ResultRecord> {
  const timestamp = new Date().toISOString();
  const started = performance.now();
  const bodyRegex = m.expect.bodyMatches === undefined ? undefined : new RegExp(m.expect.bodyMatches);
  const { target, shown } = proberTarget(m);
  const { samples, cut } = await takeSamples(m.samples, m.intervalMs, ctx.signal, () => probeHttp(target, ctx.signal));

  const judged: Judged[] = [];
  const records: SampleRecord[] = [];
  let cert: HttpObservation['cert'];
  for (const o of samples) {
    const error = check(m, o, bodyRegex);
    judged.push({
      ok: !error,
      error,
      timeMs: o.statusCode !== undefined && !o.error ? o.timings.totalMs : undefined,
      remoteAddress: o.remoteAddress,
    });
    records.push(sampleRecord(o, error));
    if (o.cert && (!cert || o.cert.daysLeft < cert.daysLeft)) cert = o.cert;
  }

  const extra: Reason[] = [];
  if (m.expect.certMinDays !== undefined && cert && cert.daysLeft < m.expect.certMinDays) {
    const when = cert.daysLeft < 0 ? `expired ${-cert.daysLeft} days ago` : `expires in ${cert.daysLeft} days`;
    extra.push({
      code: 'CERT_EXPIRING',
      message: `certificate for ${cert.host} ${when} (valid to ${cert.validTo}), expected at least ${m.expect.certMinDays} days`,
    });
  }
  const verdict = judge(judged, m.expect, m.samples, cut, extra);
  return {
    timestamp,
    function: ctx.functionName,
    monitor: m.name,
    type: m.type,
    target: shown,
    ...verdict,
    durationMs: roundMs(performance.now() - started),
    ...(cert ? { cert } : {}),
    samples: records,
  };
}
