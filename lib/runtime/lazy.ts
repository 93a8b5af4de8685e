/**
 * Libraries that only some runs need (the YAML parser, later the alert channels) are built
 * into dist/lazy/<name>.js and required on first use, so a healthy cold start never pays to
 * load them. From source (tsx, tests) they come from node_modules as usual.
 */
import { IN_BUNDLE } from './bundle';

export function lazyRequire<T>(name: 'yaml'): T {
  if (IN_BUNDLE) {
    // A computed path keeps esbuild from inlining the module into the main bundle.
    const file = [__dirname, 'lazy', `${name}.js`].join('/');
    return require(file) as T;
  }
  switch (name) {
    case 'yaml':
      return require('yaml') as T;
  }
}
