/**
 * npm run bench:history: the budgets of issue 16, measured, never asserted.
 *   - what writing history adds to a run of 100 monitors (points built + one store request),
 *     on a real redis-server on loopback and on the file store;
 *   - GET /api/history for 24 h of a 1-minute monitor (1440 points), through the handler;
 *   - the status page for 100 monitors over 24 h of 1-minute runs: render time and size, and
 *     the whole request with the store reads;
 *   - Redis memory per monitor per day (MEMORY USAGE of a day's sorted set).
 * Prints a markdown table on stdout; progress on stderr.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleApi } from '../lib/api/handler';
import { monitorViews } from '../lib/api/data';
import { renderStatus } from '../lib/api/status';
import { MONITOR_TYPE_NAMES } from '../lib/functions';
import { pointOf } from '../lib/history/point';
import { historyWrites, writeHistory } from '../lib/history/store';
import { loadConfig } from '../lib/config/load';
import { functionSchema } from '../lib/runtime/config';
import { apiDef } from '../lib/api/handler';
import { setLogSink } from '../lib/report/log';
import type { ResultRecord } from '../lib/report/record';
import { FileStore } from '../lib/state/file';
import { RedisStore } from '../lib/state/redis';
import type { StateStore } from '../lib/state/types';
import { startRedis } from '../test/support/redis';
import { median, ms, percentile, say, type Row } from './util';

const MONITORS = 100;
const DAY = 1440;
const REPS = 31;

function record(i: number, at: number, ok = true): ResultRecord {
  const sample = (k: number) => ({ ok, attempts: 1, statusCode: 200, timings: { dnsMs: 1.2 + k / 10, connectMs: 3.4, tlsMs: 12.5, ttfbMs: 40 + (i % 20), downloadMs: 2.1, totalMs: 60 } });
  return {
    timestamp: new Date(at).toISOString(),
    function: 'statusCheck',
    monitor: `service-${i}.example.com`,
    type: 'http',
    target: `https://service-${i}.example.com/health`,
    ok,
    reasons: ok ? [] : [{ code: 'HTTP_STATUS', message: '3 of 10 samples: status 502' }],
    stats: { samples: 10, successes: ok ? 10 : 7, successRate: ok ? 1 : 0.7, meanMs: 60.4 + (i % 30), stdMs: 3.1, p95Ms: 71.2 + (i % 30) },
    hostList: ['10.0.0.1'],
    durationMs: 900,
    samples: Array.from({ length: 10 }, (_, k) => sample(k)),
  };
}

async function time(fn: () => Promise<unknown>, reps = REPS): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const fmt = (xs: number[]) => `${ms(median(xs), 2)} (p90 ${ms(percentile(xs, 90), 2)})`;

async function main() {
  setLogSink(() => {});
  const rows: Row[] = [];
  const redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-bench-history-'));
  const stores: StateStore[] = [];
  try {
    const redisStore = new RedisStore({ type: 'redis', url: redis.url, keyPrefix: 'bench:', connectTimeoutMs: 2000 });
    const fileStore = new FileStore(join(dir, 'state'));
    stores.push(redisStore, fileStore);
    const now = Date.now();

    say('history write, 100 monitors');
    const records = Array.from({ length: MONITORS }, (_, i) => record(i, now, i % 10 !== 0));
    const build = await time(async () => historyWrites(records, []));
    rows.push({ what: 'history write, 100 monitors: building the points (CPU)', measured: fmt(build) });
    await redisStore.get('warm-up');
    // One run a minute: every record of a run carries the run's minute.
    const runAt = (t: number) => records.map((r) => ({ ...r, timestamp: new Date(t).toISOString() }));
    let t = now;
    const redisWrite = await time(() => {
      const batch = runAt((t += 60_000));
      return writeHistory(redisStore, batch, [], t, 2 * 86_400_000);
    });
    rows.push({ what: 'history write, 100 monitors, Redis on loopback (points built + one script: ZADD, trim, PEXPIRE per monitor)', measured: fmt(redisWrite), budget: '≤ 2 ms', over: median(redisWrite) > 2 });
    t = now;
    const fileWrite = await time(() => {
      const batch = runAt((t += 60_000));
      return writeHistory(fileStore, batch, [], t, 2 * 86_400_000);
    });
    rows.push({ what: 'history write, 100 monitors, file store (one append per monitor, no fsync)', measured: fmt(fileWrite), budget: '≤ 2 ms', over: median(fileWrite) > 2, note: 'the embedded store; SCF deployments use Redis. A new hour creates 100 files: that run pays ~100 ms on ext4' });

    say('24 h of 100 1-minute monitors');
    const start = now - DAY * 60_000;
    for (const store of [redisStore, fileStore]) {
      for (let j = 0; j < DAY; j += 60) {
        const batch: ResultRecord[] = [];
        for (let k = j; k < Math.min(DAY, j + 60); k++) for (let i = 0; i < MONITORS; i++) batch.push(record(i, start + k * 60_000, (k + i) % 211 !== 0));
        await store.addPoints(historyWrites(batch, []), 0);
      }
    }

    const configFor = (state: object) => {
      const path = join(dir, `c-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(path, JSON.stringify({ state, history: { retention: '2d' }, monitors: Array.from({ length: MONITORS }, (_, i) => ({ name: `service-${i}.example.com`, type: 'http', url: `https://service-${i}.example.com/health` })) }));
      return path;
    };
    const redisConfig = configFor({ type: 'redis', url: redis.url, keyPrefix: 'bench:' });
    const fileConfig = configFor({ type: 'file', path: join(dir, 'state') });
    const get = (path: string, configPath: string, store: StateStore) =>
      handleApi({ httpMethod: 'GET', path, queryString: { minutes: '1440' }, headers: {} }, { configPath, store, allMonitorTypes: MONITOR_TYPE_NAMES, now: () => now });

    for (const [name, configPath, store] of [['Redis', redisConfig, redisStore], ['file store', fileConfig, fileStore]] as const) {
      const answer = await get('/api/history/service-7.example.com', configPath, store);
      const size = Buffer.byteLength(answer.body);
      const h = await time(() => get('/api/history/service-7.example.com', configPath, store));
      rows.push({ what: `GET /api/history/<m>?minutes=1440, 1440 points, ${name} (handler, config load included)`, measured: fmt(h), budget: '≤ 50 ms', over: median(h) > 50, note: `${(size / 1024).toFixed(1)} KiB of JSON, status ${answer.statusCode}` });
    }

    say('status page');
    const { config } = loadConfig(functionSchema(apiDef, MONITOR_TYPE_NAMES), { configPath: redisConfig });
    const views = await monitorViews(config, redisStore, now - 86_400_000, now);
    const render = await time(async () => renderStatus({ title: 'scf-monitor', locale: 'zh-CN', now, timeZone: 'Asia/Shanghai', retentionMs: 2 * 86_400_000, views, notices: [] }));
    const html = renderStatus({ title: 'scf-monitor', locale: 'zh-CN', now, timeZone: 'Asia/Shanghai', retentionMs: 2 * 86_400_000, views, notices: [] });
    rows.push({ what: 'status page, 100 monitors x 1440 points: render (points in hand)', measured: fmt(render), budget: '≤ 100 ms', over: median(render) > 100 });
    rows.push({ what: 'status page, 100 monitors: size', measured: `${Buffer.byteLength(html)} B (${(Buffer.byteLength(html) / 1024).toFixed(1)} KiB)`, budget: '≤ 50 KB', over: Buffer.byteLength(html) > 50 * 1024 });
    for (const [name, configPath, store] of [['Redis', redisConfig, redisStore], ['file store', fileConfig, fileStore]] as const) {
      const page = await time(() => get('/status', configPath, store), 11);
      rows.push({ what: `GET /status, 100 monitors x 1440 points, ${name}: the whole request (reads 144,000 points, renders)`, measured: fmt(page) });
    }
    const views100 = await time(() => monitorViews(config, redisStore, now - 86_400_000, now), 11);
    rows.push({ what: 'reading 100 monitors x 1440 points from Redis (the part of GET /status that is not rendering)', measured: fmt(views100) });

    say('redis memory');
    const { Redis } = await import('ioredis');
    const raw = new Redis(redis.url);
    const bytes = Number(await raw.call('MEMORY', 'USAGE', 'bench:history:service-7.example.com', 'SAMPLES', '0'));
    const count = await raw.zcard('bench:history:service-7.example.com');
    const member = (await raw.zrange('bench:history:service-7.example.com', '0', '0'))[0] ?? '';
    raw.disconnect();
    // The run-time writes above added a few points; per day is scaled from what the key holds.
    const perDay = (bytes / count) * DAY;
    rows.push({ what: 'Redis memory per monitor per day, 1-minute runs (MEMORY USAGE of the sorted set)', measured: `${(perDay / 1024).toFixed(0)} KiB`, note: `${count} points in ${(bytes / 1024).toFixed(0)} KiB, ${(bytes / count).toFixed(0)} B a point; a member is ${member.length} B, e.g. ${member.slice(0, 120)}; x2 days of retention, x100 monitors: ${((perDay * 2 * 100) / 1048576).toFixed(1)} MiB` });
    const pt = JSON.stringify(pointOf(record(1, now)));
    rows.push({ what: 'one history point (http, 10 samples), JSON', measured: `${pt.length} B`, note: pt });
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write('| what | measured | budget | note |\n|---|---|---|---|\n');
  for (const r of rows) process.stdout.write(`| ${r.what} | ${r.measured} | ${r.budget ?? ''}${r.over ? ' **OVER**' : ''} | ${r.note ?? ''} |\n`);
}

void main();
