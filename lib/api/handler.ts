/**
 * The api function (HTTP, behind a function URL): what the runs wrote, read back.
 *   GET    /api/monitors                     each monitor's state, open incident and last result
 *   GET    /api/history/<monitor>            ?minutes=10 (default) or ?from=&to= (ISO or epoch ms);
 *                                            the seed's arrays plus `date`, or ?format=points
 *   GET    /api/thresholds/<monitor>         the config's `expect` and the stored override
 *   PUT    /api/thresholds/<monitor>         {"expect": {...}, "by": "who"} (admin), from the next run
 *   DELETE /api/thresholds/<monitor>         back to the config's values (admin)
 *   POST   /api/cleanup                      drop history older than retention now (admin)
 *   GET    /status                           the status page (?lang=zh-CN|en)
 *   GET    /badge/<monitor>.svg              ?kind=status (default) or uptime, &window=1h|24h|7d
 *   GET    /metrics                          Prometheus text format
 * Reads need `api.readToken` when one is set (the admin token also reads); writes need
 * `api.adminToken` (403 when none is configured). Errors are JSON `{ "error": ... }`.
 */
import type { LoadOptions } from '../config/load';
import type { Config, MonitorConfig } from '../config/schema';
import { renderMetrics, type MetricRow } from '../history/metrics';
import { seedShape } from '../history/series';
import { cleanupHistory, readHistory, uptime } from '../history/store';
import { checkExpect, expectSchemaOf, THRESHOLDS_KEY, type Overrides, type ThresholdOverride } from '../history/thresholds';
import { checkToken, type TokenCheck } from '../ingest/token';
import type { FunctionDef } from '../monitors/module';
import { logJson } from '../report/log';
import { httpFunctionConfig } from '../runtime/config';
import { processStore } from '../runtime/process-store';
import { error, isHttpEvent, json, requestOf, type HttpAnswer, type HttpRequest } from '../runtime/http';
import { update, type StateStore } from '../state/types';
import { badge, BADGE_COLORS } from './badge';
import { monitorViews, noticesOf, stateOf } from './data';
import { schemaOfType } from './schemas';
import { CHART_SPAN_MS, pickLocale, renderStatus } from './status';

export interface ApiOptions extends LoadOptions {
  store?: StateStore;
  now?: () => number;
  allMonitorTypes?: readonly string[];
}

/** Runs no monitor: every monitor is checked by its common fields, thresholds by schemas.ts. */
export const apiDef: FunctionDef = { name: 'api', monitors: [] };

const DEFAULT_MINUTES = 10;
const DEFAULT_TZ = 'Asia/Shanghai';
const WEEK_MS = 7 * 86_400_000;
const MAX_BODY = 64 * 1024;


class Reject extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function segmentsOf(path: string): string[] {
  try {
    return path.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    throw new Reject(400, 'the path is not valid percent-encoding');
  }
}

const NO_STORE = { 'cache-control': 'no-store' };

function authorize(req: HttpRequest, config: Config, need: 'read' | 'admin'): void {
  const admin = checkToken(req, config.api.adminToken);
  if (need === 'admin') {
    if (admin === 'none-configured') throw new Reject(403, 'writes need api.adminToken, and none is configured');
    if (admin !== 'ok') throw unauthorized(admin);
    return;
  }
  if (!config.api.readToken || admin === 'ok') return;
  const read = checkToken(req, config.api.readToken);
  if (read !== 'ok') throw unauthorized(read);
}

function unauthorized(t: TokenCheck): Reject {
  return new Reject(401, t === 'missing' ? 'a token is required (Authorization: Bearer <token>, or ?token=)' : 'wrong token', {}, { 'www-authenticate': 'Bearer' });
}

function monitorNamed(config: Config, name: string | undefined): MonitorConfig {
  const m = name === undefined ? undefined : config.monitors.find((x) => x.name === name);
  if (!m) throw new Reject(404, `no monitor named ${String(name).slice(0, 100)}`);
  return m;
}

function timeZoneOf(req: HttpRequest): string {
  const tz = req.query.get('tz') ?? DEFAULT_TZ;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz;
  } catch {
    throw new Reject(400, 'tz: not a known time zone (for example Asia/Shanghai or UTC)', { path: 'tz' });
  }
}

function timeOf(name: string, s: string): number {
  const n = /^\d{10,15}$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(n)) throw new Reject(400, `${name}: must be an ISO time (2026-12-01T09:30:00Z) or epoch milliseconds`, { path: name });
  return n;
}

/** The window asked for: `minutes` back from now, or `from`..`to`, inside what retention keeps. */
function rangeOf(req: HttpRequest, now: number, retentionMs: number): { from: number; to: number } {
  const maxMinutes = Math.floor(retentionMs / 60_000);
  const minutes = req.query.get('minutes');
  const from = req.query.get('from');
  const to = req.query.get('to');
  if (minutes !== undefined && (from !== undefined || to !== undefined)) throw new Reject(400, 'give minutes, or from and to, not both', { path: 'minutes' });
  if (from !== undefined || to !== undefined) {
    const f = from === undefined ? now - DEFAULT_MINUTES * 60_000 : timeOf('from', from);
    const t = to === undefined ? now : timeOf('to', to);
    if (f > t) throw new Reject(400, 'from: must not be after to', { path: 'from' });
    return { from: f, to: t };
  }
  if (minutes === undefined) return { from: now - DEFAULT_MINUTES * 60_000, to: now };
  const n = /^\d{1,9}$/.test(minutes) ? Number(minutes) : NaN;
  if (!(n >= 1 && n <= maxMinutes)) throw new Reject(400, `minutes: must be a whole number from 1 to ${maxMinutes} (history keeps ${maxMinutes / 60} h)`, { path: 'minutes' });
  return { from: now - n * 60_000, to: now };
}

async function bodyJson(req: HttpRequest): Promise<unknown> {
  if (req.body.length > MAX_BODY) throw new Reject(413, `the body is larger than ${MAX_BODY} bytes`);
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch (err) {
    throw new Reject(400, `the body is not JSON: ${(err as Error).message.slice(0, 100)}`, { path: 'body' });
  }
}

function methods(req: HttpRequest, allowed: string[]): void {
  const all = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed;
  if (!all.includes(req.method)) throw new Reject(405, `${req.method} is not taken here: use ${allowed.join(' or ')}`, {}, { allow: all.join(', ') });
}

async function route(req: HttpRequest, config: Config, store: () => StateStore, now: number): Promise<HttpAnswer> {
  const segs = segmentsOf(req.path);
  const retention = config.history.retention;
  const [a, b, c, ...rest] = segs;

  if (a === 'status' && segs.length === 1) {
    methods(req, ['GET']);
    authorize(req, config, 'read');
    const [views, notices] = await Promise.all([
      monitorViews(config, store(), now - Math.min(WEEK_MS, retention), now),
      noticesOf(store(), now - CHART_SPAN_MS, now),
    ]);
    const locale = pickLocale(req.query.get('lang'), req.headers.get('accept-language'), config.api.locale);
    const html = renderStatus({ title: config.api.title, locale, now, timeZone: timeZoneOf(req), retentionMs: retention, views, notices });
    return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8', ...NO_STORE, 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self'" }, body: html };
  }

  if (a === 'badge' && b !== undefined && segs.length === 2) {
    methods(req, ['GET']);
    authorize(req, config, 'read');
    if (!b.endsWith('.svg')) throw new Reject(404, 'badges are /badge/<monitor>.svg');
    const m = monitorNamed(config, b.slice(0, -4));
    const kind = req.query.get('kind') ?? 'status';
    const windows: Record<string, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': WEEK_MS };
    const win = req.query.get('window') ?? '24h';
    if (kind !== 'status' && kind !== 'uptime') throw new Reject(400, 'kind: must be status or uptime', { path: 'kind' });
    if (!(win in windows)) throw new Reject(400, 'window: must be 1h, 24h or 7d', { path: 'window' });
    const [view] = await monitorViews({ ...config, monitors: [m] }, store(), now - Math.min(windows[win]!, retention), now);
    let svg: string;
    if (kind === 'status') {
      const state = view ? stateOf(view) : 'unknown';
      svg = badge(m.name, state, BADGE_COLORS[state]);
    } else {
      const u = view ? uptime(view.points, now - windows[win]!) : undefined;
      svg = badge(`uptime ${win}`, u === undefined ? 'no data' : `${(Math.floor(u * 10000) / 100).toFixed(2)}%`, u === undefined ? BADGE_COLORS.unknown : u >= 0.999 ? BADGE_COLORS.good : u >= 0.99 ? BADGE_COLORS.fair : BADGE_COLORS.poor);
    }
    return { statusCode: 200, headers: { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'max-age=60' }, body: svg };
  }

  if (a === 'metrics' && segs.length === 1) {
    methods(req, ['GET']);
    authorize(req, config, 'read');
    // An hour finds the last run of nearly every monitor; the rest look back over all of history.
    let views = await monitorViews(config, store(), now - 3_600_000, now);
    const stale = views.filter((v) => !v.last).map((v) => v.monitor);
    if (stale.length) {
      const older = await monitorViews({ ...config, monitors: stale }, store(), now - retention, now);
      views = views.map((v) => older.find((o) => o.monitor === v.monitor) ?? v);
    }
    const rows: MetricRow[] = [];
    for (const v of views) {
      const subjects = new Map<string | undefined, (typeof v.points)[number]>();
      for (const p of v.points) subjects.set(p.s, p);
      for (const p of subjects.values()) {
        const key = p.s === undefined ? v.monitor.name : `${v.monitor.name}/${p.s}`;
        rows.push({ monitor: v.monitor.name, type: v.monitor.type, point: p, incidentOpen: v.incidents.some((i) => i.key === key) });
      }
    }
    return { statusCode: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', ...NO_STORE }, body: renderMetrics(rows) };
  }

  if (a !== 'api') throw new Reject(404, 'no such endpoint: see /api/monitors, /api/history/<monitor>, /api/thresholds/<monitor>, /status, /badge/<monitor>.svg, /metrics');

  if (b === 'monitors' && c === undefined) {
    methods(req, ['GET']);
    authorize(req, config, 'read');
    const views = await monitorViews(config, store(), now - 3_600_000, now);
    return json(
      200,
      {
        at: new Date(now).toISOString(),
        monitors: views.map((v) => ({
          name: v.monitor.name,
          type: v.monitor.type,
          tags: v.monitor.tags,
          state: stateOf(v),
          function: v.last?.f ?? null,
          uptime1h: uptime(v.points, now - 3_600_000) ?? null,
          lastResult: v.last ?? null,
          incidents: v.incidents.map((i) => ({ key: i.key, id: i.incident.id, since: i.incident.since, reasons: i.incident.reasons })),
        })),
      },
      NO_STORE,
    );
  }

  if (b === 'history' && c !== undefined && rest.length === 0) {
    methods(req, ['GET']);
    authorize(req, config, 'read');
    const m = monitorNamed(config, c);
    const { from, to } = rangeOf(req, now, retention);
    const format = req.query.get('format') ?? 'arrays';
    if (format !== 'arrays' && format !== 'points') throw new Reject(400, 'format: must be points, or left out for the arrays', { path: 'format' });
    const tz = timeZoneOf(req);
    const points = await readHistory(store(), m.name, from, to);
    const head = { monitor: m.name, type: m.type, from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    if (format === 'points') return json(200, { ...head, points }, NO_STORE);
    return json(200, { ...head, ...seedShape(points, tz, to - from > 86_400_000) }, NO_STORE);
  }

  if (b === 'thresholds' && c !== undefined && rest.length === 0) {
    methods(req, ['GET', 'PUT', 'DELETE']);
    const write = req.method === 'PUT' || req.method === 'DELETE';
    authorize(req, config, write ? 'admin' : 'read');
    const m = monitorNamed(config, c);
    const configured = (m as { expect?: unknown }).expect ?? {};
    if (!write) {
      const stored = (await store().get<Overrides>(THRESHOLDS_KEY))?.value;
      return json(200, { monitor: m.name, type: m.type, config: configured, override: (stored && Object.hasOwn(stored, m.name) ? stored[m.name] : null) ?? null }, NO_STORE);
    }
    if (req.method === 'DELETE') {
      const had = await update<Overrides, boolean>(store(), THRESHOLDS_KEY, (cur) => {
        const next = { ...(cur ?? {}) };
        const existed = Object.hasOwn(next, m.name);
        delete next[m.name];
        return { value: next, result: existed };
      });
      logJson({ event: 'thresholds-deleted', monitor: m.name, existed: had });
      return json(200, { monitor: m.name, override: null, removed: had }, NO_STORE);
    }
    const schema = schemaOfType(m.type);
    const expect = schema && expectSchemaOf(schema);
    if (!expect) throw new Reject(400, `expect: a ${m.type} monitor has no thresholds`, { path: 'expect', reason: 'no thresholds' });
    const body = await bodyJson(req);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Reject(400, 'body: must be a JSON object {"expect": {...}, "by": "..."}', { path: 'body', reason: 'not an object' });
    const { expect: raw, by, ...other } = body as { expect?: unknown; by?: unknown };
    const stray = Object.keys(other)[0];
    if (stray !== undefined) throw new Reject(400, `${stray.slice(0, 50)}: unknown key (send expect and by)`, { path: stray.slice(0, 50), reason: 'unknown key' });
    if (by !== undefined && (typeof by !== 'string' || by.length === 0 || by.length > 100)) throw new Reject(400, 'by: must be text of 1 to 100 characters', { path: 'by', reason: 'must be text of 1 to 100 characters' });
    const checked = checkExpect(expect, raw);
    if (!checked.ok) throw new Reject(400, `${checked.path}: ${checked.reason}`, { path: checked.path, reason: checked.reason });
    const override: ThresholdOverride = { expect: raw as Record<string, unknown>, by: (by as string | undefined) ?? req.remoteAddress ?? 'admin', at: new Date(now).toISOString() };
    await update<Overrides, void>(store(), THRESHOLDS_KEY, (cur) => ({ value: { ...(cur ?? {}), [m.name]: override }, result: undefined }));
    logJson({ event: 'thresholds-set', monitor: m.name, by: override.by, keys: Object.keys(override.expect) });
    return json(200, { monitor: m.name, override, appliesFrom: 'the next run' }, NO_STORE);
  }

  if (b === 'cleanup' && c === undefined) {
    methods(req, ['POST']);
    authorize(req, config, 'admin');
    const dropped = await cleanupHistory(store(), config.monitors.map((m) => m.name), now, retention);
    logJson({ event: 'history-cleanup', dropped });
    return json(200, { dropped, before: new Date(now - retention).toISOString() }, NO_STORE);
  }

  throw new Reject(404, 'no such endpoint: see /api/monitors, /api/history/<monitor>, /api/thresholds/<monitor>, /api/cleanup');
}

export async function handleApi(event: unknown, opts: ApiOptions = {}): Promise<HttpAnswer> {
  if (!isHttpEvent(event)) return error(400, 'not a function URL request: expected httpMethod and path');
  const req = requestOf(event);
  const config = httpFunctionConfig(apiDef, opts);
  if ('statusCode' in config) return config;
  const now = opts.now?.() ?? Date.now();
  try {
    return await route(req, config, () => opts.store ?? processStore(config), now);
  } catch (err) {
    if (err instanceof Reject) {
      logJson({ event: 'api-rejected', method: req.method, path: req.path.slice(0, 200), status: err.status, reason: err.message });
      return json(err.status, { error: err.message, ...err.extra }, err.headers);
    }
    logJson({ event: 'api-error', method: req.method, path: req.path.slice(0, 200), message: String((err as Error)?.message).slice(0, 300) });
    return error(500, 'the api could not answer (see its log)');
  }
}

/** What `functions/api.ts` exports as `main_handler`. */
export function createApiHandler() {
  return (event: unknown): Promise<HttpAnswer> => handleApi(event);
}
