/**
 * Incidents and the durable outbox through processAlerts, on the real file store and a real
 * redis-server. The channel here is a programmable implementation of our own Channel
 * interface (it stands for no outside service: the real channels meet their stand-ins in
 * channels.test.ts and alert-faults.test.ts); it lets each delivery outcome be chosen exactly.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateFullConfig } from '../lib/functions';
import type { Config } from '../lib/config/schema';
import type { ChannelConfig } from '../lib/config/channel-base';
import { processAlerts, type AlertingSummary } from '../lib/alerting/process';
import { DeliveryError, type Channel, type Notice } from '../lib/alerting/types';
import { deadLetterKey, stateKey, type DeadLetter, type FunctionState } from '../lib/alerting/outbox';
import type { ResultRecord } from '../lib/report/record';
import { setLogSink } from '../lib/report/log';
import { FileStore } from '../lib/state/file';
import { RedisStore } from '../lib/state/redis';
import type { StateStore } from '../lib/state/types';
import { startRedis, type RunningRedis } from './support/redis';

type Behaviour = 'ok' | 'retry' | 'unknown' | 'permanent' | 'rate';

/** Records every send; `plan` says what each next send of a channel does (then 'ok'). */
class Recorder {
  sent: { channel: string; notices: Notice[]; note?: string }[] = [];
  plan = new Map<string, Behaviour[]>();
  loader = async (type: ChannelConfig['type']): Promise<Channel<ChannelConfig>> => ({
    type,
    send: async (cfg, notices, opts) => {
      const channel = (cfg as { webhook?: string }).webhook ?? 'email';
      const name = new URL(channel.startsWith('http') ? channel : 'http://x/email').pathname.slice(1);
      const next = this.plan.get(name)?.shift() ?? 'ok';
      if (next === 'retry') throw new DeliveryError('HTTP_500', `${name}: answered 500`, 'retry');
      if (next === 'rate') throw new DeliveryError('RATE_LIMITED', `${name}: rate limited`, 'retry', 50);
      if (next === 'permanent') throw new DeliveryError('REJECTED', `${name}: errcode 93000 invalid webhook`, 'permanent');
      this.sent.push({ channel: name, notices, ...(opts.note ? { note: opts.note } : {}) });
      if (next === 'unknown') throw new DeliveryError('TIMEOUT', `${name}: no answer`, 'unknown');
      return {};
    },
  });
  to(channel: string) {
    return this.sent.filter((s) => s.channel === channel);
  }
}

function config(extra: Record<string, unknown> = {}): Config {
  const { config, problems } = validateFullConfig({
    channels: {
      a: { type: 'wecom', webhook: 'http://127.0.0.1:9/a' },
      b: { type: 'wecom', webhook: 'http://127.0.0.1:9/b' },
      fb: { type: 'wecom', webhook: 'http://127.0.0.1:9/fb', locale: 'en' },
    },
    alerts: { channels: ['a', 'b'], fallback: 'fb', ...extra },
    monitors: [
      { name: 'web', type: 'http', url: 'http://127.0.0.1:9/' },
      { name: 'api', type: 'http', url: 'http://127.0.0.1:9/api' },
      { name: 'db', type: 'tcp', host: '127.0.0.1', port: 9, alert: { channels: ['b'] } },
    ],
  });
  assert.deepEqual(problems, []);
  return config!;
}

function result(monitor: string, ok: boolean, at: string): ResultRecord {
  return {
    timestamp: at,
    function: 'statusCheck',
    monitor,
    type: 'http',
    target: `http://127.0.0.1:9/${monitor}`,
    ok,
    reasons: ok ? [] : [{ code: 'HTTP_STATUS', message: 'answered 502 from 127.0.0.1, expected 200-399' }],
    stats: { samples: 10, successes: ok ? 10 : 0, successRate: ok ? 1 : 0 },
    hostList: ['127.0.0.1'],
    durationMs: 1,
    samples: [],
  };
}

const T0 = Date.parse('2026-11-22T06:00:00Z');
const minutes = (n: number) => T0 + n * 60_000;

/** One run's alerting at time `at`, with `budgetMs` of delivery time left. */
async function run(store: StateStore, rec: Recorder, cfg: Config, results: ResultRecord[], at: number, budgetMs = 20_000): Promise<AlertingSummary> {
  return processAlerts({
    fn: 'statusCheck',
    config: cfg,
    results,
    signal: new AbortController().signal,
    deadlineAt: Date.now() + budgetMs,
    loadChannel: rec.loader,
    store,
    now: () => at,
  });
}

const pending = async (store: StateStore) => (await store.get<FunctionState>(stateKey('statusCheck')))?.value.outbox ?? [];

function suite(name: string, space: () => () => Promise<StateStore>) {
  describe(name, () => {
    test('one alert per outage, grouped per channel; no repeat while failing; resolved on recovery', async () => {
      const store = await space()();
      const rec = new Recorder();
      const cfg = config();
      const down = [result('web', false, new Date(minutes(0)).toISOString()), result('api', false, new Date(minutes(0)).toISOString())];
      const s1 = await run(store, rec, cfg, down, minutes(0));
      assert.deepEqual(s1.alerts.map((a) => [a.monitor, a.kind]), [['web', 'alert'], ['api', 'alert']]);
      // Two monitors, one message per channel.
      assert.equal(rec.to('a').length, 1);
      assert.equal(rec.to('a')[0]!.notices.length, 2);
      assert.equal(rec.to('b').length, 1);
      assert.deepEqual(s1.deliveries.map((d) => [d.channel, d.ok, d.outcome]).sort(), [['a', true, 'delivered'], ['b', true, 'delivered']]);
      assert.deepEqual(await pending(store), []);

      const s2 = await run(store, rec, cfg, down.map((r) => ({ ...r, timestamp: new Date(minutes(5)).toISOString() })), minutes(5));
      assert.deepEqual(s2.alerts, []);
      assert.equal(rec.sent.length, 2);

      const up = [result('web', true, new Date(minutes(10)).toISOString()), result('api', false, new Date(minutes(10)).toISOString())];
      const s3 = await run(store, rec, cfg, up, minutes(10));
      assert.deepEqual(s3.alerts.map((a) => [a.monitor, a.kind, a.incidentId]), [['web', 'resolved', s1.alerts[0]!.incidentId]]);
      const resolved = rec.to('a')[1]!.notices[0]!;
      assert.equal(resolved.durationMs, 10 * 60_000);
      await store.close();
    });

    test('a channel that fails keeps its entry; the next run sends it first, merged with the new notices; the others deliver', async () => {
      const store = await space()();
      const rec = new Recorder();
      const cfg = config();
      // Every attempt of this run fails for b (more failures than the run's attempts).
      rec.plan.set('b', Array(10).fill('retry'));
      // 2.5 s of delivery time: room for two attempts with backoff, not five.
      const s1 = await run(store, rec, cfg, [result('web', false, new Date(minutes(0)).toISOString())], minutes(0), 2500);
      const b1 = s1.deliveries.find((d) => d.channel === 'b')!;
      assert.equal(b1.ok, false);
      assert.equal(b1.outcome, 'pending');
      assert.equal(b1.code, 'HTTP_500');
      assert.ok(b1.attempts >= 1 && b1.attempts <= 3, `attempts ${b1.attempts}`);
      assert.equal(rec.to('a').length, 1, 'a delivered regardless');
      const left = await pending(store);
      assert.equal(left.length, 1);
      assert.equal(left[0]!.channel, 'b');
      assert.equal(left[0]!.claim, undefined, 'the claim is released for the next run');

      rec.plan.set('b', []);
      const s2 = await run(store, rec, cfg, [result('api', false, new Date(minutes(5)).toISOString())], minutes(5));
      const b2 = s2.deliveries.find((d) => d.channel === 'b')!;
      assert.equal(b2.ok, true);
      assert.equal(b2.carriedOver, 1);
      const msg = rec.to('b')[0]!;
      assert.deepEqual(msg.notices.map((n) => n.monitor), ['web', 'api'], 'the older notice comes first');
      assert.deepEqual(await pending(store), []);
      // a got web once (run 1) and api once (run 2): confirmed deliveries never repeat.
      assert.deepEqual(rec.to('a').map((m) => m.notices.map((n) => n.monitor)), [['web'], ['api']]);
      await store.close();
    });

    test('an unknown outcome is retried (a duplicate beats a loss); a rate limit waits and retries', async () => {
      const store = await space()();
      const rec = new Recorder();
      rec.plan.set('a', ['unknown']);
      rec.plan.set('b', ['rate', 'rate']);
      const s = await run(store, rec, config(), [result('web', false, new Date(minutes(0)).toISOString())], minutes(0));
      assert.equal(rec.to('a').length, 2, 'sent twice: the first may or may not have arrived');
      assert.equal(s.deliveries.find((d) => d.channel === 'a')!.attempts, 2);
      assert.equal(s.deliveries.find((d) => d.channel === 'b')!.attempts, 3);
      assert.ok(s.deliveries.every((d) => d.ok));
      assert.deepEqual(await pending(store), []);
      await store.close();
    });

    test('a permanent failure goes to the dead-letter list and the fallback channel says so; no retry', async () => {
      const store = await space()();
      const rec = new Recorder();
      rec.plan.set('b', ['permanent', 'permanent']);
      const s = await run(store, rec, config(), [result('web', false, new Date(minutes(0)).toISOString())], minutes(0));
      const b = s.deliveries.find((d) => d.channel === 'b')!;
      assert.deepEqual([b.ok, b.outcome, b.code, b.attempts], [false, 'dead-letter', 'REJECTED', 1]);
      assert.equal(rec.to('a').length, 1);
      const fb = rec.to('fb');
      assert.equal(fb.length, 1);
      assert.match(fb[0]!.note!, /Channel b could not deliver/);
      assert.match(fb[0]!.note!, /REJECTED/);
      assert.equal(fb[0]!.notices[0]!.monitor, 'web');
      assert.equal(s.deliveries.find((d) => d.channel === 'fb')!.fallbackFor, 'b');
      assert.equal(s.deadLetters.length, 1);
      const letters = await store.list<DeadLetter>(deadLetterKey('statusCheck'));
      assert.equal(letters.length, 1);
      assert.equal(letters[0]!.entry.channel, 'b');
      assert.deepEqual(await pending(store), []);
      await store.close();
    });

    test('an entry older than deadLetterHours is not sent: dead-lettered and reported through the fallback', async () => {
      const store = await space()();
      const rec = new Recorder();
      rec.plan.set('a', Array(10).fill('retry'));
      const cfg = config({ deadLetterHours: 1 });
      await run(store, rec, cfg, [result('web', false, new Date(minutes(0)).toISOString())], minutes(0), 1200);
      assert.equal((await pending(store)).length, 1);
      rec.plan.set('a', []);
      const s = await run(store, rec, cfg, [], minutes(61));
      assert.equal(rec.to('a').length, 0, 'too old to send');
      assert.equal(s.deadLetters.length, 1);
      assert.match(s.deadLetters[0]!.reason, /undelivered for 1 h/);
      assert.equal(rec.to('fb').length, 1);
      assert.deepEqual(await pending(store), []);
      await store.close();
    });

    test('an entry claimed by a run still in progress is left alone', async () => {
      const store = await space()();
      const rec = new Recorder();
      rec.plan.set('a', Array(10).fill('retry'));
      const cfg = config();
      await run(store, rec, cfg, [result('web', false, new Date(minutes(0)).toISOString())], minutes(0), 1200);
      // Another run holds the entry until far in the future.
      const cur = (await store.get<FunctionState>(stateKey('statusCheck')))!;
      const held = { ...cur.value, outbox: cur.value.outbox.map((e) => ({ ...e, claim: { by: 'other-run', until: minutes(1000) } })) };
      assert.ok(await store.compareAndSet(stateKey('statusCheck'), cur.version, held));
      rec.plan.set('a', []);
      const s = await run(store, rec, cfg, [], minutes(5));
      assert.deepEqual(s.deliveries, []);
      assert.equal((await pending(store)).length, 1);
      await store.close();
    });

    test('a monitor taken out of the config leaves no state behind', async () => {
      const store = await space()();
      const rec = new Recorder();
      await run(store, rec, config(), [result('web', false, new Date(minutes(0)).toISOString())], minutes(0));
      const monitors = async () => Object.keys((await store.get<FunctionState>(stateKey('statusCheck')))!.value.monitors);
      assert.deepEqual(await monitors(), ['web']);
      const without = config();
      without.monitors = without.monitors.filter((m) => m.name !== 'web');
      await run(store, rec, without, [result('api', false, new Date(minutes(5)).toISOString())], minutes(5));
      assert.deepEqual(await monitors(), ['api']);
      await store.close();
    });

    test('two invocations racing on one transition: exactly one alert, delivered once per channel', async () => {
      const open = space();
      const stores = [await open(), await open()];
      const rec = new Recorder();
      const cfg = config();
      const at = new Date(minutes(0)).toISOString();
      const both = await Promise.all(stores.map((s) => run(s, rec, cfg, [result('web', false, at)], minutes(0))));
      assert.equal(both.flatMap((s) => s.alerts).length, 1);
      assert.equal(rec.to('a').length, 1);
      assert.equal(rec.to('b').length, 1);
      await Promise.all(stores.map((s) => s.close()));
    });
  });
}

let redis: RunningRedis;
const dirs: string[] = [];
let prefix = 0;
before(async () => {
  setLogSink(() => {});
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

suite('file store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scf-outbox-'));
  dirs.push(dir);
  return async () => new FileStore(dir);
});

suite('redis store', () => {
  const keyPrefix = `t${prefix++}:`;
  return async () => new RedisStore({ type: 'redis', url: redis.url, keyPrefix, connectTimeoutMs: 3000 });
});
