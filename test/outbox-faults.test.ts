/**
 * Fault injection into the outbox, through the real handler (`runFunction('statusCheck')`)
 * on the real file store and a real redis-server. A first healthy run counts the store writes
 * of a run and names the step each belongs to (incident + outbox add, expiry, claim, settle,
 * dead letter + fallback add, release). Then, for every write in turn, a fresh run makes that
 * one write fail once, in two ways: lost (nothing written) and ambiguous (written, but the
 * answer lost, as when Redis dies after executing). Two healthy runs follow. What must hold:
 * every notice was delivered or dead-lettered (and its fallback told), and reported in some
 * run's summary; nothing is left in the outbox; none vanished.
 *
 * The channel is a programmable implementation of our Channel interface (as in outbox.test.ts),
 * so each channel's outcome is exact: `a` delivers, `b` refuses for good, `fb` is the fallback.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFunction } from '../lib/functions';
import { AlertingFailedError } from '../lib/runtime/handler';
import { localContext, timerEvent } from '../lib/runtime/scf';
import { setLogSink } from '../lib/report/log';
import type { Summary } from '../lib/runtime/summary';
import type { ChannelConfig } from '../lib/config/channel-base';
import { DeliveryError, type Channel, type Notice } from '../lib/alerting/types';
import { deadLetterKey, stateKey, type DeadLetter, type FunctionState, type OutboxEntry } from '../lib/alerting/outbox';
import { FileStore } from '../lib/state/file';
import { RedisStore } from '../lib/state/redis';
import type { Append, StateStore, Versioned } from '../lib/state/types';
import { httpServer, type Running } from '../dev/standins/servers';
import { startRedis, type RunningRedis } from './support/redis';
import { PassThroughStore } from './support/pass-through-store';

type Mode = 'lost' | 'ambiguous';

/** Names a write by what it changes, so a report says which step of the run failed. */
function stepOf(before: FunctionState | undefined, after: FunctionState, appends: readonly Append[] | undefined): string {
  const letters = (appends ?? []).flatMap((a) => a.items as DeadLetter[]);
  if (letters.length) return letters.some((l) => l.reason.startsWith('undelivered')) ? 'claim + expiry (dead letter + fallback add)' : 'dead letter + fallback add';
  if (JSON.stringify(before?.monitors ?? {}) !== JSON.stringify(after.monitors)) return 'incident + outbox add';
  const claimed = (s: FunctionState | undefined) => (s?.outbox ?? []).filter((e) => e.claim).length;
  if (claimed(after) > claimed(before)) return 'claim';
  if (after.outbox.length < (before?.outbox.length ?? 0)) return 'settle (delivered)';
  if (after.outbox.some((e) => e.lastError && !before?.outbox.find((b) => b.id === e.id)?.lastError)) return 'settle (failed)';
  return 'release';
}

class FaultyStore extends PassThroughStore {
  writes: string[] = [];
  failAt: number | undefined;
  mode: Mode = 'lost';
  injected: string | undefined;
  private seen = new Map<string, unknown>();

  override async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const v = await this.inner.get<T>(key);
    if (v) this.seen.set(v.version, v.value);
    return v;
  }

  override async compareAndSet<T>(key: string, expected: string | undefined, value: T, appends?: readonly Append[], version?: string): Promise<boolean> {
    const step = key === stateKey('statusCheck') ? stepOf(expected ? (this.seen.get(expected) as FunctionState) : undefined, value as FunctionState, appends) : key;
    // A caller that chose the version may go on from this value without reading it back.
    if (version) this.seen.set(version, value);
    return this.write(step, () => this.inner.compareAndSet(key, expected, value, appends, version));
  }

  override append<T>(key: string, item: T, max: number): Promise<void> {
    return this.write(`append ${key}`, () => this.inner.append(key, item, max));
  }

  private async write<R>(step: string, op: () => Promise<R>): Promise<R> {
    this.writes.push(step);
    if (this.writes.length !== this.failAt) return op();
    this.injected = step;
    if (this.mode === 'lost') throw new Error(`injected: write ${this.failAt} (${step}) lost`);
    await op();
    throw new Error(`injected: write ${this.failAt} (${step}) done, answer lost`);
  }
}

/** `a` confirms, `b` refuses for good (a bad webhook), `fb` confirms. Records every confirmed send. */
/** The same faults, with version(): a run's later commits go on from the value it wrote (update()'s memo) instead of reading it back. */
class RememberingFaultyStore extends FaultyStore {
  version(key: string): Promise<string | undefined> {
    return this.inner.version!(key);
  }
}

class Recorder {
  sent: { channel: string; notices: Notice[]; note?: string }[] = [];
  loader = async (type: ChannelConfig['type']): Promise<Channel<ChannelConfig>> => ({
    type,
    send: async (cfg, notices, opts) => {
      const name = new URL((cfg as unknown as { webhook: string }).webhook).pathname.slice(1);
      if (name === 'b') throw new DeliveryError('REJECTED', 'b: errcode 93000 invalid webhook', 'permanent');
      this.sent.push({ channel: name, notices, ...(opts.note ? { note: opts.note } : {}) });
      return {};
    },
  });
}

let redis: RunningRedis;
let target: Running;
let dir: string;
let configPath: string;
const tally = new Map<string, { tried: number; held: number }>();
before(async () => {
  setLogSink(() => {});
  redis = await startRedis();
  target = await httpServer((_q, res) => res.writeHead(502).end('bad'));
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-outbox-faults-'));
  configPath = join(dir, 'monitors.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      // Only the store passed in is used; this one is never opened.
      state: { type: 'file', path: join(dir, 'unused') },
      channels: {
        a: { type: 'wecom', webhook: 'http://127.0.0.1:9/a' },
        b: { type: 'wecom', webhook: 'http://127.0.0.1:9/b' },
        fb: { type: 'wecom', webhook: 'http://127.0.0.1:9/fb' },
      },
      alerts: { channels: ['a', 'b'], fallback: 'fb', deadLetterHours: 1 },
      monitors: [{ name: 'web', type: 'http', url: target.url('/web'), samples: 1, attempts: 1, intervalMs: 0 }],
    }),
  );
});
after(async () => {
  setLogSink((line) => process.stdout.write(line));
  const rows = [...tally].map(([k, v]) => `#   ${k}: ${v.tried} tried / ${v.held} held`);
  process.stdout.write(`# outbox fault injection, per fault:\n${rows.join('\n')}\n`);
  await Promise.all([redis.stop(), target.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** An entry a previous run could not deliver for two hours: due to expire. */
function oldEntry(): OutboxEntry {
  const at = new Date(Date.now() - 2 * 3600_000).toISOString();
  return {
    id: randomUUID(),
    channel: 'a',
    createdAt: at,
    notices: [{ kind: 'alert', function: 'statusCheck', monitor: 'web', type: 'http', target: 'http://127.0.0.1/web', incidentId: 'OLD-0000', since: at, at, reasons: [{ code: 'HTTP_STATUS', message: 'answered 502' }] }],
    attempts: 4,
    lastError: { code: 'HTTP_500', message: 'a: answered 500', kind: 'retry' },
  };
}

interface Trial {
  writes: string[];
  injected?: string;
  summaries: Summary[];
  failed: boolean[];
  rec: Recorder;
  store: StateStore;
}

type Scenario = 'with an expired entry' | 'fresh';

async function trial(open: () => StateStore, scenario: Scenario, failAt: number | undefined, mode: Mode, remembering = false): Promise<Trial> {
  const store = open();
  if (scenario === 'with an expired entry') {
    assert.ok(await store.compareAndSet<FunctionState>(stateKey('statusCheck'), undefined, { monitors: {}, outbox: [oldEntry()] }));
  }
  const faulty = remembering ? new RememberingFaultyStore(store) : new FaultyStore(store);
  faulty.failAt = failAt;
  faulty.mode = mode;
  const rec = new Recorder();
  const summaries: Summary[] = [];
  const failed: boolean[] = [];
  let writes: string[] = [];
  for (let run = 0; run < 3; run++) {
    const s = await runFunction('statusCheck', timerEvent(), localContext('statusCheck', 10_000), { configPath, store: faulty, loadChannel: rec.loader }).then(
      (summary) => ({ summary, failed: false }),
      (err: unknown) => {
        if (err instanceof AlertingFailedError) return { summary: err.summary, failed: true };
        throw err;
      },
    );
    summaries.push(s.summary);
    failed.push(s.failed);
    if (run === 0) writes = [...faulty.writes];
    faulty.failAt = undefined;
  }
  return { writes, ...(faulty.injected ? { injected: faulty.injected } : {}), summaries, failed, rec, store };
}

/** Every notice delivered or dead-lettered (with its fallback told), and reported; nothing left. */
async function assertNoneVanished(t: Trial, scenario: Scenario, label: string): Promise<void> {
  const letters = await t.store.list<DeadLetter>(deadLetterKey('statusCheck'));
  const outbox = (await t.store.get<FunctionState>(stateKey('statusCheck')))!.value.outbox;
  assert.deepEqual(outbox, [], `${label}: nothing is left in the outbox`);
  const reported = (pred: (s: Summary) => boolean) => t.summaries.some(pred);
  const incident = t.summaries.flatMap((s) => s.alerts).find((a) => a.monitor === 'web')?.incidentId
    ?? t.rec.sent.find((s) => s.channel === 'a' && s.notices.some((n) => n.incidentId !== 'OLD-0000'))?.notices.find((n) => n.incidentId !== 'OLD-0000')?.incidentId;
  assert.ok(incident, `${label}: the outage's alert was made`);

  // The new alert to a: delivered, and reported as delivered.
  assert.ok(t.rec.sent.some((s) => s.channel === 'a' && s.notices.some((n) => n.incidentId === incident)), `${label}: a got the alert`);
  assert.ok(reported((s) => s.deliveries.some((d) => d.channel === 'a' && d.ok && d.monitors.includes('web'))), `${label}: a's delivery reported`);
  // The same alert to b (refused for good) and the expired entry: dead-lettered, reported, the fallback told.
  const given: [string, string, string][] = [['the alert to b', 'b', incident]];
  if (scenario === 'with an expired entry') given.push(['the expired entry', 'a', 'OLD-0000']);
  for (const [what, channel, id] of given) {
    const mine = letters.filter((l) => l.entry.channel === channel && l.entry.notices.some((n) => n.incidentId === id));
    assert.ok(mine.length >= 1, `${label}: ${what} is in the dead-letter list`);
    assert.ok(reported((s) => s.deadLetters.some((d) => d.channel === channel && d.reason.includes(id === 'OLD-0000' ? 'undelivered' : 'REJECTED'))), `${label}: ${what}'s dead letter reported`);
    assert.ok(t.rec.sent.some((s) => s.channel === 'fb' && s.notices.some((n) => n.incidentId === id)), `${label}: the fallback told of ${what}`);
  }
  assert.ok(!t.rec.sent.some((s) => s.channel === 'a' && s.notices.some((n) => n.incidentId === 'OLD-0000')), `${label}: an expired entry is not sent`);
}

function suite(name: string, open: () => StateStore, remembering = false) {
  for (const scenario of ['with an expired entry', 'fresh'] as const) {
    describe(`outbox fault injection: ${name}, ${scenario}`, () => {
      let steps: string[] = [];
      test('a healthy run: every step writes, and nothing vanishes', async () => {
        const t = await trial(open, scenario, undefined, 'lost', remembering);
        steps = t.writes;
        const expected =
          scenario === 'fresh'
            ? ['incident + outbox add', 'claim', 'settle (delivered)', 'dead letter + fallback add']
            : ['incident + outbox add', 'claim + expiry (dead letter + fallback add)', 'settle (delivered)', 'dead letter + fallback add'];
        for (const step of expected) assert.ok(steps.includes(step), `a run writes "${step}": ${JSON.stringify(steps)}`);
        assert.deepEqual(t.failed, [false, false, false]);
        await assertNoneVanished(t, scenario, 'healthy');
        await t.store.close();
      });

      test('each write failing once, in turn (lost, then ambiguous), then healthy runs: every notice delivered or dead-lettered, and reported', async () => {
        assert.ok(steps.length >= 4);
        for (const mode of ['lost', 'ambiguous'] as const) {
          // Channels settle side by side, so the number of writes varies a little between runs:
          // every index is tried until one lies past the run's last write.
          for (let i = 1; ; i++) {
            const t = await trial(open, scenario, i, mode, remembering);
            if (!t.injected) {
              assert.ok(i > steps.length - 2, `only ${i - 1} writes, where the healthy run had ${steps.length}`);
              await t.store.close();
              break;
            }
            const label = `${name}, ${scenario}, write ${i} (${t.injected}) ${mode}`;
            const key = `${name}: ${t.injected} ${mode}`;
            const row = tally.get(key) ?? { tried: 0, held: 0 };
            row.tried++;
            tally.set(key, row);
            assert.equal(t.failed[0], true, `${label}: the faulted run fails the invocation`);
            assert.deepEqual(t.failed.slice(1), [false, false], `${label}: the healthy runs succeed`);
            await assertNoneVanished(t, scenario, label);
            row.held++;
            await t.store.close();
          }
        }
      });
    });
  }
}

const dirs: string[] = [];
suite('file store', () => {
  const d = mkdtempSync(join(tmpdir(), 'scf-monitor-outbox-faults-store-'));
  dirs.push(d);
  return new FileStore(d);
});
suite('redis', () => new RedisStore({ type: 'redis', url: redis.url, keyPrefix: `of-${randomUUID()}:`, connectTimeoutMs: 3000 }));
suite(
  'file store, remembering its commits',
  () => {
    const d = mkdtempSync(join(tmpdir(), 'scf-monitor-outbox-faults-store-'));
    dirs.push(d);
    return new FileStore(d);
  },
  true,
);
suite('redis, remembering its commits', () => new RedisStore({ type: 'redis', url: redis.url, keyPrefix: `of-${randomUUID()}:`, connectTimeoutMs: 3000 }), true);
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
