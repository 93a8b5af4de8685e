import type { StateConfig } from '../config/alerting-schema';
import { FileStore } from './file';
import { RedisStore } from './redis';
import type { StateStore } from './types';

/**
 * The store the config names. Importing this is cheap: ioredis loads only when a RedisStore is made.
 * With `deadlineAt` no store operation (connect, command, lock wait, close) waits past it.
 */
export function openStore(config: StateConfig, opts: { deadlineAt?: number } = {}): StateStore {
  switch (config.type) {
    case 'file':
      return new FileStore(config.path, opts);
    case 'redis':
      return new RedisStore(config, opts);
  }
}
