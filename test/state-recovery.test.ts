/**
 * The state store when it is not what we wrote, or cannot be written: through the real handler
 * (`runFunction('statusCheck')`), a loopback target, real WeCom stand-ins, the real file store
 * and a real redis-server. What must hold: an unreadable record is moved aside (kept, and where
 * is said), the function starts fresh, the channels hear once that state was reset; an entry
 * given up leaves the outbox only together with its dead letter; a store that cannot be
 * written makes the invocation fail (the CLI exits 1), never a quiet success.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runFunction } from '../lib/functions';
import { AlertingFailedError } from '../lib/runtime/handler';
import { localContext, timerEvent } from '../lib/runtime/scf';
import { setLogSink } from '../lib/report/log';
import type { Summary } from '../lib/runtime/summary';
import { deadLetterKey, stateKey, type DeadLetter, type FunctionState, type OutboxEntry } from '../lib/alerting/outbox';
import { FileStore, fileName } from '../lib/state/file';
import { RedisStore } from '../lib/state/redis';
import type { StateStore } from '../lib/state/types';
import { httpServer, type Running } from '../dev/standins/servers';
import { WECOM_PATH, wecomStandIn, type WecomStandIn } from './support/wecom';
import { startRedis, type RunningRedis } from './support/redis';

const KEY = 'wk-SR-31c9d0-SECRET-KEY';
const lines: string[] = [];
let redis: RunningRedis;
before(async () => {
  process.env.SCFM_SR_KEY = KEY;
  setLogSink((text) => lines.push(...text.split(/(?<=\n)/)));
  redis = await startRedis();
});
after(async () => {
  setLogSink((line) => process.stdout.write(line));
  delete process.env.SCFM_SR_KEY;
  await redis.stop();
});

type Outcome = { summary: Summary; failed?: AlertingFailedError };

interface World {
  dir: string;
  stateDir: string;
  configPath: string;
  a: WecomStandIn;
  b: WecomStandIn;
  fb: WecomStandIn;
  setTarget: (status: number) => void;
  store: () => StateStore;
  run: () => Promise<Outcome>;
  close: () => Promise<void>;
}

async function makeWorld(o: { redis?: boolean; deadLetterHours?: number; statePath?: string } = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-state-recovery-'));
  let status = 502;
  const target: Running = await httpServer((_q, res) => res.writeHead(status).end(status < 400 ? 'ok' : 'bad'));
  const [a, b, fb] = await Promise.all([wecomStandIn(KEY), wecomStandIn(KEY), wecomStandIn(KEY)]);
  const stateDir = o.statePath ?? join(dir, 'state');
  const keyPrefix = `sr-${randomUUID()}:`;
  const state = o.redis ? { type: 'redis', url: redis.url, keyPrefix } : { type: 'file', path: stateDir };
  const hook = (s: WecomStandIn) => ({ type: 'wecom', locale: 'en', webhook: `http://127.0.0.1:${s.port}${WECOM_PATH}?key=` + '${SCFM_SR_KEY}', timeoutMs: 1500 });
  const config = {
    state,
    channels: { 'ops-a': hook(a), 'ops-b': hook(b), 'ops-fb': hook(fb) },
    alerts: { channels: ['ops-a', 'ops-b'], fallback: 'ops-fb', ...(o.deadLetterHours ? { deadLetterHours: o.deadLetterHours } : {}) },
    monitors: [{ name: 'web', type: 'http', url: target.url('/web'), samples: 1, attempts: 1, intervalMs: 0 }],
  };
  const configPath = join(dir, 'monitors.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const stores: StateStore[] = [];
  return {
    dir,
    stateDir,
    configPath,
    a,
    b,
    fb,
    setTarget: (s) => {
      status = s;
    },
    store: () => {
      const s = o.redis ? new RedisStore({ type: 'redis', url: redis.url, keyPrefix, connectTimeoutMs: 3000 }) : new FileStore(stateDir);
      stores.push(s);
      return s;
    },
    run: () =>
      runFunction('statusCheck', timerEvent(), localContext('statusCheck', 8000), { configPath }).then(
        (summary) => ({ summary }),
        (err: unknown) => {
          if (err instanceof AlertingFailedError) return { summary: err.summary, failed: err };
          throw err;
        },
      ),
    close: async () => {
      await Promise.all(stores.map((s) => s.close()));
      await Promise.all([target.close(), a.close(), b.close(), fb.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const texts = (s: WecomStandIn) =>
  s.received.filter((r) => r.answer?.errcode === 0).map((r) => String((r.json as { markdown?: { content?: string } }).markdown?.content ?? ''));
const resets = (s: WecomStandIn) => texts(s).filter((t) => t.includes('STATE_RESET'));

const stateFile = (w: World) => join(w.stateDir, `${fileName(stateKey('statusCheck'))}.json`);
const letterFile = (w: World) => join(w.stateDir, `${fileName(deadLetterKey('statusCheck'))}.json`);

const GOOD_STATE = JSON.stringify({ version: 'v1', value: { monitors: { web: { failures: 0, successes: 1 } }, outbox: [] } });
const FILE_CORRUPTIONS: [string, string][] = [
  ['garbage', '\u0000\u0001#!not json at all'],
  ['empty', ''],
  ['cut in the middle', GOOD_STATE.slice(0, Math.floor(GOOD_STATE.length / 2))],
  ['a list where a value belongs: {"items":[]}', '{"items":[]}'],
  ['outbox: "zzz"', JSON.stringify({ version: 'v1', value: { monitors: {}, outbox: 'zzz' } })],
  ['monitors: null', JSON.stringify({ version: 'v1', value: { monitors: null, outbox: [] } })],
  ['an outbox entry without its notices', JSON.stringify({ version: 'v1', value: { monitors: {}, outbox: [{ id: 'x', channel: 'ops-a', createdAt: 'never' }] } })],
];

/** After one reset: the record is kept where the summary says, each channel heard once, the failing monitor alerted afresh. */
function assertResetOnce(w: World, first: Outcome, kept: (movedTo: string) => void) {
  assert.equal(first.failed, undefined, `the run succeeds: ${first.summary.alertingError}`);
  const r = first.summary.stateResets ?? [];
  assert.equal(r.length, 1, JSON.stringify(first.summary));
  assert.equal(r[0]!.key, stateKey('statusCheck'));
  kept(r[0]!.movedTo);
  assert.deepEqual(first.summary.alerts.map((a) => [a.monitor, a.kind]), [['web', 'alert']], 'started fresh: the failure is a new incident');
  for (const s of [w.a, w.b]) {
    assert.equal(resets(s).length, 1, 'each channel is told of the reset once');
    assert.ok(resets(s)[0]!.includes(r[0]!.movedTo), 'and where the old record is kept');
  }
  assert.equal(resets(w.fb).length, 1, 'the fallback channel too: every channel is told');
  assert.ok(lines.some((l) => l.includes('"event":"state-reset"')));
}

describe('unreadable state: moved aside, started fresh, the channels told once', () => {
  for (const [what, content] of FILE_CORRUPTIONS) {
    test(`file store: ${what}`, async () => {
      const w = await makeWorld();
      try {
        mkdirSync(w.stateDir, { recursive: true });
        writeFileSync(stateFile(w), content);
        const first = await w.run();
        assertResetOnce(w, first, (movedTo) => {
          assert.ok(movedTo.startsWith(w.stateDir), movedTo);
          assert.equal(readFileSync(movedTo, 'utf8'), content, 'the old record is kept as it was');
        });
        const before = [w.a, w.b, w.fb].map((s) => s.received.length);
        const second = await w.run();
        assert.equal(second.failed, undefined);
        assert.equal(second.summary.stateResets, undefined, 'no second reset');
        assert.deepEqual([w.a, w.b, w.fb].map((s) => s.received.length), before, 'nothing more is sent while the monitor keeps failing');
        w.setTarget(200);
        const third = await w.run();
        assert.deepEqual(third.summary.alerts.map((a) => a.kind), ['resolved'], 'the fresh incident resolves as usual');
      } finally {
        await w.close();
      }
    });
  }

  const REDIS_CORRUPTIONS: [string, (s: RedisStore, key: string) => Promise<unknown>][] = [
    ['a string key', (s, k) => (s as unknown as { client: { set: (k: string, v: string) => Promise<unknown> } }).client.set(k, 'zzz')],
    ['a list key', (s, k) => (s as unknown as { client: { rpush: (k: string, v: string) => Promise<unknown> } }).client.rpush(k, 'zzz')],
    ['a hash whose value is not JSON', (s, k) => (s as unknown as { client: { hset: (k: string, ...a: string[]) => Promise<unknown> } }).client.hset(k, 'value', '{nope', 'version', 'v1')],
    ['a hash of the wrong shape', (s, k) => (s as unknown as { client: { hset: (k: string, ...a: string[]) => Promise<unknown> } }).client.hset(k, 'value', '{"items":[]}', 'version', 'v1')],
  ];
  for (const [what, corrupt] of REDIS_CORRUPTIONS) {
    test(`redis: ${what}`, async () => {
      const w = await makeWorld({ redis: true });
      try {
        const s = w.store() as RedisStore;
        await s.get('warm-up');
        const prefix = (s as unknown as { prefix: string }).prefix;
        await corrupt(s, prefix + stateKey('statusCheck'));
        const first = await w.run();
        assertResetOnce(w, first, (movedTo) => assert.match(movedTo, new RegExp(`key ${prefix}fn:statusCheck:unreadable:`)));
        const before = [w.a, w.b, w.fb].map((x) => x.received.length);
        const second = await w.run();
        assert.equal(second.summary.stateResets, undefined, 'no second reset');
        assert.deepEqual([w.a, w.b, w.fb].map((x) => x.received.length), before);
      } finally {
        await w.close();
      }
    });
  }

  test('two runs at once on one garbage file: one reset, each channel told once', async () => {
    const w = await makeWorld();
    try {
      mkdirSync(w.stateDir, { recursive: true });
      writeFileSync(stateFile(w), 'garbage');
      const both = await Promise.all([w.run(), w.run()]);
      assert.equal(both.flatMap((o) => o.summary.stateResets ?? []).length, 1);
      for (const s of [w.a, w.b, w.fb]) assert.equal(resets(s).length, 1);
      assert.equal(readdirSync(w.stateDir).filter((f) => f.includes('.unreadable-')).length, 1);
    } finally {
      await w.close();
    }
  });
});

describe('dead letters commit with the removal from the outbox', () => {
  test('file store: a dead-letter record that cannot be read is moved aside; the dead letter is written, the fallback told', async () => {
    const w = await makeWorld();
    try {
      mkdirSync(w.stateDir, { recursive: true });
      writeFileSync(letterFile(w), '{"items": [trunc');
      await w.b.setMode('permanent');
      const first = await w.run();
      assert.equal(first.failed, undefined, first.summary.alertingError);
      assert.deepEqual(first.summary.deadLetters.map((d) => d.channel), ['ops-b']);
      assert.deepEqual((first.summary.stateResets ?? []).map((r) => r.key), [deadLetterKey('statusCheck')]);
      const letters = await w.store().list<DeadLetter>(deadLetterKey('statusCheck'));
      assert.deepEqual(letters.map((l) => l.entry.channel), ['ops-b']);
      assert.equal(texts(w.fb).filter((t) => t.includes('ops-b')).length, 1, 'the fallback hears of the given-up message');
      assert.equal(readFileSync(first.summary.stateResets![0]!.movedTo, 'utf8'), '{"items": [trunc');
    } finally {
      await w.close();
    }
  });

  test('redis: a dead-letter key of the wrong type is moved aside; the dead letter is written', async () => {
    const w = await makeWorld({ redis: true });
    try {
      const s = w.store() as RedisStore;
      await s.get('warm-up');
      const prefix = (s as unknown as { prefix: string }).prefix;
      await (s as unknown as { client: { set: (k: string, v: string) => Promise<unknown> } }).client.set(prefix + deadLetterKey('statusCheck'), 'x');
      await w.b.setMode('permanent');
      const first = await w.run();
      assert.equal(first.failed, undefined, first.summary.alertingError);
      assert.deepEqual((first.summary.stateResets ?? []).map((r) => r.key), [deadLetterKey('statusCheck')]);
      assert.deepEqual((await s.list<DeadLetter>(deadLetterKey('statusCheck'))).map((l) => l.entry.channel), ['ops-b']);
      assert.equal(texts(w.fb).filter((t) => t.includes('ops-b')).length, 1);
    } finally {
      await w.close();
    }
  });

  for (const cause of ['permanent failure', 'expiry past deadLetterHours'] as const) {
    test(`file store, ${cause}: while the dead letter cannot be written the entry stays; once it can, it is dead-lettered and reported`, async () => {
      const w = await makeWorld({ deadLetterHours: 1 });
      try {
        mkdirSync(w.stateDir, { recursive: true });
        // A directory where the dead-letter file belongs: reading it fails (EISDIR), not
        // "unreadable content", so nothing may be moved aside: the write must fail.
        mkdirSync(letterFile(w));
        const store = w.store();
        if (cause === 'expiry past deadLetterHours') {
          w.setTarget(200);
          const old: OutboxEntry = {
            id: randomUUID(),
            channel: 'ops-a',
            createdAt: new Date(Date.now() - 2 * 3600_000).toISOString(),
            notices: [
              { kind: 'alert', function: 'statusCheck', monitor: 'web', type: 'http', target: 'http://127.0.0.1/web', incidentId: '20261122-1452-a3f9', since: new Date().toISOString(), at: new Date().toISOString(), reasons: [{ code: 'HTTP_STATUS', message: 'answered 502' }] },
            ],
            attempts: 3,
          };
          assert.ok(await store.compareAndSet<FunctionState>(stateKey('statusCheck'), undefined, { monitors: {}, outbox: [old] }));
        } else await w.b.setMode('permanent');
        const first = await w.run();
        assert.ok(first.failed, 'the invocation fails');
        assert.match(first.summary.alertingError ?? '', /EISDIR/);
        assert.deepEqual(first.summary.deadLetters, [], 'no dead letter is reported that was not written');
        const stuck = (await store.get<FunctionState>(stateKey('statusCheck')))!.value.outbox;
        assert.equal(stuck.length, 1, 'the entry stays in the outbox');
        assert.equal(stuck[0]!.claim, undefined, 'and is released for the next run');
        assert.equal(texts(w.fb).length, 0);

        rmSync(letterFile(w), { recursive: true });
        const second = await w.run();
        assert.equal(second.failed, undefined, second.summary.alertingError);
        assert.equal(second.summary.deadLetters.length, 1);
        assert.equal((await store.list<DeadLetter>(deadLetterKey('statusCheck'))).length, 1);
        assert.deepEqual((await store.get<FunctionState>(stateKey('statusCheck')))!.value.outbox, []);
        assert.equal(texts(w.fb).length, 1, 'the fallback is told once');
        if (cause === 'expiry past deadLetterHours') assert.equal(texts(w.a).length, 0, 'too old to send');
      } finally {
        await w.close();
      }
    });
  }
});

describe('a store that cannot be written fails the invocation', () => {
  test('handler: rejects after logging the summary; the results stand', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'scf-monitor-sr-')), 'a-file');
    writeFileSync(file, 'not a directory');
    const w = await makeWorld({ statePath: join(file, 'state') });
    try {
      const from = lines.length;
      const o = await w.run();
      assert.ok(o.failed, 'rejected');
      assert.match(o.summary.alertingError ?? '', /ENOTDIR/);
      assert.deepEqual(o.summary.results.map((r) => [r.monitor, r.ok]), [['web', false]]);
      const logged = lines.slice(from);
      const at = logged.findIndex((l) => l.includes('"event":"summary"'));
      assert.ok(at >= 0, 'the summary is logged');
      assert.ok(!lines.join('').includes(KEY), 'no webhook key in the log');
    } finally {
      await w.close();
      rmSync(resolve(file, '..'), { recursive: true, force: true });
    }
  });

  test('CLI: exit 1, even with every monitor healthy', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'scf-monitor-sr-')), 'a-file');
    writeFileSync(file, 'not a directory');
    const w = await makeWorld({ statePath: join(file, 'state') });
    try {
      w.setTarget(200);
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
        const env: NodeJS.ProcessEnv = { ...process.env };
        delete env.NODE_TEST_CONTEXT;
        execFile(process.execPath, [resolve(__dirname, '..', 'bin', 'scf-monitor.js'), 'invoke', 'statusCheck', '--config', w.configPath], { cwd: w.dir, env, timeout: 60_000 }, (err, stdout, stderr) =>
          done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout: String(stdout), stderr: String(stderr) }),
        );
      });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /alerting failed: .*ENOTDIR/);
      assert.ok(r.stdout.includes('web'), 'the results are still shown');
      assert.ok(!r.stdout.includes(KEY) && !r.stderr.includes(KEY));
      assert.ok(existsSync(file));
    } finally {
      await w.close();
      rmSync(resolve(file, '..'), { recursive: true, force: true });
    }
  });
});
