/**
 * Libraries that only some runs need (the YAML parser, the Redis client, nodemailer and the
 * SMS SDK client) are built into dist/lazy/<name>.js and required on first use, so a healthy
 * cold start never pays to load them. From source (tsx, tests) they come from node_modules.
 * Lazy code of our own (the channel senders) names its files through `lazyPath`.
 * The CKafka client is here for another reason: every kafkaLag run needs it, but SCF's init
 * phase (the bundle's require) is kept to the handler's own code, and the SDK (with node-fetch,
 * bignumber.js, https-proxy-agent) is loaded by the first run that reads an instance.
 * playwright-core (pagePerf) likewise: its require alone costs more than the handler's.
 */
import { basename, join } from 'node:path';
import { IN_BUNDLE } from './bundle';

/** Each lazy library and what scripts/build.ts bundles into dist/lazy/<name>.js. */
export const LAZY_MODULES = {
  yaml: 'yaml',
  ioredis: 'ioredis',
  nodemailer: 'nodemailer',
  smsClient: 'tencentcloud-sdk-nodejs-sms/tencentcloud/services/sms/v20210111/sms_client',
  ckafkaClient: 'tencentcloud-sdk-nodejs-ckafka/tencentcloud/services/ckafka/v20190819/ckafka_client',
  playwright: 'playwright-core',
} as const;
export type LazyModule = keyof typeof LAZY_MODULES;

/**
 * Lazy modules built only into the image functions' folder (dist-image/, see scripts/build.ts):
 * playwright-core is megabytes that no zip-deployed function uses.
 */
export const IMAGE_ONLY_LAZY: readonly LazyModule[] = ['playwright'];

/** dist/lazy/<name>.js, seen from a function bundle (dist/) or from another lazy module (dist/lazy/). */
export function lazyPath(name: string): string {
  const dir = basename(__dirname) === 'lazy' ? __dirname : join(__dirname, 'lazy');
  // Joined at run time, so esbuild does not follow it into the calling bundle.
  return [dir, `${name}.js`].join('/');
}

export function lazyRequire<T>(name: LazyModule): T {
  if (IN_BUNDLE) return require(lazyPath(name)) as T;
  switch (name) {
    case 'yaml':
      return require('yaml') as T;
    case 'ioredis':
      return require('ioredis') as T;
    case 'nodemailer':
      return require('nodemailer') as T;
    case 'smsClient':
      return require('tencentcloud-sdk-nodejs-sms/tencentcloud/services/sms/v20210111/sms_client') as T;
    case 'ckafkaClient':
      return require('tencentcloud-sdk-nodejs-ckafka/tencentcloud/services/ckafka/v20190819/ckafka_client') as T;
    case 'playwright':
      return require('playwright-core') as T;
  }
}
