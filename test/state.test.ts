/**
 * The state stores: one contract run against the file store and against a real redis-server
 * on loopback, then the races and failures particular to each.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { FileStore, fileName } from '../lib/state/file';
import { RedisStore, type RedisStateConfig } from '../lib/state/redis';
import { openStore } from '../lib/state/open';
import { sameJson, update, type Remembered, type StateStore } from '../lib/state/types';
import { jsonPieces } from '../lib/state/file';
import { startRedis, type RunningRedis } from './support/redis';
import { closedPort, tcpServer } from '../dev/standins/servers';

const increment = (n: number | undefined) => ({ value: (n ?? 0) + 1, result: undefined });

/**
 * Every store must behave the same. `space()` makes an empty namespace (a directory, a key
 * prefix) and returns how to open stores on it: two opened on one space are two invocations.
 */
function contract(name: string, space: () => () => StateStore) {
  describe(`${name}: contract`, () => {
    const stores: StateStore[] = [];
    const opened = (open: () => StateStore) => {
      const s = open();
      stores.push(s);
      return s;
    };
    const fresh = () => opened(space());
    after(() => Promise.all(stores.map((s) => s.close())));

    test('get of a missing key -> undefined; list of a missing key -> []', async () => {
      const s = fresh();
      assert.equal(await s.get('nothing'), undefined);
      assert.deepEqual(await s.list('nothing'), []);
    });

    test('compareAndSet with no expected version creates only if absent', async () => {
      const s = fresh();
      assert.equal(await s.compareAndSet('k', undefined, 1), true);
      assert.equal(await s.compareAndSet('k', undefined, 2), false);
      assert.equal((await s.get('k'))?.value, 1);
    });

    test('compareAndSet with a stale version fails and leaves the value', async () => {
      const s = fresh();
      await s.compareAndSet('k', undefined, 'first');
      const v1 = (await s.get('k'))!.version;
      assert.equal(await s.compareAndSet('k', v1, 'second'), true);
      assert.equal(await s.compareAndSet('k', v1, 'third'), false);
      assert.equal(await s.compareAndSet('k', 'never-issued', 'fourth'), false);
      assert.equal((await s.get('k'))?.value, 'second');
    });

    test('every write gives a new version, even with the same value', async () => {
      const s = fresh();
      const versions = new Set<string>();
      let version: string | undefined;
      for (let i = 0; i < 5; i++) {
        assert.equal(await s.compareAndSet('k', version, 'same'), true);
        version = (await s.get('k'))!.version;
        assert.equal(typeof version, 'string');
        versions.add(version);
      }
      assert.equal(versions.size, 5);
    });

    test('JSON round trip: unicode, nesting, keys with : / and non-ASCII', async () => {
      const s = fresh();
      const value = { text: '磁盘告警 ✓ 🚨 "quoted"\n', list: [1, 2.5, null, true, { é: 'ü' }], empty: {} };
      const key = 'incident:华东/api:443';
      assert.equal(await s.compareAndSet(key, undefined, value), true);
      assert.deepEqual((await s.get(key))?.value, value);
      // Keys that a careless encoding would fold together stay apart.
      for (const other of ['incident:华东', 'incident/华东/api:443', 'incident%3A华东/api:443', 'incident:华东/api:443.lock']) {
        assert.equal(await s.get(other), undefined, other);
      }
    });

    test('append keeps order and only the newest max items', async () => {
      const s = fresh();
      for (let i = 1; i <= 7; i++) await s.append('log', { n: i, text: `第${i}` }, 5);
      assert.deepEqual(
        (await s.list<{ n: number }>('log')).map((x) => x.n),
        [3, 4, 5, 6, 7],
      );
      await s.append('log', { n: 8, text: 'x' }, 2);
      assert.deepEqual(await s.list('log'), [{ n: 7, text: '第7' }, { n: 8, text: 'x' }]);
    });

    test('two concurrent compareAndSets on one version: exactly one wins', async () => {
      const open = space();
      const a = opened(open);
      const b = opened(open);
      await a.compareAndSet('k', undefined, 'start');
      const { version } = (await a.get('k'))!;
      const won = await Promise.all([a.compareAndSet('k', version, 'a'), b.compareAndSet('k', version, 'b')]);
      assert.equal(won.filter(Boolean).length, 1, JSON.stringify(won));
      assert.equal((await a.get('k'))?.value, won[0] ? 'a' : 'b');
      const created = await Promise.all([a.compareAndSet('new', undefined, 'a'), b.compareAndSet('new', undefined, 'b')]);
      assert.equal(created.filter(Boolean).length, 1, JSON.stringify(created));
    });

    test('compareAndSet with appends: one commit; items round-trip exactly; a stale version writes neither', async () => {
      const s = fresh();
      const item = { id: 'e1', empty: [], nested: { list: [[], {}], text: '死信 ✓' }, n: 1.5 };
      assert.equal(await s.compareAndSet('v', undefined, { outbox: ['x'] }, [{ key: 'dl', items: [item], max: 3 }]), true);
      assert.deepEqual(await s.list('dl'), [item]);
      const { version } = (await s.get('v'))!;
      assert.equal(await s.compareAndSet('v', 'stale', { outbox: [] }, [{ key: 'dl', items: [{ id: 'e2' }], max: 3 }]), false);
      assert.deepEqual(await s.list('dl'), [item], 'a lost compare-and-set appends nothing');
      assert.equal(await s.compareAndSet('v', version, { outbox: [] }, [{ key: 'dl', items: [{ id: 'e2' }, { id: 'e3' }, { id: 'e4' }], max: 3 }]), true);
      assert.deepEqual((await s.list<{ id: string }>('dl')).map((x) => x.id), ['e2', 'e3', 'e4']);
      assert.deepEqual((await s.get('v'))?.value, { outbox: [] });
    });

    test('version(): what get() reports, without the value; compareAndSet can be told the version to write under', async () => {
      const s = fresh();
      assert.equal(await s.version?.('k'), undefined);
      assert.equal(await s.compareAndSet('k', undefined, { big: 'x'.repeat(1000) }, undefined, 'chosen-version-1'), true);
      assert.equal((await s.get('k'))?.version, 'chosen-version-1');
      assert.equal(await s.version?.('k'), 'chosen-version-1');
      assert.equal(await s.compareAndSet('k', 'chosen-version-1', 2), true);
      assert.equal(await s.version?.('k'), (await s.get('k'))?.version);
    });

    test('update() with a memo: a later commit skips the read while the version is its own, and notices a writer in between', async () => {
      const open = space();
      const a = opened(open);
      const b = opened(open);
      const memo: Remembered<{ n: number }> = {};
      const bump = (cur: { n: number } | undefined) => ({ value: { n: (cur?.n ?? 0) + 1 }, result: cur?.n });
      assert.equal(await update(a, 'm', bump, undefined, memo), undefined);
      const seen = memo.last;
      assert.equal(seen?.version, await a.version?.('m'));
      let reads = 0;
      const counting: StateStore = Object.assign(Object.create(a), { get: (k: string) => (reads++, a.get(k)) });
      assert.equal(await update(counting, 'm', bump, undefined, memo), 1);
      assert.equal(reads, 0, 'the value it wrote is not read back');
      await update(b, 'm', bump);
      assert.equal(await update(counting, 'm', bump, undefined, memo), 3, "another writer's value is read, not overwritten");
      assert.equal(reads, 1);
      assert.deepEqual((await a.get('m'))?.value, { n: 4 });
    });

    test('compareAndSet with appends onto a list that is not one: rejects as unreadable, writes nothing', async () => {
      const s = fresh();
      assert.equal(await s.compareAndSet('notalist', undefined, 'a value'), true);
      assert.equal(await s.compareAndSet('v', undefined, 1), true);
      const { version } = (await s.get('v'))!;
      await assert.rejects(s.compareAndSet('v', version, 2, [{ key: 'notalist', items: [{ id: 'x' }], max: 5 }]), (err: Error) => err.name === 'UnreadableStateError');
      assert.equal((await s.get('v'))?.value, 1, 'the value is not written either');
      assert.equal((await s.get('notalist'))?.value, 'a value');
    });

    test('series: points in time order, equal items kept apart, trimmed by time on write, ranges inclusive', async () => {
      const s = fresh();
      const H = 3_600_000;
      const t0 = Date.parse('2026-12-01T00:00:00Z');
      await s.addPoints([{ key: 'h:a', at: t0, item: { ok: true } }, { key: 'h:b', at: t0, item: { ok: false, r: ['HTTP_STATUS'] } }], 0);
      await s.addPoints([{ key: 'h:a', at: t0 + 60_000, item: { ok: true } }, { key: 'h:a', at: t0 + 2 * H, item: { ms: 1.5, 名: '✓' } }], 0);
      assert.deepEqual(await s.points('h:a', 0, Infinity), [
        { at: t0, item: { ok: true } },
        { at: t0 + 60_000, item: { ok: true } },
        { at: t0 + 2 * H, item: { ms: 1.5, 名: '✓' } },
      ]);
      assert.deepEqual((await s.points('h:a', t0 + 60_000, t0 + 2 * H)).map((p) => p.at), [t0 + 60_000, t0 + 2 * H]);
      assert.deepEqual(await s.points('h:b', 0, Infinity), [{ at: t0, item: { ok: false, r: ['HTTP_STATUS'] } }]);
      assert.deepEqual(await s.points('h:none', 0, Infinity), []);
      // A write two days on drops what is older than its cut from the series it writes.
      await s.addPoints([{ key: 'h:a', at: t0 + 50 * H, item: { ok: true } }], t0 + 2 * H);
      assert.deepEqual((await s.points('h:a', 0, Infinity)).map((p) => p.at), [t0 + 2 * H, t0 + 50 * H]);
      // Cleanup now: only the older points go, and it says how many.
      assert.equal(await s.trimPoints(['h:a', 'h:b'], t0 + 2 * H + 1), 2);
      assert.deepEqual((await s.points('h:a', 0, Infinity)).map((p) => p.at), [t0 + 50 * H]);
      assert.deepEqual(await s.points('h:b', 0, Infinity), []);
    });

    test('concurrent update() increments in one process add up exactly', async () => {
      const s = fresh();
      await Promise.all(Array.from({ length: 20 }, () => update(s, 'counter', increment, 1000)));
      assert.equal((await s.get('counter'))?.value, 20);
    });
  });
}

describe('state stores', () => {
  const root = mkdtempSync(join(tmpdir(), 'scf-monitor-state-'));
  let n = 0;
  const freshDir = () => join(root, `store-${n++}`, 'nested');
  after(() => rmSync(root, { recursive: true, force: true }));

  contract('file store', () => {
    const dir = freshDir();
    return () => new FileStore(dir);
  });

  let redis: RunningRedis;
  let prefix = 0;
  const redisConfig = (fields: Partial<RedisStateConfig> = {}): RedisStateConfig => ({
    type: 'redis',
    url: redis.url,
    keyPrefix: `test-${process.pid}-${prefix++}:`,
    connectTimeoutMs: 2000,
    ...fields,
  });
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.stop());

  contract('redis store', () => {
    const config = redisConfig();
    return () => new RedisStore(config);
  });

  describe('file store', () => {
    test('series: a run (a store of its own) lists a series for trimming once an hour per process, not once a run', async () => {
      const dir = freshDir();
      const H = 3_600_000;
      const t0 = Date.parse('2026-12-01T10:00:00Z');
      const write = (at: number) => new FileStore(dir).addPoints([{ key: 'history:web', at, item: [1] }], at - 2 * H);
      await write(t0);
      // A file older than the cut appears after this hour's trim (by hand; nothing writes one).
      const series = join(dir, `${fileName('history:web')}.series`);
      const old = join(series, `${Math.floor((t0 - 5 * H) / H)}.jsonl`);
      writeFileSync(old, `[${t0 - 5 * H},[1]]\n`);
      await write(t0 + 60_000);
      assert.ok(readdirSync(series).includes(`${Math.floor((t0 - 5 * H) / H)}.jsonl`), 'the next run in the same hour lists nothing');
      await write(t0 + H);
      assert.ok(!readdirSync(series).includes(`${Math.floor((t0 - 5 * H) / H)}.jsonl`), 'the next hour trims it');
      assert.deepEqual((await new FileStore(dir).points('history:web', 0, Infinity)).map((p) => p.at), [t0, t0 + 60_000, t0 + H]);
    });

    test('processes racing on one key: 3 x 30 update() increments -> exactly 90', { timeout: 120_000 }, async () => {
      const dir = freshDir();
      const racer = resolve(__dirname, 'support/file-store-racer.ts');
      const children = Array.from({ length: 3 }, () =>
        spawn(process.execPath, ['--import', 'tsx', racer, dir, 'race:counter', '30'], {
          cwd: resolve(__dirname, '..'),
          stdio: ['pipe', 'pipe', 'pipe'],
        }),
      );
      const outputs = children.map((c) => {
        const out = { text: '' };
        c.stdout.on('data', (d) => (out.text += d));
        c.stderr.on('data', (d) => (out.text += d));
        return out;
      });
      const exits = children.map((c) => once(c, 'exit') as Promise<[number | null]>);
      await Promise.all(children.map((c) => waitForLine(c.stdout, 'ready')));
      for (const c of children) c.stdin.end('go\n');
      const codes = (await Promise.all(exits)).map(([code]) => code);
      assert.deepEqual(codes, [0, 0, 0], outputs.map((o) => o.text).join('\n---\n'));
      const store = new FileStore(dir);
      assert.equal((await store.get('race:counter'))?.value, 90);
      // No lock or temp file left behind.
      assert.deepEqual(readdirSync(dir), [`${fileName('race:counter')}.json`]);
    });

    test('creates its directory, nested, on first write', async () => {
      const dir = join(freshDir(), 'a', 'b');
      const s = new FileStore(dir);
      assert.equal(await s.get('k'), undefined);
      assert.equal(await s.compareAndSet('k', undefined, 'v'), true);
      assert.equal((await new FileStore(dir).get('k'))?.value, 'v');
    });

    test('a directory that cannot be created: the error names the path and the errno code', async () => {
      const base = freshDir();
      mkdirSync(base, { recursive: true });
      const file = join(base, 'a-file');
      writeFileSync(file, 'not a directory');
      const dir = join(file, 'state');
      const s = new FileStore(dir);
      await assert.rejects(s.compareAndSet('k', undefined, 1), (err: Error) => {
        assert.ok(err.message.includes(dir), err.message);
        assert.match(err.message, /ENOTDIR|EEXIST/);
        return true;
      });
      await assert.rejects(s.append('k', 1, 5), (err: Error) => err.message.includes(dir));
    });

    test('a lock left by a dead process is taken over', async () => {
      const dir = freshDir();
      const s = new FileStore(dir);
      await s.compareAndSet('k', undefined, 1);
      const dead = spawn(process.execPath, ['-e', '']);
      await once(dead, 'exit');
      writeFileSync(join(dir, `${fileName('k')}.lock`), `${dead.pid} ${Date.now()} gone`);
      const { version } = (await s.get('k'))!;
      assert.equal(await within(10_000, s.compareAndSet('k', version, 2)), true);
      assert.equal((await s.get('k'))?.value, 2);
    });

    test('an old lock whose owner died before writing it is taken over', async () => {
      const dir = freshDir();
      const s = new FileStore(dir);
      await s.append('log', 'a', 10);
      const lock = join(dir, `${fileName('log')}.lock`);
      writeFileSync(lock, '');
      const old = new Date(Date.now() - 60_000);
      utimesSync(lock, old, old);
      await within(10_000, s.append('log', 'b', 10));
      assert.deepEqual(await s.list('log'), ['a', 'b']);
    });

    test('a live lock is waited for, not broken', async () => {
      const dir = freshDir();
      const s = new FileStore(dir);
      await s.compareAndSet('k', undefined, 1);
      const lock = join(dir, `${fileName('k')}.lock`);
      writeFileSync(lock, `${process.pid} ${Date.now()} held-by-test`);
      const { version } = (await s.get('k'))!;
      let settled = false;
      const cas = s.compareAndSet('k', version, 2).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(settled, false);
      assert.equal((await s.get('k'))?.value, 1);
      rmSync(lock);
      assert.equal(await within(10_000, cas), true);
    });
  });

  describe('redis store', () => {
    test('several instances racing with update(): the total is exact', { timeout: 60_000 }, async () => {
      const config = redisConfig();
      const stores = Array.from({ length: 5 }, () => new RedisStore(config));
      try {
        await Promise.all(
          stores.flatMap((s) => Array.from({ length: 20 }, () => update(s, 'race:counter', increment, 1000))),
        );
        assert.equal((await stores[0]!.get('race:counter'))?.value, 100);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    test('a series is a sorted set with an expiry, so a monitor taken out of the config leaves nothing behind; a key of the wrong type is unreadable', async () => {
      const config = redisConfig();
      const s = new RedisStore(config);
      const { Redis } = await import('ioredis');
      const raw = new Redis(redis.url);
      try {
        const now = Date.now();
        await s.addPoints([{ key: 'history:web', at: now, item: { ok: true } }], now - 2 * 86_400_000);
        assert.equal(await raw.type(`${config.keyPrefix}history:web`), 'zset');
        const ttl = await raw.pttl(`${config.keyPrefix}history:web`);
        assert.ok(ttl > 2 * 86_400_000 && ttl <= 2 * 86_400_000 + 3_600_000, `ttl ${ttl}`);
        await raw.set(`${config.keyPrefix}history:str`, 'x');
        await assert.rejects(s.addPoints([{ key: 'history:str', at: now, item: {} }], 0), (err: Error) => err.name === 'UnreadableStateError');
        await assert.rejects(s.points('history:str', 0, now), (err: Error) => err.name === 'UnreadableStateError');
      } finally {
        raw.disconnect();
        await s.close();
      }
    });

    test('every key is under keyPrefix', async () => {
      const base = redisConfig();
      const outer = new RedisStore(base);
      const inner = new RedisStore({ ...base, keyPrefix: `${base.keyPrefix}inner:` });
      try {
        await inner.compareAndSet('k', undefined, 'v');
        await inner.append('log', 1, 3);
        assert.equal((await outer.get('inner:k'))?.value, 'v');
        assert.deepEqual(await outer.list('inner:log'), [1]);
        assert.equal(await outer.get('k'), undefined);
      } finally {
        await Promise.all([outer.close(), inner.close()]);
      }
    });

    test('openStore picks the store the config names', async () => {
      const r = openStore(redisConfig());
      const f = openStore({ type: 'file', path: freshDir() });
      try {
        assert.ok(r instanceof RedisStore);
        assert.ok(f instanceof FileStore);
        assert.equal(await r.compareAndSet('k', undefined, 1), true);
        assert.equal(await f.compareAndSet('k', undefined, 1), true);
      } finally {
        await Promise.all([r.close(), f.close()]);
      }
    });

    test('connection refused: a clear error, quickly', { timeout: 30_000 }, async () => {
      const port = await closedPort();
      const s = new RedisStore(redisConfig({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 1000 }));
      try {
        const err = await within(10_000, s.get('k').then(() => undefined, (e: Error) => e));
        assert.ok(err);
        assert.equal(err.message, `redis 127.0.0.1:${port}: connect ECONNREFUSED`);
        // The next call tries again, and fails the same way.
        await assert.rejects(within(10_000, s.append('k', 1, 5)), /ECONNREFUSED/);
      } finally {
        await s.close();
      }
    });

    test('a server that accepts but never answers: rejects within about connectTimeoutMs', { timeout: 30_000 }, async () => {
      const silent = await tcpServer(() => {});
      const s = new RedisStore(redisConfig({ url: `redis://127.0.0.1:${silent.port}`, connectTimeoutMs: 500 }));
      try {
        await assert.rejects(within(10_000, s.get('k')), (err: Error) => {
          assert.match(err.message, new RegExp(`^redis 127\\.0\\.0\\.1:${silent.port}: `));
          assert.match(err.message, /no answer within 500 ms|ETIMEDOUT/);
          return true;
        });
      } finally {
        await s.close();
        await silent.close();
      }
    });

    describe('with requirepass', () => {
      const password = 'right-pass-4f1c';
      let locked: RunningRedis;
      before(async () => {
        locked = await startRedis({ password });
      });
      after(() => locked?.stop());

      test('the right password works', async () => {
        const s = new RedisStore(redisConfig({ url: locked.url }));
        try {
          assert.equal(await s.compareAndSet('k', undefined, 'ok'), true);
          assert.equal((await s.get('k'))?.value, 'ok');
        } finally {
          await s.close();
        }
      });

      for (const auth of [':wrong-Secret-91xq', 'default:wrong-Secret-91xq', 'someone:wrong%2FSecret-91xq']) {
        test(`a wrong password (${auth.split(':')[0] || 'no user'}): WRONGPASS, and the secret appears nowhere`, async () => {
          const s = new RedisStore(redisConfig({ url: `redis://${auth}@127.0.0.1:${locked.port}` }));
          try {
            const err = await within(10_000, s.get('k').then(() => undefined, (e: Error) => e));
            assert.ok(err instanceof Error);
            assert.match(err.message, new RegExp(`^redis 127\\.0\\.0\\.1:${locked.port}: WRONGPASS`));
            for (const text of [err.message, String(err), err.stack ?? '', JSON.stringify(err), inspect(err)]) {
              assert.ok(!/Secret-91xq/.test(text), text);
              assert.ok(!text.includes(password), text);
            }
          } finally {
            await s.close();
          }
        });
      }
    });
  });
});

/** Rejects if `p` has not settled after `ms`: a hang shows as a failure, not a stuck run. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function waitForLine(stream: NodeJS.ReadableStream, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.split('\n').includes(line)) {
        stream.off('data', onData);
        resolve();
      }
    };
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`ended before "${line}": ${seen}`)));
  });
}

describe('update() without serialising', () => {
  test('sameJson: true only where JSON.stringify agrees (key order aside)', () => {
    const same: [unknown, unknown][] = [
      [{ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }],
      [{ a: 1, gone: undefined }, { a: 1 }],
      [{ at: new Date(0) }, { at: new Date(0) }],
      [[], []],
    ];
    for (const [x, y] of same) assert.equal(sameJson(x, y), true, JSON.stringify([x, y]));
    const differ: [unknown, unknown][] = [
      [{ a: 1 }, { a: 2 }],
      [{ a: 1 }, { a: 1, b: null }],
      [[1, 2], [1, 2, 3]],
      [{ a: [] }, { a: {} }],
      ['1', 1],
      [new Number(1), new Number(2)],
      [{ a: { b: { c: 1 } } }, { a: { b: { c: '1' } } }],
    ];
    for (const [x, y] of differ) assert.equal(sameJson(x, y), false, JSON.stringify([x, y]));
  });

  test('the file store writes exactly JSON.stringify, in pieces', () => {
    const value = { a: 1, skip: undefined, f: () => 1, list: [1, undefined, { d: 'x"é\u2028' }], at: new Date(0), m: new Map(), deep: [[[[{ e: [] }]]]] };
    for (const depth of [0, 1, 2, 4, 8]) assert.equal([...jsonPieces({ version: 'v', value }, depth)].join(''), JSON.stringify({ version: 'v', value }));
  });
});
