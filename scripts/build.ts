/**
 * npm run build [-- --config FILE] [--out DIR]: functions/<name>.ts -> dist/<name>.js (esbuild, CommonJS,
 * node20, minified, no node_modules needed at run time), rarely used libraries ->
 * dist/lazy/<name>.js, and the config -> dist/monitors.json (parsed at build time, so a cold
 * start reads JSON instead of loading a YAML parser). Structure is checked here; `${ENV}`
 * values are resolved at run time on the function.
 *
 * The image functions (pagePerf: it needs Chromium, which SCF's zip runtime cannot run) go to
 * dist-image/ instead, with the same lazy/ plus playwright-core and the same monitors.json:
 * dist/ (the zip deploy) never carries them, and deploy/page/Dockerfile copies dist-image/.
 */
import { build } from 'esbuild';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, formatProblem } from '../lib/config/errors';
import { findConfig, parseConfigText } from '../lib/config/load';
import { configWarnings } from '../lib/config/warnings';
import { CHANNEL_TYPES } from '../lib/channels';
import { checkFullConfig, IMAGE_FUNCTIONS, MONITOR_TYPE_NAMES } from '../lib/functions';
import { IMAGE_ONLY_LAZY, LAZY_MODULES, type LazyModule } from '../lib/util/lazy';

const root = resolve(__dirname, '..');

/**
 * What a bundle must not inline: each lazy library by name and by package path (lazy.ts's
 * from-source branch names the packages literally, and esbuild would follow those).
 */
const LAZY_EXTERNALS = Object.entries(LAZY_MODULES).flatMap(([name, source]) => [name, source]);

/** Each channel's sender is a lazy module of its own: dist/lazy/channel-<type>.js. */
const CHANNEL_SENDERS = CHANNEL_TYPES.map((type) => ({ name: `channel-${type}`, entry: join(root, 'lib', 'channels', type, 'send.ts') }));

/** Every bundle knows every monitor type's name, so a misspelt type is an error there too (lib/runtime/config.ts). */
const DEFINES = { __SCF_BUNDLE__: 'true', __SCF_MONITOR_TYPES__: JSON.stringify(MONITOR_TYPE_NAMES) };
const dist = join(root, 'dist');

/**
 * Lazy libraries shipped as their package rather than bundled: playwright-core finds its
 * package.json and assets beside its own files, so a bundle of it cannot start. It has no
 * dependencies; its folder is copied to <out>/node_modules/, where the lazy module's require finds it.
 */
const COPIED_PACKAGES: Partial<Record<LazyModule, string>> = { playwright: 'playwright-core' };


/** What every bundle is built with (the benchmark's baseline bundle too). */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
} as const;

/**
 * Dependencies of the Tencent Cloud SDK (through node-fetch 2) that cost a cold start tens of
 * milliseconds and that no code path here uses: measured, requiring the SMS client went from
 * about 60 ms to the figure in bench/results.md. See scripts/shims/ for why each is unused.
 */
export const SDK_ALIASES = {
  'whatwg-url': join(root, 'scripts/shims/whatwg-url.js'),
  'form-data': join(root, 'scripts/shims/form-data.js'),
};

export async function buildAll(opts: { configPath?: string; outDir?: string; imageOutDir?: string; quiet?: boolean; configOptional?: boolean } = {}): Promise<void> {
  const final = opts.outDir ?? dist;
  const finalImage = opts.imageOutDir ?? `${final}-image`;
  const say = (s: string) => opts.quiet || process.stdout.write(`${s}\n`);
  // Looked for before anything is touched: functions deployed without a config cannot run.
  // Only the benchmarks, which time the bundles alone, build without one (configOptional).
  let configFile: string | undefined;
  try {
    configFile = findConfig({ configPath: opts.configPath });
  } catch (err) {
    if (!(err instanceof ConfigError) || opts.configPath || !opts.configOptional) throw err;
  }
  // Built beside the old dist/ and dist-image/, each replaced only by a complete new one: a
  // failed build leaves the last good ones in place.
  const out = `${final}.building-${process.pid}`;
  const imageOut = `${finalImage}.building-${process.pid}`;
  try {
    const all = readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts'));
    const isImage = (f: string) => IMAGE_FUNCTIONS.includes(basename(f, '.ts'));
    const zipLazy = (Object.keys(LAZY_MODULES) as LazyModule[]).filter((n) => !IMAGE_ONLY_LAZY.includes(n));
    await buildTree(out, all.filter((f) => !isImage(f)), zipLazy, (s) => say(`${basename(final)}/${s}`));
    await buildTree(imageOut, all.filter(isImage), Object.keys(LAZY_MODULES) as LazyModule[], (s) => say(`${basename(finalImage)}/${s}`));
    if (configFile) writeConfig(configFile, out, imageOut, say);
  } catch (err) {
    rmSync(out, { recursive: true, force: true });
    rmSync(imageOut, { recursive: true, force: true });
    throw err;
  }
  for (const [from, to] of [[out, final], [imageOut, finalImage]] as const) {
    rmSync(to, { recursive: true, force: true });
    renameSync(from, to);
  }
}

/** The config as JSON beside both trees, with the files it names (a ca, a sweep's targets) carried along. */
function writeConfig(configFile: string, out: string, imageOut: string, say: (s: string) => void): void {
  const text = readFileSync(configFile, 'utf8');
  const { problems } = checkFullConfig(text, configFile, process.env, 'ignore');
  if (problems.length) throw new ConfigError(problems, configFile);
  for (const w of configWarnings(parseConfigText(text, configFile).data)) say(`warning: ${formatProblem(w)}`);
  const data = parseConfigText(text, configFile).data as { monitors?: { targets?: { file?: unknown }; ca?: unknown }[]; channels?: Record<string, { ca?: unknown }> };
  embedCaFiles(data, configFile);
  const json = `${JSON.stringify(data, null, 2)}\n`;
  for (const dir of [out, imageOut]) writeFileSync(join(dir, 'monitors.json'), json);
  say(`dist/monitors.json, dist-image/monitors.json  from ${configFile}`);
  // A sweep's target list in a file is read at run time, relative to the config: it ships beside it.
  (data.monitors ?? []).forEach((m, i) => {
    const file = m?.targets?.file;
    if (typeof file !== 'string') return;
    const to = resolve(out, file);
    if (!to.startsWith(resolve(out) + sep)) throw new ConfigError([{ path: ['monitors', i, 'targets', 'file'], message: 'must stay inside the config directory (no .. or absolute path): it ships in dist/' }], configFile);
    try {
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(resolve(dirname(configFile), file), to);
    } catch (err) {
      throw new ConfigError([{ path: ['monitors', i, 'targets', 'file'], message: `cannot copy ${file} into dist/: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }], configFile);
    }
    say(`dist/${file}  the target list of monitors[${i}]`);
  });
}

/** One deploy folder: its functions' bundles, the lazy modules it may need and every channel sender. */
async function buildTree(out: string, functions: string[], lazy: LazyModule[], say: (s: string) => void): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'lazy'), { recursive: true });
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: functions.map((f) => join(root, 'functions', f)),
    outdir: out,
    define: DEFINES,
    alias: SDK_ALIASES,
    // Loaded from dist/lazy/ by lib/util/lazy.ts when a run needs them.
    external: LAZY_EXTERNALS,
  });
  for (const name of lazy) {
    const source = LAZY_MODULES[name];
    const copied = COPIED_PACKAGES[name];
    if (copied) cpSync(join(root, 'node_modules', copied), join(out, 'node_modules', copied), { recursive: true, dereference: true });
    await build({
      ...BUNDLE_OPTIONS,
      stdin: { contents: `module.exports = require(${JSON.stringify(source)});`, resolveDir: root, loader: 'js' as const },
      alias: SDK_ALIASES,
      external: [...LAZY_EXTERNALS.filter((n) => n !== name && n !== source), ...(copied ? [copied] : [])],
      outfile: join(out, 'lazy', `${name}.js`),
    });
  }
  for (const { name, entry } of CHANNEL_SENDERS) {
    await build({
      ...BUNDLE_OPTIONS,
      entryPoints: [entry],
      define: DEFINES,
      alias: SDK_ALIASES,
      // A sender loads its library (nodemailer, the SMS client) from its own lazy module.
      external: LAZY_EXTERNALS,
      outfile: join(out, 'lazy', `${name}.js`),
    });
  }
  for (const f of functions) {
    const name = basename(f, '.ts');
    say(`${name}.js  ${(statSync(join(out, `${name}.js`)).size / 1024).toFixed(1)} KiB`);
  }
}

/**
 * A `ca` that names a file goes into dist/monitors.json as the PEM itself: the path is relative
 * to the config on this machine, and nothing else the function reads would carry the file.
 */
function embedCaFiles(data: { monitors?: { ca?: unknown }[]; channels?: Record<string, { ca?: unknown }> }, configFile: string): void {
  const embed = (holder: { ca?: unknown } | undefined, path: (string | number)[]) => {
    const ca = holder?.ca;
    // A PEM is kept as written; a `${VAR}` is the function's to resolve at run time.
    if (typeof ca !== 'string' || ca.includes('-----BEGIN') || ca.includes('${')) return;
    let pem: string;
    try {
      pem = readFileSync(resolve(dirname(configFile), ca), 'utf8');
    } catch (err) {
      throw new ConfigError([{ path, message: `cannot read ${resolve(dirname(configFile), ca)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }], configFile);
    }
    if (!pem.includes('-----BEGIN')) throw new ConfigError([{ path, message: `${ca} is not a PEM certificate` }], configFile);
    holder!.ca = pem;
  };
  (data.monitors ?? []).forEach((m, i) => embed(m, ['monitors', i, 'ca']));
  for (const [name, c] of Object.entries(data.channels ?? {})) embed(c, ['channels', name, 'ca']);
}

if (require.main === module) {
  const { values } = parseArgs({ options: { config: { type: 'string' }, out: { type: 'string' } } });
  buildAll({ configPath: values.config, ...(values.out ? { outDir: resolve(values.out) } : {}) }).catch((err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`build: ${err.problems.map(formatProblem).join('\n  ')}\n`);
    else process.stderr.write(`build: ${(err as Error).message}\n`);
    process.exitCode = 2;
  });
}
