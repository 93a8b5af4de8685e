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
import type { StateStore, Versioned } from './types';

export type RedisStateConfig = Extract<StateConfig, { type: 'redis' }>;

/** '' for `expected` means "only if the key does not exist"; versions are never ''. */
const CAS = `
local current = redis.call('HGET', KEYS[1], 'version')
if ARGV[1] == '' then
  if current then return 0 end
elseif current ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'version', ARGV[3])
return 1`;

const APPEND = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
return 1`;

type Client = IoRedis.Redis & {
  stateCas(key: string, expected: string, value: string, version: string): Promise<number>;
  stateAppend(key: string, item: string, max: number): Promise<number>;
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

  constructor(config: RedisStateConfig) {
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
        stateCas: { numberOfKeys: 1, lua: CAS },
        stateAppend: { numberOfKeys: 1, lua: APPEND },
      },
    }) as Client;
    this.client.on('error', (err: Error) => {
      this.lastError = err;
    });
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const [value, version] = await this.run(() => this.client.hmget(this.prefix + key, 'value', 'version'));
    if (value == null || version == null) return undefined;
    return { value: JSON.parse(value) as T, version };
  }

  async compareAndSet<T>(key: string, expected: string | undefined, value: T): Promise<boolean> {
    const version = randomBytes(12).toString('base64url');
    const won = await this.run(() => this.client.stateCas(this.prefix + key, expected ?? '', JSON.stringify(value), version));
    return won === 1;
  }

  async append<T>(key: string, item: T, max: number): Promise<void> {
    if (!(max >= 1)) throw new RangeError(`state key ${key}: max must be at least 1, got ${max}`);
    await this.run(() => this.client.stateAppend(this.prefix + key, JSON.stringify(item), max));
  }

  async list<T>(key: string): Promise<T[]> {
    const items = await this.run(() => this.client.lrange(this.prefix + key, 0, -1));
    return items.map((s) => JSON.parse(s) as T);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // Fall through: drop the socket instead.
      }
    }
    this.client.disconnect();
  }

  private async run<R>(command: () => Promise<R>): Promise<R> {
    await this.ready();
    try {
      return await command();
    } catch (err) {
      throw this.clean(err);
    }
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
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
    });
    try {
      await Promise.race([attempt, timeout]);
    } catch (err) {
      // Only a live attempt: on an ended client, disconnect() would leave ioredis believing it is
      // closing on purpose, and it would then swallow the next attempt's error.
      if (this.client.status !== 'end') this.client.disconnect();
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
