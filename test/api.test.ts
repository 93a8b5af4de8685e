/**
 * The api function through serve on 127.0.0.1, on the history real runs wrote: statusCheck runs
 * through its handler against loopback targets, then every endpoint is asked what it saw,
 * including the bad input the issue lists (404, 400 with path and reason, 401, escaping).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { closeProcessStores } from '../lib/runtime/process-store';
import { TYPE_SCHEMAS } from '../lib/api/schemas';
import { renderStatus } from '../lib/api/status';
import { HTTP_FUNCTIONS, MONITOR_TYPE_NAMES, runFunction } from '../lib/functions';
import { historyWrites } from '../lib/history/store';
import { setLogSink } from '../lib/report/log';
import type { ResultRecord } from '../lib/report/record';
import { serveHttp } from '../lib/runtime/serve';
import { FileStore } from '../lib/state/file';
import { closedPort, httpServer, type Running } from '../dev/standins/servers';
import { wecomStandIn, type WecomStandIn } from './support/wecom';

const READ = 'read-token-5d1e0c';
const ADMIN = 'admin-token-9b77aa';
const XSS = '<script>alert(1)</script>';

let dir: string;
let configPath: string;
let server: Server;
let base: string;
let target: Running;
let wecom: WecomStandIn;
const logs: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-api-'));
  target = await httpServer((_req, res) => res.end('ok'));
  wecom = await wecomStandIn('api-key-1');
  configPath = join(dir, 'monitors.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      state: { type: 'file', path: join(dir, 'state') },
      api: { readToken: READ, adminToken: ADMIN, title: 'Ops <status>' },
      channels: { ops: { type: 'wecom', webhook: wecom.webhook, timeoutMs: 3000 } },
      alerts: { channels: ['ops'] },
      monitors: [
        { name: 'homepage', type: 'http', url: target.url('/'), samples: 3, intervalMs: 0 },
        { name: XSS, type: 'tcp', host: '127.0.0.1', port: await closedPort(), samples: 1, attempts: 1 },
        { name: 'backup', type: 'heartbeat', period: '10m' },
      ],
    }),
  );
  setLogSink((line) => logs.push(line));
  ({ server, url: base } = await serveHttp(HTTP_FUNCTIONS.api({ configPath }), { port: 0 }));
});

after(async () => {
  await new Promise((r) => server.close(r));
  await closeProcessStores();
  await target.close();
  await wecom.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(path: string, init: RequestInit & { token?: string | null } = {}) {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? READ : init.token;
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(`${base}${path}`, { ...init, headers });
  const text = await res.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: res.status, text, json: body, headers: res.headers };
}

const run = () => runFunction('statusCheck', undefined, { time_limit_in_ms: 20_000 }, { configPath });
const enc = encodeURIComponent;

describe('api', () => {
  test('a run writes history: /api/history gives the seed arrays beside date, ?format=points the points', async () => {
    const summary = await run();
    assert.equal(summary.historyError, undefined);
    const r = await call('/api/history/homepage?minutes=10');
    assert.equal(r.status, 200, r.text);
    const h = r.json as Record<string, unknown[]>;
    assert.equal(h.date!.length, 1);
    assert.match(String(h.date![0]), /^\d\d:\d\d$/);
    assert.deepEqual(h.ok, [true]);
    assert.deepEqual(h.samples, [3]);
    assert.equal(typeof h.ms![0], 'number');
    assert.equal(typeof h.connectMs![0], 'number', 'phase times are arrays of their own');
    for (const k of ['ok', 'ms', 'p95', 'successRate', 'reasons', 'connectMs']) assert.equal(h[k]!.length, h.date!.length, k);
    const p = await call('/api/history/homepage?minutes=10&format=points');
    const points = p.json!.points as Record<string, unknown>[];
    assert.equal(points.length, 1);
    assert.equal(points[0]!.f, 'statusCheck');
    assert.equal(points[0]!.ok, true);
    const bad = await call(`/api/history/${enc(XSS)}?format=points`);
    assert.deepEqual((bad.json!.points as { r: string[] }[])[0]!.r, ['CONNECT_REFUSED']);
  });

  test('/api/monitors: state, last result and the open incident of each monitor', async () => {
    const r = await call('/api/monitors');
    assert.equal(r.status, 200, r.text);
    const ms = r.json!.monitors as { name: string; state: string; lastResult: { ok: boolean } | null; incidents: { reasons: { code: string }[] }[] }[];
    const home = ms.find((m) => m.name === 'homepage')!;
    assert.equal(home.state, 'up');
    assert.equal(home.lastResult?.ok, true);
    assert.deepEqual(home.incidents, []);
    const x = ms.find((m) => m.name === XSS)!;
    assert.equal(x.state, 'down');
    assert.deepEqual(x.incidents[0]!.reasons.map((c) => c.code), ['CONNECT_REFUSED']);
    assert.equal(ms.find((m) => m.name === 'backup')!.state, 'unknown', 'never ran: no data');
  });

  test('tokens: reads need the read (or admin) token, writes the admin token; 401 either way, nothing printed', async () => {
    assert.equal((await call('/api/monitors', { token: null })).status, 401);
    assert.equal((await call('/api/monitors', { token: 'nope' })).status, 401);
    assert.equal((await call('/status', { token: null })).status, 401);
    assert.equal((await call('/metrics', { token: 'nope' })).status, 401);
    assert.equal((await call('/api/monitors', { token: ADMIN })).status, 200);
    assert.equal((await call(`/api/monitors?token=${READ}`, { token: null })).status, 200);
    const put = (token: string | null) => call('/api/thresholds/homepage', { method: 'PUT', token, body: JSON.stringify({ expect: { maxMeanMs: 100 } }) });
    assert.equal((await put(null)).status, 401);
    assert.equal((await put(READ)).status, 401, 'the read token does not write');
    assert.equal((await call('/api/cleanup', { method: 'POST', token: READ })).status, 401);
    const all = logs.join('\n');
    assert.ok(!all.includes(READ) && !all.includes(ADMIN), 'no token in the log');
  });

  test('thresholds: a bad update is 400 with path and reason and stores nothing; a good one applies from the next run; DELETE returns to the config', async () => {
    const get = async () => (await call('/api/thresholds/homepage')).json!;
    assert.deepEqual(await get(), { monitor: 'homepage', type: 'http', config: {}, override: null });
    const put = (body: unknown) => call('/api/thresholds/homepage', { method: 'PUT', token: ADMIN, body: JSON.stringify(body) });
    const low = await put({ expect: { maxMeanMs: 0 } });
    assert.equal(low.status, 400);
    assert.equal(low.json!.path, 'expect.maxMeanMs');
    assert.match(String(low.json!.reason), /at least 1/);
    const unknown = await put({ expect: { maxMeanMS: 10 } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json!.path, 'expect.maxMeanMS');
    assert.equal(unknown.json!.reason, 'unknown key');
    assert.match(String((await put({ expect: { status: 'teapot' } })).json!.path), /^expect\.status/);
    assert.equal((await put({ limits: {} })).status, 400);
    assert.equal((await call('/api/thresholds/homepage', { method: 'PUT', token: ADMIN, body: '{nope' })).status, 400);
    assert.equal((await call('/api/thresholds/backup', { method: 'PUT', token: ADMIN, body: JSON.stringify({ expect: { x: 1 } }) })).status, 400, 'a heartbeat has no thresholds');
    assert.equal((await get()).override, null, 'nothing stored by the bad updates');

    const ok = await put({ expect: { status: '4xx' }, by: 'alice' });
    assert.equal(ok.status, 200, ok.text);
    const stored = (await get()).override as { expect: unknown; by: string; at: string };
    assert.deepEqual(stored.expect, { status: '4xx' });
    assert.equal(stored.by, 'alice');
    assert.ok(Math.abs(Date.parse(stored.at) - Date.now()) < 60_000);

    const next = await run();
    const home = next.results.find((r) => r.monitor === 'homepage')!;
    assert.equal(home.ok, false, 'the override applied: 200 is not 4xx');
    assert.deepEqual(home.reasons.map((r) => r.code), ['HTTP_STATUS']);

    const del = await call('/api/thresholds/homepage', { method: 'DELETE', token: ADMIN });
    assert.equal(del.status, 200);
    assert.equal((await get()).override, null);
    assert.equal((await run()).results.find((r) => r.monitor === 'homepage')!.ok, true, 'back to the config: 200-399');
  });

  test('bad input: unknown monitor 404, minutes out of range 400, bad from/to 400, unknown endpoint 404, wrong method 405', async () => {
    for (const path of ['/api/history/nobody', '/api/thresholds/nobody', '/badge/nobody.svg']) assert.equal((await call(path)).status, 404, path);
    for (const q of ['minutes=0', 'minutes=2881', 'minutes=abc', 'minutes=-5', 'minutes=1.5']) {
      const r = await call(`/api/history/homepage?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.json!.path, 'minutes');
      assert.match(String(r.json!.error), /from 1 to 2880/);
    }
    assert.equal((await call('/api/history/homepage?from=yesterday')).json!.path, 'from');
    assert.equal((await call('/api/history/homepage?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z')).status, 400);
    assert.equal((await call('/api/history/homepage?minutes=5&from=2026-12-01T00:00:00Z')).status, 400);
    assert.equal((await call('/api/history/homepage?format=csv')).status, 400);
    assert.equal((await call('/api/history/homepage?tz=Mars/Base')).json!.path, 'tz');
    assert.equal((await call('/api/nothing')).status, 404);
    assert.equal((await call('/elsewhere')).status, 404);
    const m = await call('/api/monitors', { method: 'POST' });
    assert.equal(m.status, 405);
    assert.match(m.headers.get('allow') ?? '', /GET/);
    assert.equal((await call('/api/history/%E0%A4%A')).status, 400);
  });

  test('from/to: the window asked for, in the seed shape with dates across days', async () => {
    const from = new Date(Date.now() - 2 * 86_400_000 + 60_000).toISOString();
    const r = await call(`/api/history/homepage?from=${from}&to=${Date.now()}&tz=UTC`);
    assert.equal(r.status, 200, r.text);
    const h = r.json as { date: string[] };
    assert.ok(h.date.length >= 3, r.text);
    assert.match(h.date[0]!, /^\d\d-\d\d \d\d:\d\d$/);
  });

  test('/metrics: the Prometheus text format, every label escaped, the incident gauge', async () => {
    const r = await call('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(r.text, /^scf_monitor_up\{monitor="homepage",type="http",function="statusCheck"\} 1$/m);
    assert.match(r.text, /^scf_monitor_up\{monitor="<script>alert\(1\)<\/script>",type="tcp",function="statusCheck"\} 0$/m);
    assert.match(r.text, /^scf_monitor_incident_open\{monitor="<script>alert\(1\)<\/script>",type="tcp",function="statusCheck"\} 1$/m);
    assert.match(r.text, /^scf_monitor_phase_ms\{monitor="homepage",type="http",function="statusCheck",phase="connect"\} [\d.]+$/m);
    assert.match(r.text, /^# TYPE scf_monitor_response_p95_ms gauge$/m);
    for (const line of r.text.trimEnd().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+\{(\w+="(?:[^"\\]|\\.)*",?)+\} [-+\d.eInfNa]+)$/, line);
  });

  test('/badge: status and uptime badges, names escaped', async () => {
    const up = await call('/badge/homepage.svg');
    assert.equal(up.status, 200);
    assert.match(up.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    assert.match(up.text, />up</);
    const down = await call(`/badge/${enc(XSS)}.svg`);
    assert.match(down.text, />down</);
    assert.ok(!down.text.includes(XSS) && down.text.includes('&lt;script&gt;'));
    const u = await call('/badge/homepage.svg?kind=uptime&window=1h');
    assert.match(u.text, /uptime 1h/);
    assert.match(u.text, /\d+\.\d\d%/);
    assert.equal((await call('/badge/homepage.svg?window=3w')).status, 400);
    assert.equal((await call('/badge/homepage.png')).status, 404);
  });

  test('/status: one HTML page, names and reasons escaped, title escaped, zh-CN and en', async () => {
    const zh = await call('/status', { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    assert.equal(zh.status, 200);
    assert.match(zh.headers.get('content-type') ?? '', /^text\/html/);
    assert.ok(!zh.text.includes(XSS), 'the monitor name is not markup');
    assert.ok(zh.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(zh.text.includes('<title>Ops &lt;status&gt;</title>'));
    assert.match(zh.text, /正常/);
    assert.match(zh.text, /故障/);
    const en = await call('/status?lang=en', { headers: { 'accept-language': 'zh-CN' } });
    assert.match(en.text, /Open incidents/);
    assert.match(en.text, /CONNECT_REFUSED/);
    assert.equal((en.text.match(/<script>/g) ?? []).length, 1, 'only the page\'s own script');
    const viaQuery = await call(`/status?token=${READ}`, { token: null });
    assert.equal(viaQuery.status, 200);
    assert.ok(!viaQuery.text.includes(READ), 'the server never writes the token into the page');
  });

  test('POST /api/cleanup drops what is older than retention, and says how many', async () => {
    const store = new FileStore(join(dir, 'state'));
    const old = Date.now() - 3 * 86_400_000;
    const record = { timestamp: new Date(old).toISOString(), function: 'statusCheck', monitor: 'homepage', type: 'http', target: 'x', ok: true, reasons: [], stats: { samples: 1, successes: 1, successRate: 1, meanMs: 5 }, hostList: [], durationMs: 1, samples: [] } as ResultRecord;
    await store.addPoints(historyWrites([record], []), 0);
    const before = await call(`/api/history/homepage?from=${old - 1}&to=${old + 1}&format=points`);
    assert.equal((before.json!.points as unknown[]).length, 1);
    const r = await call('/api/cleanup', { method: 'POST', token: ADMIN });
    assert.equal(r.status, 200, r.text);
    assert.ok((r.json!.dropped as number) >= 1);
    const gone = await call(`/api/history/homepage?from=${old - 1}&to=${old + 1}&format=points`);
    assert.deepEqual(gone.json!.points, []);
    assert.ok(((await call('/api/history/homepage?minutes=60&format=points')).json!.points as unknown[]).length >= 1, 'recent points stay');
  });

  test('the page for 100 monitors over 24 h of 1-minute runs stays under 50 KB', () => {
    const now = Date.now();
    const views = Array.from({ length: 100 }, (_, i) => ({
      monitor: { name: `service-${i}.example.com`, type: 'http', tags: [], enabled: true },
      points: Array.from({ length: 1440 }, (_, j) => ({ at: now - j * 60_000, f: 'statusCheck', ok: j % 97 !== 0, sr: 1, n: 10, ms: 50 + ((i * j) % 200) })).reverse(),
      incidents: [],
    }));
    const html = renderStatus({ title: 'scf-monitor', locale: 'zh-CN', now, timeZone: 'Asia/Shanghai', retentionMs: 2 * 86_400_000, views, notices: [] });
    assert.ok(Buffer.byteLength(html) < 50 * 1024, `${Buffer.byteLength(html)} bytes`);
    assert.equal((html.match(/data-p="[^"]{200}"/g) ?? []).length, 100, 'every monitor has its 200-point chart');
  });

  test('history that cannot be written leaves the run standing, said in the summary and the log', async () => {
    const blocker = join(dir, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const path = join(dir, 'broken.json');
    writeFileSync(path, JSON.stringify({ state: { type: 'file', path: join(blocker, 'state') }, monitors: [{ name: 'homepage', type: 'http', url: target.url('/'), samples: 1 }] }));
    const summary = await runFunction('statusCheck', undefined, { time_limit_in_ms: 20_000 }, { configPath: path });
    assert.equal(summary.ok, true);
    assert.match(summary.historyError ?? '', /not-a-directory/);
    assert.ok(logs.some((l) => l.includes('"event":"history-error"')));
  });

  test('overrides at run time: only the keys sent are merged, parsed as the config would be; one the schema no longer takes is refused, not run', async () => {
    const { applyOverrides } = await import('../lib/history/thresholds');
    const { schemaOfType } = await import('../lib/api/schemas');
    const m = { name: 'w', type: 'http', tags: [], enabled: true, expect: { status: [[200, 399]], minSuccessRate: 0.9, maxMeanMs: 5000 } };
    const now = new Date().toISOString();
    const out = applyOverrides([m, { ...m, name: 'v' }, { ...m, name: 'hb', type: 'heartbeat' }], {
      w: { expect: { status: '2xx' }, by: 'a', at: now },
      v: { expect: { maxMeanMs: -1 }, by: 'a', at: now },
      hb: { expect: { x: 1 }, by: 'a', at: now },
    }, schemaOfType);
    assert.deepEqual((out.monitors[0] as typeof m).expect, { status: [[200, 299]], minSuccessRate: 0.9, maxMeanMs: 5000 });
    assert.deepEqual((out.monitors[1] as typeof m).expect, m.expect);
    assert.deepEqual(out.applied, ['w']);
    assert.deepEqual(out.refused.map((r) => r.monitor), ['v', 'hb']);
    assert.match(out.refused[0]!.reason, /^expect\.maxMeanMs: /);
  });

  test('lib/api/schemas.ts lists every monitor type of the catalog', () => {
    assert.deepEqual(TYPE_SCHEMAS.map((s) => s.entries.type.literal).sort(), [...MONITOR_TYPE_NAMES].sort());
  });
});

describe('the Grafana dashboard in the repository', () => {
  test('is JSON, and every metric it queries is one the api and the push expose', async () => {
    const { readFileSync } = await import('node:fs');
    const { renderMetrics } = await import('../lib/history/metrics');
    const dash = JSON.parse(readFileSync(join(__dirname, '..', 'deploy', 'grafana', 'scf-monitor-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
    const used = new Set(exprs.flatMap((e) => e.match(/scf_monitor_\w+/g) ?? []));
    assert.ok(used.size >= 8, [...used].join(' '));
    const every = renderMetrics([{ monitor: 'm', type: 'ckafka', incidentOpen: true, point: { at: 1, f: 'kafkaLag', ok: true, sr: 1, n: 1, ms: 1, p95: 1, ph: { dns: 1 }, lag: 1, fail: 0, nodes: 3, s: 'g' } }]);
    const exposed = new Set(every.match(/^scf_monitor_\w+/gm));
    for (const name of used) assert.ok(exposed.has(name), `${name} is queried but never exposed`);
  });
});
