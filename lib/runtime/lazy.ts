/**
 * Libraries that only some runs need (the YAML parser, the Redis client, the alert channels'
 * libraries) are built into dist/lazy/<name>.js and required on first use, so a healthy cold
 * start never pays to load them. From source (tsx, tests) they come from node_modules as usual.
 */
import { IN_BUNDLE } from './bundle';

/** Each lazy module; scripts/build.ts builds one dist/lazy/<name>.js per entry. */
export const LAZY_MODULES = ['yaml', 'ioredis', 'nodemailer'] as const;
export type LazyModule = (typeof LAZY_MODULES)[number];

export function lazyRequire<T>(name: LazyModule): T {
  if (IN_BUNDLE) {
    // A computed path keeps esbuild from inlining the module into the main bundle.
    const file = [__dirname, 'lazy', `${name}.js`].join('/');
    return require(file) as T;
  }
  switch (name) {
    case 'yaml':
      return require('yaml') as T;
    case 'ioredis':
      return require('ioredis') as T;
    case 'nodemailer':
      return require('nodemailer') as T;
  }
}
