/**
 * Watching the watcher: after every completed run, a GET to a dead-man's switch (Healthchecks
 * and the like). When a deploy breaks or the timer stops, the pings stop and that service
 * alerts. The ping URL is itself a secret (anyone holding it can fake the heartbeat), so only
 * its host is ever printed.
 */
import type { Config } from '../config/schema';
import { probeHttp } from '../probes/http';
import { roundMs } from '../report/stats';

export interface HeartbeatResult {
  host: string;
  ok: boolean;
  ms: number;
  statusCode?: number;
  code?: string;
}

export function heartbeatUrlFor(config: Config, fn: string): string | undefined {
  const h = config.heartbeatUrl;
  return typeof h === 'string' ? h : h?.[fn];
}

export async function pingHeartbeat(url: string, timeoutMs: number, signal: AbortSignal): Promise<HeartbeatResult> {
  const o = await probeHttp(
    {
      url,
      method: 'GET',
      headers: {},
      connectTimeoutMs: timeoutMs,
      readTimeoutMs: timeoutMs,
      attempts: 2,
      followRedirects: true,
      maxRedirects: 3,
      maxBodyBytes: 1024,
      insecure: false,
      keepBody: false,
    },
    signal,
  );
  const ok = o.statusCode !== undefined && o.statusCode >= 200 && o.statusCode < 300;
  return {
    host: new URL(url).host,
    ok,
    ms: roundMs(o.timings.totalMs),
    ...(o.statusCode !== undefined ? { statusCode: o.statusCode } : {}),
    ...(!ok ? { code: o.error?.code ?? 'HTTP_STATUS' } : {}),
  };
}
