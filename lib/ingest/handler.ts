/**
 * The ingest function (HTTP, behind a function URL), Healthchecks-compatible where it can be:
 *   GET|POST|HEAD /ping/<check>             success
 *   ...           /ping/<check>/start       the job started (success must follow within grace)
 *   ...           /ping/<check>/fail        the job failed
 *   ...           /ping/<check>/<0-255>     exit status: 0 success, else failure
 *   POST          /report/<host>            host metrics (lib/monitors/host/report.ts)
 * Unknown check 404, bad token 401, too many 429, body too large 413, other methods 405, bad
 * input 400: each a short JSON answer, nothing stored. A rejected request is logged without
 * its token or body.
 */
import * as v from 'valibot';
import type { LoadOptions } from '../config/load';
import type { MonitorConfig } from '../config/schema';
import { heartbeat } from '../monitors/heartbeat';
import { host } from '../monitors/host';
import type { FunctionDef } from '../monitors/module';
import { applyPing, heartbeatKey, type HeartbeatState, type Ping } from '../monitors/heartbeat/state';
import type { HeartbeatMonitor } from '../monitors/heartbeat/schema';
import { applyReport, hostKey, hostReport, type HostState } from '../monitors/host/report';
import type { HostMonitor } from '../monitors/host/schema';
import { logJson } from '../report/log';
import { httpFunctionConfig } from '../runtime/config';
import { processStore } from '../runtime/process-store';
import { error, isHttpEvent, json, requestOf, type HttpAnswer, type HttpRequest } from '../runtime/http';
import { update, type StateStore } from '../state/types';
import { checkToken } from './token';

export interface IngestOptions extends LoadOptions {
  store?: StateStore;
  now?: () => number;
  allMonitorTypes?: readonly string[];
}

/** The types ingest receives for; their schemas validate the config (tokens, intervals). */
export const ingestDef: FunctionDef = { name: 'ingest', monitors: [heartbeat, host] };

const PING_METHODS = ['GET', 'POST', 'HEAD'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;


function reject(req: HttpRequest, status: number, message: string, headers: Record<string, string> = {}): HttpAnswer {
  logJson({ event: 'ingest-rejected', method: req.method, path: req.path.slice(0, 200), status, reason: message });
  return error(status, message, headers);
}

/** Text a job sent, as kept and shown: cut to `max` bytes, control characters other than newline and tab taken out. */
function keptBody(body: Buffer, max: number): string | undefined {
  if (body.length === 0 || max === 0) return undefined;
  const text = body.subarray(0, max).toString('utf8').replace(/\uFFFD$/, '');
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

function segmentsOf(path: string): string[] | undefined {
  try {
    return path.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

export async function handleIngest(event: unknown, opts: IngestOptions = {}): Promise<HttpAnswer> {
  if (!isHttpEvent(event)) return error(400, 'not a function URL request: expected httpMethod and path');
  const req = requestOf(event);
  const config = httpFunctionConfig(ingestDef, opts);
  if ('statusCode' in config) return config;
  const segs = segmentsOf(req.path);
  if (!segs) return reject(req, 400, 'the path is not valid percent-encoding');
  const [route, name, extra, ...rest] = segs;
  if ((route !== 'ping' && route !== 'report') || name === undefined || rest.length > 0 || (route === 'report' && extra !== undefined)) {
    return reject(req, 404, 'no such endpoint: use /ping/<check>[/start|/fail|/<exit status>] or /report/<host>');
  }
  if (!NAME.test(name)) return reject(req, 400, 'a check or host name is letters, digits, ".", "_" and "-" (at most 80)');
  if (route === 'ping' && !PING_METHODS.includes(req.method)) return reject(req, 405, 'pings take GET, POST or HEAD', { allow: PING_METHODS.join(', ') });
  if (route === 'report' && req.method !== 'POST') return reject(req, 405, 'reports take POST', { allow: 'POST' });
  const type = route === 'ping' ? 'heartbeat' : 'host';
  const m = config.monitors.find((x: MonitorConfig) => x.type === type && x.name === name);
  if (!m) return reject(req, 404, route === 'ping' ? `no heartbeat check named ${name}` : `no host named ${name}`);
  if (req.body.length > config.ingest.maxBodyBytes) return reject(req, 413, `the body is larger than ${config.ingest.maxBodyBytes} bytes`);
  const token = checkToken(req, (m as HeartbeatMonitor | HostMonitor).token ?? config.ingest.token);
  if (token === 'none-configured') return reject(req, 403, `${name} has no token: set token on the monitor or ingest.token`);
  if (token !== 'ok') return reject(req, 401, token === 'missing' ? 'a token is required (Authorization: Bearer <token>, or ?token=)' : 'wrong token');

  const now = opts.now?.() ?? Date.now();
  const store = opts.store ?? processStore(config);
  if (route === 'ping') {
    let ping: Ping;
    if (extra === undefined) ping = { kind: 'success', at: now };
    else if (extra === 'start' || extra === 'fail') ping = { kind: extra, at: now };
    else if (/^\d{1,3}$/.test(extra) && Number(extra) <= 255) ping = { kind: Number(extra) === 0 ? 'success' : 'fail', at: now, exitStatus: Number(extra) };
    else return reject(req, 404, 'after the check name: start, fail or an exit status from 0 to 255');
    const body = req.method === 'POST' ? keptBody(req.body, config.ingest.keepBodyBytes) : undefined;
    if (body !== undefined) ping.body = body;
    const accepted = await update<HeartbeatState, boolean>(store, heartbeatKey(name), (cur) => {
      const next = applyPing(cur, ping, config.ingest.rateLimitPerMinute);
      return next ? { value: next, result: true } : { value: cur as HeartbeatState, result: false };
    });
    if (!accepted) return reject(req, 429, `more than ${config.ingest.rateLimitPerMinute} pings a minute for ${name}`, { 'retry-after': '60' });
    logJson({ event: 'ping', check: name, kind: ping.kind, ...(ping.exitStatus !== undefined ? { exitStatus: ping.exitStatus } : {}), bytes: req.body.length });
    return req.method === 'HEAD' ? { statusCode: 200, headers: {}, body: '' } : json(200, { ok: true, check: name, kind: ping.kind });
  }

  let data: unknown;
  try {
    data = JSON.parse(req.body.toString('utf8'));
  } catch (err) {
    return reject(req, 400, `the body is not JSON: ${(err as Error).message.slice(0, 100)}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return reject(req, 400, 'the body must be a JSON object such as {"cpu": 1.0, "memory": 40.5, ...}');
  const parsed = v.safeParse(hostReport, data, { abortPipeEarly: true });
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = (issue.path ?? []).map((p) => String(p.key)).join('.') || 'the body';
    const message = issue.expected === 'never' ? 'unknown key' : issue.received === 'undefined' ? 'is required' : issue.message;
    return reject(req, 400, `${where}: ${message}`);
  }
  const hostM = m as HostMonitor;
  const perMinute = Math.max(config.ingest.rateLimitPerMinute, Math.ceil((2 * 60_000) / hostM.interval));
  const accepted = await update<HostState, boolean>(store, hostKey(name), (cur) => {
    const next = applyReport(cur, parsed.output, now, perMinute);
    return next ? { value: next, result: true } : { value: cur as HostState, result: false };
  });
  if (!accepted) return reject(req, 429, `more than ${perMinute} reports a minute for ${name}`, { 'retry-after': '60' });
  return json(200, { ok: true, host: name });
}

/** What `functions/ingest.ts` exports as `main_handler`. */
export function createIngestHandler() {
  return (event: unknown): Promise<HttpAnswer> => handleIngest(event);
}
