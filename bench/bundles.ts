/**
 * The dist/ directories the bench runs: each is what scripts/build.ts makes (statusCheck.js,
 * lazy/*.js, monitors.json) for one config, plus a BASELINE directory whose statusCheck.js also
 * pulls in the whole tencentcloud-sdk-nodejs, built with the same esbuild options.
 */
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildAll, BUNDLE_OPTIONS } from '../scripts/build';
import { LAZY_MODULES } from '../lib/util/lazy';
import { closedPort } from '../dev/standins/servers';

const root = resolve(__dirname, '..');

export interface Dists {
  /** One healthy http monitor, no channels. */
  plain: string;
  /** The same monitor, three channels configured (unused ports), file state at ${BENCH_STATE_DIR}. */
  channels: string;
  /** `plain` with the whole Tencent Cloud SDK bundled in. */
  baseline: string;
  /** The throughput runs' bundles: N http or tcp monitors, per concurrency (the same statusCheck.js). */
  many: Record<'http' | 'tcp', Record<number, string>>;
}

async function buildWith(dir: string, name: string, config: object): Promise<string> {
  const configPath = join(dir, `${name}.json`);
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const out = join(dir, name);
  await buildAll({ configPath, outDir: out, quiet: true });
  return out;
}

export async function buildDists(
  dir: string,
  target: { port: number; tcpPort: number },
  checks: { http: number; tcp: number },
  concurrencies: number[],
  ca: string,
): Promise<Dists> {
  const targetPort = target.port;
  const url = `http://127.0.0.1:${targetPort}/`;
  const monitor = { name: 'local', type: 'http', url, samples: 1 };
  const plain = await buildWith(dir, 'plain', { monitors: [monitor] });

  const [smtp, wecom, ding] = [await closedPort(), await closedPort(), await closedPort()];
  const channels = await buildWith(dir, 'channels', {
    // Interpolated at run time, so every cold process can get an empty state directory.
    state: { type: 'file', path: '${BENCH_STATE_DIR}' },
    channels: {
      mail: {
        type: 'email',
        host: '127.0.0.1',
        port: smtp,
        secure: false,
        user: 'monitor',
        pass: 'not-a-real-password',
        from: 'monitor@example.com',
        to: 'oncall@example.com',
        ca,
      },
      wecom: { type: 'wecom', webhook: `http://127.0.0.1:${wecom}/cgi-bin/webhook/send?key=bench-key` },
      ding: {
        type: 'dingtalk',
        webhook: `http://127.0.0.1:${ding}/robot/send?access_token=bench-token`,
        secret: 'SECbench',
        keywords: ['监控'],
      },
    },
    alerts: { channels: ['mail', 'wecom', 'ding'] },
    monitors: [monitor],
  });

  const many: Dists['many'] = { http: {}, tcp: {} };
  const first = await buildWith(dir, 'many', { monitors: [monitor] });
  for (const kind of ['http', 'tcp'] as const) {
    for (const concurrency of concurrencies) {
      const out = join(dir, `many-${kind}-${concurrency}`);
      cpSync(first, out, { recursive: true });
      const monitors = Array.from({ length: checks[kind] }, (_, i) =>
        kind === 'http' ? { name: `m${i}`, type: 'http', url, samples: 1 } : { name: `m${i}`, type: 'tcp', host: '127.0.0.1', port: target.tcpPort, samples: 1 },
      );
      // What the build writes from a config with these monitors (the parsed config as JSON). The
      // file store (history on, as by default) lives beside it, kept across the bench's runs like
      // a machine's /tmp, not shared with anything else's.
      const state = { type: 'file', path: join(out, 'state') };
      writeFileSync(join(out, 'monitors.json'), `${JSON.stringify({ concurrency, state, monitors }, null, 2)}\n`);
      many[kind][concurrency] = out;
    }
  }

  // BASELINE: the same entry plus the whole SDK, with scripts/build.ts's options and externals.
  const baseline = join(dir, 'baseline');
  mkdirSync(baseline, { recursive: true });
  await build({
    ...BUNDLE_OPTIONS,
    logLevel: 'error', // the SDK's own bundling warnings are not ours to read; output is unaffected
    define: { __SCF_BUNDLE__: 'true' },
    external: Object.keys(LAZY_MODULES),
    stdin: {
      // A bare import: the SDK's CommonJS entry runs at require time, as it would for a
      // function that imports it for one API call.
      contents: `import 'tencentcloud-sdk-nodejs';\nexport { main_handler } from './functions/statusCheck';\n`,
      resolveDir: root,
      sourcefile: 'statusCheck-baseline.ts',
      loader: 'ts',
    },
    outfile: join(baseline, 'statusCheck.js'),
  });
  // Beside the same monitors.json (and lazy/, though a healthy run needs none of it).
  cpSync(join(plain, 'monitors.json'), join(baseline, 'monitors.json'));
  cpSync(join(plain, 'lazy'), join(baseline, 'lazy'), { recursive: true });

  return { plain, channels, baseline, many };
}

/** Every function bundle dist/*.js and every dist/lazy/*.js, with its size in bytes. */
export function bundleSizes(dist: string): { file: string; bytes: number }[] {
  const list = (sub: string) =>
    readdirSync(join(dist, sub))
      .filter((f) => f.endsWith('.js'))
      .sort()
      .map((f) => ({ file: join('dist', sub, f), bytes: statSync(join(dist, sub, f)).size }));
  return [...list(''), ...list('lazy')];
}
