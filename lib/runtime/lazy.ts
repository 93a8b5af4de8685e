/**
 * Code that only some runs need (the YAML parser, the Redis client, the alert channels,
 * nodemailer and the SMS SDK client) is built into dist/lazy/<name>.js and required on first use, so a healthy cold
 * start never pays to load it. From source (tsx, tests) it comes from node_modules or lib/.
 * The CKafka client is here for another reason: every kafkaLag run needs it, but SCF's init
 * phase (the bundle's require) is kept to the handler's own code, and the SDK (with node-fetch,
 * bignumber.js, https-proxy-agent) is loaded by the first run that reads an instance.
 */
import { basename, join } from 'node:path';
import { IN_BUNDLE } from './bundle';

/** Each lazy module and what scripts/build.ts bundles into dist/lazy/<name>.js. */
export const LAZY_MODULES = {
  yaml: 'yaml',
  ioredis: 'ioredis',
  nodemailer: 'nodemailer',
  channels: './lib/alerting/channels/index.ts',
  smsClient: 'tencentcloud-sdk-nodejs-sms/tencentcloud/services/sms/v20210111/sms_client',
  ckafkaClient: 'tencentcloud-sdk-nodejs-ckafka/tencentcloud/services/ckafka/v20190819/ckafka_client',
} as const;
export type LazyModule = keyof typeof LAZY_MODULES;

export function lazyRequire<T>(name: LazyModule): T {
  if (IN_BUNDLE) {
    // Called from a function bundle (dist/) or from another lazy module (dist/lazy/).
    const dir = basename(__dirname) === 'lazy' ? __dirname : join(__dirname, 'lazy');
    // A computed path keeps esbuild from inlining the module into the calling bundle.
    return require([dir, `${name}.js`].join('/')) as T;
  }
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
    case 'channels':
      // Computed, for the same reason: esbuild must not follow it into the function bundle.
      return require(['..', 'alerting', 'channels'].join('/')) as T;
  }
}
