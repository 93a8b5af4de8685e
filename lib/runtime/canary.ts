/**
 * Our own network first: a canary URL checked alongside the monitors. When the canary cannot be
 * reached either, a target failing to connect says more about the function's network than
 * about the target, so those failures become PROBE_NETWORK and open no incident (the false
 * alarm Upptime and Uptime Kuma users complain about most); alerting reports them as
 * "measurement broken" instead. A target that answered (a 502, a
 * wrong body) is still its own failure.
 */
import type { CanaryConfig } from '../config/schema';
import type { FailureCode, Reason } from '../report/codes';
import type { ResultRecord } from '../report/record';
import { roundMs } from '../report/stats';
import { redactUrl } from '../report/redact';
import { probeHttp } from '../probes/http';

export interface CanaryResult {
  url: string;
  ok: boolean;
  ms: number;
  statusCode?: number;
  error?: Reason;
}

export async function checkCanary(c: CanaryConfig, signal: AbortSignal): Promise<CanaryResult> {
  const o = await probeHttp(
    {
      url: c.url,
      method: 'GET',
      headers: {},
      connectTimeoutMs: c.timeoutMs,
      readTimeoutMs: c.timeoutMs,
      attempts: 2,
      followRedirects: false,
      maxRedirects: 0,
      maxBodyBytes: 0,
      insecure: c.insecure,
      keepBody: false,
    },
    signal,
  );
  // Any answer at all means the way out works; its status is the canary site's business.
  const ok = o.statusCode !== undefined;
  return {
    url: redactUrl(c.url),
    ok,
    ms: roundMs(o.timings.totalMs),
    ...(o.statusCode !== undefined ? { statusCode: o.statusCode } : {}),
    ...(!ok && o.error ? { error: o.error } : {}),
  };
}

/** Failures that a broken network on our side would also produce. */
const NETWORK_CODES: ReadonlySet<FailureCode> = new Set([
  'DNS_ERROR',
  'CONNECT_REFUSED',
  'CONNECT_TIMEOUT',
  'READ_TIMEOUT',
  'CONNECTION_RESET',
  'TLS_ERROR',
  'LOW_SUCCESS_RATE',
  'SLOW_RESPONSE',
  'DNS_SERVER_DOWN',
]);

/** The record as it stands once the canary failed; unchanged when the target is to blame. */
export function blameNetwork(r: ResultRecord, canary: CanaryResult): ResultRecord {
  if (r.ok || canary.ok || r.reasons.length === 0 || !r.reasons.every((x) => NETWORK_CODES.has(x.code))) return r;
  const why = canary.error ? `${canary.error.code}: ${canary.error.message}` : 'no answer';
  return {
    ...r,
    reasons: [
      {
        code: 'PROBE_NETWORK',
        message: `the canary ${canary.url} failed too (${why}), so this is likely our network, not the target; the target's own result: ${r.reasons
          .map((x) => `${x.code}: ${x.message}`)
          .join('; ')}`,
      },
    ],
    targetReasons: r.reasons,
  };
}
