import type { StateConfig } from '../config/alerting-schema';
import { FileStore } from './file';
import { RedisStore } from './redis';
import type { StateStore } from './types';

/** The store the config names. Importing this is cheap: ioredis loads only when a RedisStore is made. */
export function openStore(config: StateConfig): StateStore {
  switch (config.type) {
    case 'file':
      return new FileStore(config.path);
    case 'redis':
      return new RedisStore(config);
  }
}
