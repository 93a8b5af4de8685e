/**
 * The production state store: Redis, shared by every SCF instance. A value is a hash
 * {value, version}; compare-and-set and append-and-trim are Lua scripts, so each is one
 * atomic step on the server however many invocations race.
 *
 * Fails fast rather than waiting: no offline queue, no background reconnects (the next call
 * connects again), and every error is rebuilt from safe parts, because ioredis errors can
 * carry the handshake's arguments, the password among them.
 */
import { randomBytes } from 'node:crypto';
import type * as IoRedis from 'ioredis';
import type { StateConfig } from '../config/alerting-schema';
import { lazyRequire } from '../util/lazy';
import { newVersion, UnreadableStateError, type Append, type SeriesPoint, type StateStore, type Versioned } from './types';

export type RedisStateConfig = Extract<StateConfig, { type: 'redis' }>;

const APPEND = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
return 1`;

/**
 * The compare-and-set of KEYS[1] and the appends to KEYS[2..] (none for a plain one) as one
 * script: every check comes before the first write, since Redis does not undo a script's
 * writes when it fails half way. ARGV: expected ('' for "only if the key does not exist";
 * versions are never ''), value, version, then per list its max, its item count and the
 * items, each already JSON (decoding them in Lua would turn an empty array into an object).
 */
const CAS_APPEND = `
for i = 1, #KEYS do
  local t = redis.call('TYPE', KEYS[i]).ok
  local want = i == 1 and 'hash' or 'list'
  if t ~= 'none' and t ~= want then return redis.error_reply('UNREADABLE ' .. KEYS[i] .. ' is a ' .. t) end
end
local current = redis.call('HGET', KEYS[1], 'version')
if ARGV[1] == '' then
  if current then return 0 end
elseif current ~= ARGV[1] then
  return 0
end
local at = 4
for i = 2, #KEYS do
  local max, n = tonumber(ARGV[at]), tonumber(ARGV[at + 1])
  for j = 1, n do redis.call('RPUSH', KEYS[i], ARGV[at + 1 + j]) end
  redis.call('LTRIM', KEYS[i], -max, -1)
  at = at + 2 + n
end
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'version', ARGV[3])
return 1`;

/**
 * A run's history in one command: per series its points, the trim and the expiry. One script
 * rather than a pipeline of three commands per monitor, because building and parsing 300
 * commands costs the client milliseconds; types are checked before the first write.
 * ARGV: cut (points scored below it go), ttl ms, then per key its count and (score, member) pairs.
 */
const ADD_POINTS = `
for i = 1, #KEYS do
  local t = redis.call('TYPE', KEYS[i]).ok
  if t ~= 'none' and t ~= 'zset' then return redis.error_reply('UNREADABLE ' .. KEYS[i] .. ' is a ' .. t) end
end
local cut, ttl, at = '(' .. ARGV[1], ARGV[2], 3
for i = 1, #KEYS do
  local n = tonumber(ARGV[at])
  for j = 1, n do redis.call('ZADD', KEYS[i], ARGV[at + 2 * j - 1], ARGV[at + 2 * j]) end
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', cut)
  redis.call('PEXPIRE', KEYS[i], ttl)
  at = at + 1 + 2 * n
end
return 1`;

/** Renames KEYS[1] to KEYS[2] if it is still at ARGV[1] or, with ARGV[1] '', still not a readable value. */
const QUARANTINE = `
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'none' then return 0 end
if ARGV[1] ~= '' then
  if t ~= 'hash' or redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
elseif ARGV[2] == 'list' then
  if t == 'list' then
    local ok = true
    for _, s in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
      if not pcall(cjson.decode, s) then ok = false end
    end
    if ok then return 0 end
  end
elseif t == 'hash' then
  local v = redis.call('HMGET', KEYS[1], 'value', 'version')
  if v[1] and v[2] and pcall(cjson.decode, v[1]) then return 0 end
end
redis.call('RENAME', KEYS[1], KEYS[2])
return 1`;

type Client = IoRedis.Redis & {
  stateAppend(key: string, item: string, max: number): Promise<number>;
  stateCasAppend(numKeys: number, ...args: (string | number)[]): Promise<number>;
  stateQuarantine(key: string, to: string, version: string, kind: string): Promise<number>;
  stateAddPoints(numKeys: number, ...args: (string | number)[]): Promise<number>;
};


export class RedisStore implements StateStore {
  private readonly client: Client;
  /** host:port, for messages. */
  private readonly where: string;
  private readonly secrets: string[];
  private readonly prefix: string;
  private readonly connectTimeoutMs: number;
  /** ioredis reports why a connection failed as an event; connect() itself only says "closed". */
  private lastError?: Error;
  private connecting?: Promise<void>;
  private closed = false;
  /** Epoch ms: no connect, command or close waits past it. */
  private readonly deadlineAt: number;

  constructor(config: RedisStateConfig, opts: { deadlineAt?: number } = {}) {
    this.deadlineAt = opts.deadlineAt ?? Infinity;
    const url = new URL(config.url);
    this.where = `${url.hostname}:${url.port || 6379}`;
    this.secrets = [url.password, safeDecode(url.password)].filter((s) => s !== '');
    this.prefix = config.keyPrefix;
    this.connectTimeoutMs = config.connectTimeoutMs;
    const { Redis } = lazyRequire<typeof IoRedis>('ioredis');
    this.client = new Redis(config.url, {
      lazyConnect: true,
      connectTimeout: config.connectTimeoutMs,
      // State commands are single small steps; a server that stops answering must not eat the run.
      commandTimeout: Math.max(config.connectTimeoutMs, 5000),
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: () => null,
      scripts: {
        stateAppend: { numberOfKeys: 1, lua: APPEND },
        stateCasAppend: { lua: CAS_APPEND },
        stateQuarantine: { numberOfKeys: 2, lua: QUARANTINE },
        stateAddPoints: { lua: ADD_POINTS },
      },
    }) as Client;
    this.client.on('error', (err: Error) => {
      this.lastError = err;
    });
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const [value, version] = await this.run(key, () => this.client.hmget(this.prefix + key, 'value', 'version'));
    if (value == null && version == null) return undefined;
    if (value == null || version == null) throw this.unreadable(key, 'a hash without its value or version');
    try {
      return { value: JSON.parse(value) as T, version };
    } catch {
      throw this.unreadable(key, 'the value is not valid JSON');
    }
  }

  async compareAndSet<T>(key: string, expected: string | undefined, value: T, appends: readonly Append[] = [], version = newVersion()): Promise<boolean> {
    const keys = [key, ...appends.map((a) => a.key)].map((k) => this.prefix + k);
    const args = [expected ?? '', JSON.stringify(value), version, ...appends.flatMap((a) => [a.max, a.items.length, ...a.items.map((x) => JSON.stringify(x))])];
    const won = await this.run(key, () => this.client.stateCasAppend(keys.length, ...keys, ...args));
    return won === 1;
  }

  async version(key: string): Promise<string | undefined> {
    return (await this.run(key, () => this.client.hget(this.prefix + key, 'version'))) ?? undefined;
  }

  async quarantine(key: string, kind: 'value' | 'list', version?: string): Promise<string | undefined> {
    const aside = `${key}:unreadable:${new Date().toISOString()}:${randomBytes(3).toString('hex')}`;
    const moved = await this.run(key, () => this.client.stateQuarantine(this.prefix + key, this.prefix + aside, version ?? '', kind));
    return moved === 1 ? `redis ${this.where} key ${this.prefix + aside}` : undefined;
  }

  async append<T>(key: string, item: T, max: number): Promise<void> {
    if (!(max >= 1)) throw new RangeError(`state key ${key}: max must be at least 1, got ${max}`);
    await this.run(key, () => this.client.stateAppend(this.prefix + key, JSON.stringify(item), max));
  }

  async list<T>(key: string): Promise<T[]> {
    const items = await this.run(key, () => this.client.lrange(this.prefix + key, 0, -1));
    try {
      return items.map((s) => JSON.parse(s) as T);
    } catch {
      throw this.unreadable(key, 'an item is not valid JSON');
    }
  }

  /**
   * A sorted set per series, scored by time, its member the time (base 36) and the item's JSON,
   * so equal items at different times stay apart. The adds, the trim and an expiry (a monitor
   * taken out of the config leaves no key behind) are one script: one round trip per run.
   */
  async addPoints(points: readonly SeriesPoint[], keepAfter: number): Promise<void> {
    if (!points.length) return;
    const byKey = new Map<string, (string | number)[]>();
    let latest = 0;
    for (const p of points) {
      let args = byKey.get(p.key);
      if (!args) byKey.set(p.key, (args = []));
      args.push(p.at, `${p.at.toString(36)}|${JSON.stringify(p.item)}`);
      if (p.at > latest) latest = p.at;
    }
    const ttl = Math.max(60_000, latest - keepAfter + 3_600_000);
    const keys: string[] = [];
    const args: (string | number)[] = [keepAfter, ttl];
    for (const [key, pairs] of byKey) {
      keys.push(this.prefix + key);
      args.push(pairs.length / 2, ...pairs);
    }
    await this.run(points[0]!.key, () => this.client.stateAddPoints(keys.length, ...keys, ...args));
  }

  async points<T>(key: string, from: number, to: number): Promise<{ at: number; item: T }[]> {
    const members = await this.run(key, () => this.client.zrangebyscore(this.prefix + key, from, to));
    const out: { at: number; item: T }[] = [];
    for (const m of members) {
      const bar = m.indexOf('|');
      try {
        out.push({ at: parseInt(m.slice(0, bar), 36), item: JSON.parse(m.slice(bar + 1)) as T });
      } catch {
        throw this.unreadable(key, 'a point is not valid JSON');
      }
    }
    return out;
  }

  async trimPoints(keys: readonly string[], before: number): Promise<number> {
    if (!keys.length) return 0;
    return this.run(keys[0]!, async () => {
      const pipe = this.client.pipeline();
      for (const key of keys) pipe.zremrangebyscore(this.prefix + key, '-inf', `(${before}`);
      return this.settle(await pipe.exec()).reduce((n: number, x) => n + Number(x), 0);
    });
  }

  /** A pipeline answers each command on its own: the first error (a WRONGTYPE key) fails the whole. */
  private settle(results: [Error | null, unknown][] | null): unknown[] {
    if (!results) throw new Error(`redis ${this.where}: the pipeline was not run`);
    for (const [err] of results) if (err) throw err;
    return results.map(([, r]) => r);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.client.status === 'ready') {
      // QUIT waits for the server's answer; a server gone silent must not hold the run past its end.
      const quit = this.client.quit().then(() => true, () => false);
      if (await this.bounded(quit, Math.min(1000, this.left()))) return;
    }
    this.drop();
  }

  /**
   * disconnect() only half-closes the socket: against a peer that never answers, the socket
   * (and so the process) lingers for seconds after the run returned. Destroying it ends both.
   */
  private drop(): void {
    if (this.client.status !== 'end') this.client.disconnect();
    (this.client as unknown as { stream?: { destroy?: () => void } }).stream?.destroy?.();
  }

  private left(): number {
    return Math.max(0, this.deadlineAt - Date.now());
  }

  /** Resolves to the promise's value, or to false when `ms` pass first. */
  private async bounded<R>(p: Promise<R>, ms: number): Promise<R | false> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([p, new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)))]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async run<R>(key: string, command: () => Promise<R>): Promise<R> {
    await this.ready();
    if (this.deadlineAt !== Infinity && this.left() === 0) throw new Error(`redis ${this.where}: no time left before the run's deadline`);
    const sent = command();
    sent.catch(() => {});
    const result = await this.bounded(
      sent.then((value) => ({ ok: true as const, value }), (err: unknown) => ({ ok: false as const, err })),
      Math.min(this.left(), 2 ** 31 - 1),
    );
    if (result === false) {
      // The answer may still come; dropping the socket rejects it and frees the run.
      this.drop();
      throw new Error(`redis ${this.where}: no answer before the run's deadline`);
    }
    if (result.ok) return result.value;
    const msg = String((result.err as Error | undefined)?.message ?? '');
    if (/^(WRONGTYPE|UNREADABLE)/.test(msg)) throw this.unreadable(/^UNREADABLE (\S+)/.exec(msg)?.[1]?.slice(this.prefix.length) ?? key, msg.startsWith('WRONGTYPE') ? 'a key of the wrong type' : msg.replace(/^UNREADABLE \S+ /, ''));
    throw this.clean(result.err);
  }

  private unreadable(key: string, why: string): UnreadableStateError {
    return new UnreadableStateError(key, `redis ${this.where} key ${this.prefix + key}`, why);
  }

  private ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`redis ${this.where}: the store is closed`));
    if (this.client.status === 'ready') return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** One attempt, bounded as a whole: ioredis's connectTimeout covers TCP, not the handshake. */
  private async connect(): Promise<void> {
    this.lastError = undefined;
    const attempt = this.client.connect();
    attempt.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const ms = Math.min(this.connectTimeoutMs, this.left());
    const timeout = new Promise<never>((_, reject) => {
      const why = ms < this.connectTimeoutMs ? `no answer before the run's deadline` : `no answer within ${this.connectTimeoutMs} ms`;
      timer = setTimeout(() => reject(new Error(why)), ms);
    });
    try {
      await Promise.race([attempt, timeout]);
    } catch (err) {
      // Only a live attempt: on an ended client, disconnect() would leave ioredis believing it is
      // closing on purpose, and it would then swallow the next attempt's error.
      if (this.client.status !== 'end') this.drop();
      else (this.client as unknown as { stream?: { destroy?: () => void } }).stream?.destroy?.();
      throw this.clean(this.lastError ?? err);
    } finally {
      clearTimeout(timer);
    }
  }

  private clean(err: unknown): Error {
    const e = err as NodeJS.ErrnoException | undefined;
    // Node's socket errors repeat the address; syscall and code say it all.
    let text = e?.syscall && e.code ? `${e.syscall} ${e.code}` : String(e?.message ?? err);
    for (const s of this.secrets) text = text.split(s).join('***');
    const clean: NodeJS.ErrnoException = new Error(`redis ${this.where}: ${text}`);
    if (typeof e?.code === 'string') clean.code = e.code;
    return clean;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
