/**
 * Pings and host reports through the ingest function, served on 127.0.0.1 as function URL
 * events (the same adapter SCF's requests go through), then heartbeatCheck through its real
 * handler on the same file store, with an injected clock: a late check is found within one
 * timer period after period plus grace, alerts through a WeCom stand-in, and resolves.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { HTTP_FUNCTIONS, runFunction } from '../lib/functions';
import { closeProcessStores } from '../lib/runtime/process-store';
import { flushLog, setLogSink } from '../lib/report/log';
import { serveHttp } from '../lib/runtime/serve';
import { wecomStandIn, type WecomStandIn } from './support/wecom';

const TOKEN = 'ingest-token-7f3a91';
const JOB_TOKEN = 'job-token-c0ffee42';
const T0 = Date.parse('2026-12-01T00:00:00Z');

let dir: string;
let configPath: string;
let server: Server;
let base: string;
let now = T0;
let wecom: WecomStandIn;
const logs: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-ingest-'));
  wecom = await wecomStandIn('hb-key-1');
  configPath = join(dir, 'monitors.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      state: { type: 'file', path: join(dir, 'state') },
      ingest: { token: TOKEN, rateLimitPerMinute: 5, keepBodyBytes: 64, maxBodyBytes: 4096 },
      channels: { ops: { type: 'wecom', webhook: wecom.webhook, timeoutMs: 3000 } },
      alerts: { channels: ['ops'] },
      monitors: [
        { name: 'backup', type: 'heartbeat', period: '10m', grace: '2m' },
        { name: 'own-token', type: 'heartbeat', period: '1h', token: JOB_TOKEN },
        { name: 'other', type: 'heartbeat', period: '1h' },
        { name: 'web-01', type: 'host', interval: '30s', tolerance: '30s', expect: { maxCpu: 87, over: 2 } },
        { name: 'homepage', type: 'http', url: 'http://127.0.0.1:9/' },
      ],
    }),
  );
  setLogSink((line) => logs.push(line));
  ({ server, url: base } = await serveHttp(HTTP_FUNCTIONS.ingest({ configPath, now: () => now }), { port: 0 }));
});

after(async () => {
  await new Promise((r) => server.close(r));
  await closeProcessStores();
  await wecom.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(path: string, init: RequestInit & { token?: string | null } = {}) {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(`${base}${path}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, headers: res.headers };
}

const check = (at: number) => runFunction('heartbeatCheck', undefined, { time_limit_in_ms: 20_000 }, { configPath, now: () => at });

function stateFiles(): Record<string, string> {
  const d = join(dir, 'state');
  let names: string[] = [];
  try {
    names = readdirSync(d).filter((f) => f.endsWith('.json'));
  } catch {
    return {};
  }
  return Object.fromEntries(names.map((f) => [f, readFileSync(join(d, f), 'utf8')]));
}

describe('ingest', () => {
  test('a ping is taken, a job that stops pinging alerts within one run after period + grace, and resolves', async () => {
    now = T0;
    const r = await call('/ping/backup', { method: 'POST', body: 'backup done: 12 GB' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { ok: true, check: 'backup', kind: 'success' });

    const first = await check(T0 + 60_000);
    const rec = first.results.find((x) => x.monitor === 'backup')!;
    assert.equal(rec.ok, true);
    assert.equal(rec.heartbeat?.status, 'up');

    // Period 10 min + grace 2 min: still quiet at 11:59 after the ping, down at the run after 12:00.
    assert.equal((await check(T0 + 11 * 60_000 + 59_000)).results.find((x) => x.monitor === 'backup')!.ok, true);
    const late = await check(T0 + 12 * 60_000 + 30_000);
    const down = late.results.find((x) => x.monitor === 'backup')!;
    assert.equal(down.ok, false);
    assert.deepEqual(down.reasons.map((x) => x.code), ['HEARTBEAT_MISSED']);
    assert.deepEqual(late.alerts.filter((a) => a.monitor === 'backup').map((a) => a.kind), ['alert']);
    assert.ok(late.deliveries.some((d) => d.ok && d.monitors.includes('backup')));
    const sent = JSON.stringify(wecom.received.map((x) => x.json));
    assert.match(sent, /backup/);
    assert.match(sent, /HEARTBEAT_MISSED|last ping/);
    assert.doesNotMatch(sent, /成功率|success rate/, 'one judgment has no success rate to show');

    now = T0 + 13 * 60_000;
    assert.equal((await call('/ping/backup')).status, 200);
    const back = await check(T0 + 13 * 60_000 + 30_000);
    assert.equal(back.results.find((x) => x.monitor === 'backup')!.ok, true);
    assert.deepEqual(back.alerts.filter((a) => a.monitor === 'backup').map((a) => a.kind), ['resolved']);
  });

  test('/fail with a body and an exit status alert with what the job said; /start then nothing is down after grace', async () => {
    now = T0 + 20 * 60_000;
    assert.equal((await call('/ping/backup/fail', { method: 'POST', body: 'rsync: connection unexpectedly closed' })).status, 200);
    const failed = await check(now + 1000);
    const rec = failed.results.find((x) => x.monitor === 'backup')!;
    assert.deepEqual(rec.reasons.map((x) => x.code), ['HEARTBEAT_FAILED']);
    assert.match(rec.reasons[0]!.message, /rsync: connection unexpectedly closed/);

    now += 60_000;
    const exit = await call('/ping/backup/2');
    assert.deepEqual(exit.json, { ok: true, check: 'backup', kind: 'fail' });
    assert.match((await check(now + 1000)).results.find((x) => x.monitor === 'backup')!.reasons[0]!.message, /exit status 2/);

    now += 60_000;
    assert.equal((await call('/ping/backup/0')).status, 200);
    now += 60_000;
    assert.equal((await call('/ping/backup/start')).status, 200);
    assert.equal((await check(now + 60_000)).results.find((x) => x.monitor === 'backup')!.ok, true);
    const stuck = (await check(now + 2 * 60_000 + 1000)).results.find((x) => x.monitor === 'backup')!;
    assert.match(stuck.reasons[0]!.message, /^started .* no success came within the grace/);
  });

  test('a check that never pinged is NO_DATA once period + grace pass after it was first seen', async () => {
    // First seen by the first run of this file (T0 + 1 min); period 1 h, grace 5 min.
    const t = T0 + 60_000;
    const seen = await check(t + 64 * 60_000);
    assert.equal(seen.results.find((x) => x.monitor === 'other')!.ok, true, 'quiet while it is new');
    const never = await check(t + 66 * 60_000);
    const rec = never.results.find((x) => x.monitor === 'other')!;
    assert.deepEqual(rec.reasons.map((x) => x.code), ['NO_DATA']);
    assert.equal(rec.heartbeat?.status, 'never');
  });

  test('host reports: a cpu over its limit in two reports in a row is a problem; silence is unreachable', async () => {
    const t = T0 + 200 * 60_000;
    const post = (cpu: number, at: number) => {
      now = at;
      return call('/report/web-01', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cpu, memory: 40.52, disk: 9.4, network_recv: at, network_sent: 1 }) });
    };
    assert.equal((await post(20, t)).status, 200);
    assert.equal((await post(95, t + 30_000)).status, 200);
    assert.equal((await check(t + 31_000)).results.find((x) => x.monitor === 'web-01')!.ok, true, 'one spike is no alert');
    assert.equal((await post(96, t + 60_000)).status, 200);
    const busy = (await check(t + 61_000)).results.find((x) => x.monitor === 'web-01')!;
    assert.deepEqual(busy.reasons.map((x) => x.code), ['HOST_THRESHOLD']);
    assert.equal(busy.host?.status, 'problem');
    assert.equal(busy.host?.cpu, 96);
    const gone = (await check(t + 60_000 + 61_000)).results.find((x) => x.monitor === 'web-01')!;
    assert.deepEqual(gone.reasons.map((x) => x.code), ['HOST_UNREACHABLE']);
    assert.equal(gone.host?.status, 'unreachable');
  });

  test('bad input gets a clear 4xx, stores nothing, and leaves the other checks alone', async () => {
    now = T0 + 300 * 60_000;
    const stored = stateFiles();
    const cases: [string, Parameters<typeof call>[1], number, RegExp][] = [
      ['/ping/nosuch', {}, 404, /no heartbeat check named nosuch/],
      ['/ping/backup', { token: 'wrong' }, 401, /wrong token/],
      ['/ping/backup', { token: null }, 401, /a token is required/],
      ['/ping/own-token', {}, 401, /wrong token/],
      ['/ping/backup', { method: 'PUT' }, 405, /pings take GET, POST or HEAD/],
      ['/report/web-01', { method: 'GET' }, 405, /reports take POST/],
      ['/ping/backup/bogus', {}, 404, /start, fail or an exit status/],
      ['/ping/backup/256', {}, 404, /exit status from 0 to 255/],
      ['/ping/a%00b', {}, 400, /letters, digits/],
      ['/ping/%E0%A4%A', {}, 400, /percent-encoding/],
      ['/ping/..%2Fstate', {}, 400, /letters, digits/],
      ['/nothing/here', {}, 404, /no such endpoint/],
      ['/ping/backup', { method: 'POST', body: 'x'.repeat(5000) }, 413, /larger than 4096 bytes/],
      ['/report/web-01', { method: 'POST', body: '{"cpu": 1,' }, 400, /not JSON/],
      ['/report/web-01', { method: 'POST', body: '{"cpu": "high", "memory": 1, "disk": 1, "network_recv": 1, "network_sent": 1}' }, 400, /^cpu: must be a number$/],
      ['/report/web-01', { method: 'POST', body: '{"cpu": -1, "memory": 1, "disk": 1, "network_recv": 1, "network_sent": 1}' }, 400, /^cpu: must be at least 0$/],
      ['/report/web-01', { method: 'POST', body: '{"cpu": 1, "memory": 101, "disk": 1, "network_recv": 1, "network_sent": 1}' }, 400, /^memory: must be at most 100$/],
      ['/report/web-01', { method: 'POST', body: '{"cpu": 1, "memory": 1, "disk": 1, "network_recv": 1, "network_sent": 1, "extra": 1}' }, 400, /^extra: unknown key$/],
      ['/report/web-01', { method: 'POST', body: '[1,2]' }, 400, /must be a JSON object/],
      ['/report/web-01', { method: 'POST', body: '{"memory": 1, "disk": 1, "network_recv": 1, "network_sent": 1}' }, 400, /^cpu: is required$/],
    ];
    for (const [path, init, status, message] of cases) {
      const r = await call(path, init);
      assert.equal(r.status, status, `${path} ${init?.method ?? 'GET'}: ${r.text}`);
      assert.match(String(r.json?.error), message, path);
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    }
    const big = await fetch(`${base}/report/web-01`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: Buffer.alloc(1024 * 1024, 0x61) });
    assert.equal(big.status, 413);
    assert.deepEqual(stateFiles(), stored, 'nothing was stored');
    // The check's own token works; ?token= works; HEAD answers with no body.
    assert.equal((await call('/ping/own-token', { token: JOB_TOKEN })).status, 200);
    assert.equal((await call(`/ping/other?token=${TOKEN}`, { token: null })).status, 200);
    const head = await call('/ping/other', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
  });

  test('a flood from one client gets 429 after the limit; another check is unaffected', async () => {
    now = T0 + 400 * 60_000;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call('/ping/backup')).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    const limited = await call('/ping/backup');
    assert.equal(limited.headers.get('retry-after'), '60');
    assert.equal((await call('/ping/other')).status, 200);
    now += 61_000;
    assert.equal((await call('/ping/backup')).status, 200, 'a minute later it is taken again');
  });

  test('tokens are never logged; a body only as the kept part, in the record that quotes it', async () => {
    now = T0 + 500 * 60_000;
    const long = `error: ${'x'.repeat(900)}END`;
    assert.equal((await call('/ping/own-token/1', { token: JOB_TOKEN, method: 'POST', body: long })).status, 200);
    const rec = (await check(now + 1000)).results.find((x) => x.monitor === 'own-token')!;
    assert.match(rec.reasons[0]!.message, /error: x+$/);
    assert.ok(rec.reasons[0]!.message.length < 200, 'cut to keepBodyBytes (64)');
    const all = logs.join('');
    assert.ok(all.includes('"event":"ingest-rejected"'), 'rejections are logged');
    assert.ok(all.includes('"event":"ping"'), 'pings are logged');
    for (const secret of [TOKEN, JOB_TOKEN, 'END', 'backup done: 12 GB']) assert.equal(all.includes(secret), false, `the log holds ${secret}`);
    const ingestLines = all.split('\n').filter((l) => /"event":"(ping|ingest-rejected)"/.test(l));
    assert.equal(ingestLines.some((l) => l.includes('rsync')), false, "ingest's own lines carry no body");
  });
});

describe('an HTTP function whose config does not validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-badconfig-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('answers 500 naming itself, and the reason goes to the log only', async () => {
    const configPath = join(dir, 'monitors.yaml');
    writeFileSync(configPath, 'concurrency: many\nmonitors:\n  - name: job\n    type: heartbeat\n    period: 1m\n');
    const lines: string[] = [];
    setLogSink((text) => lines.push(text));
    try {
      for (const name of ['ingest', 'api'] as const) {
        const answer = await HTTP_FUNCTIONS[name]({ configPath })({ httpMethod: 'GET', path: '/ping/job', headers: {}, queryString: {}, body: '' });
        assert.equal(answer.statusCode, 500);
        assert.deepEqual(JSON.parse(answer.body), { error: `the ${name} function has a configuration error (see its log)` });
        assert.ok(!answer.body.includes('concurrency'), 'the reason is not told to the caller');
        flushLog();
        const logged = lines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; message: string });
        const entry = logged.find((l) => l.event === `${name}-config-error`);
        assert.ok(entry && entry.message.includes('concurrency'), `${name}: the log says what is wrong: ${JSON.stringify(logged)}`);
      }
    } finally {
      setLogSink((text) => process.stdout.write(text));
    }
  });
});
