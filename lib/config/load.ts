/**
 * Finds, reads, interpolates and validates the config. Order (README "Use it"): `--config FILE`,
 * env SCF_MONITOR_CONFIG, the config beside the running bundle (the build writes
 * monitors.json there, so a cold start parses JSON, not YAML), then ./monitors.yaml.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type * as Yaml from 'yaml';
import { ConfigError, type PathKey, type Problem } from './errors';
import { interpolate } from './env';
import { parseYamlInChunks } from './yaml-chunks';
import { validateConfig } from './validate';
import type { Config, ConfigSchema } from './schema';
import { IN_BUNDLE } from '../util/bundle';
import { lazyRequire } from '../util/lazy';
import { envSecrets, scrubText } from '../report/secrets';
import { collectSecrets } from './secrets';

export interface LoadOptions {
  /** `--config FILE` from the CLI. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the running bundle lives; the deployed config sits beside it. */
  bundleDir?: string;
}

export interface Loaded {
  config: Config;
  path: string;
  /** Paths of config strings that took a value from the environment (may be secret). */
  fromEnv: PathKey[][];
  /** What no record, log line or message may repeat (see report/secrets.ts). */
  secrets: readonly string[];
}

const BESIDE_BUNDLE = ['monitors.json', 'monitors.yaml', 'monitors.yml'];

export function findConfig(opts: LoadOptions = {}): string {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.configPath ?? env.SCF_MONITOR_CONFIG;
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) {
      const from = opts.configPath ? '--config' : 'SCF_MONITOR_CONFIG';
      throw new ConfigError([{ path: [], message: `config file ${path} (from ${from}) does not exist` }]);
    }
    return path;
  }
  // From source there is no bundle to sit beside: only the deployed function looks there.
  const bundleDir = opts.bundleDir ?? (IN_BUNDLE ? __dirname : undefined);
  const candidates = [...(bundleDir ? BESIDE_BUNDLE.map((f) => join(bundleDir, f)) : []), join(cwd, 'monitors.yaml')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new ConfigError([
      {
        path: [],
        message:
          `no config found: pass --config FILE, set SCF_MONITOR_CONFIG, or create ./monitors.yaml ` +
          `(cp monitors.example.yaml monitors.yaml). Looked in: ${candidates.join(', ')}`,
      },
    ]);
  }
  return found;
}

interface Parsed {
  data: unknown;
  /** Maps a config path to "file:line:col" for YAML sources. */
  locate: (path: PathKey[]) => string | undefined;
}

export function parseConfigText(text: string, file: string): Parsed {
  if (file.endsWith('.json')) {
    try {
      return { data: JSON.parse(text), locate: () => undefined };
    } catch (err) {
      const message = (err as Error).message;
      // V8 names at most a character offset (node 20 often none), which nobody can find in an
      // editor; a trailing comma, the usual slip, is found here and named by line and column.
      const comma = trailingComma(text);
      const at = /at position (\d+)/.exec(message);
      const offset = comma ?? (at ? Number(at[1]) : undefined);
      const where = offset === undefined ? undefined : lineCol(text, offset);
      const trailing = comma !== undefined ? 'a trailing comma (JSON allows none before } or ])' : message.replace(/ in JSON at position \d+.*$/s, '').split('\n')[0];
      throw new ConfigError(
        [{ path: [], ...(where ? { where: `${file}:${where.line}:${where.col}` } : {}), message: `not valid JSON: ${trailing}` }],
        file,
      );
    }
  }
  const yaml = lazyRequire<typeof Yaml>('yaml');
  const pieces = parseYamlInChunks(text, yaml);
  if (pieces) {
    // Positions are wanted only for problems: the whole document is parsed then, and only then.
    let whole: Parsed | undefined;
    return { data: pieces, locate: (path) => (whole ??= parseWholeYaml(text, file, yaml)).locate(path) };
  }
  return parseWholeYaml(text, file, yaml);
}

/** The offset of the first comma followed by } or ], outside strings. */
function trailingComma(text: string): number | undefined {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ',' && /^\s*[}\]]/.test(text.slice(i + 1, i + 200))) return i;
  }
  return undefined;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

function parseWholeYaml(text: string, file: string, yaml: typeof Yaml): Parsed {
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
        return { path: [], where: `${file}:${pos.line}:${pos.col}`, message: `YAML: ${e.message.split('\n')[0]}` };
      }),
      file,
    );
  }
  const locate = (path: PathKey[]) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) {
        const pos = lines.linePos(node.range[0]);
        return `${file}:${pos.line}:${pos.col}`;
      }
    }
    return undefined;
  };
  return { data: doc.toJS(), locate };
}

/** Parse and validate config text; `missingEnv: 'ignore'` lets the build check structure without secrets. */
export function checkConfig(
  schema: ConfigSchema,
  text: string,
  file: string,
  env: NodeJS.ProcessEnv,
  missingEnv: 'error' | 'ignore' = 'error',
): { config?: Config; problems: Problem[]; fromEnv: PathKey[][]; envValues: string[] } {
  const parsed = parseConfigText(text, file);
  if (parsed.data === null || typeof parsed.data !== 'object' || Array.isArray(parsed.data)) {
    return { problems: [{ path: [], message: 'the config must be a mapping with a `monitors:` list' }], fromEnv: [], envValues: [] };
  }
  const { value, missing, fromEnv, values: envValues, substituted } = interpolate(parsed.data, env);
  const fromTemplate = new Set(substituted.map((p) => p.join('\0')));
  const unresolved = new Set(missing.map((p) => p.path.join('\0')));
  const { config, problems } = validateConfig(schema, value);
  const all =
    missingEnv === 'error'
      ? [...missing, ...problems.filter((p) => !unresolved.has(p.path.join('\0')))]
      : problems.filter((p) => !unresolved.has(p.path.join('\0')));
  // A validation message quotes what it got ("must be zh-CN or en, got ..."): when that came
  // from the environment it may be a secret put in the wrong place.
  const secrets = envValues.length ? envSecrets(envValues) : [];
  for (const p of all) {
    p.where ??= parsed.locate(p.path);
    // `port: "${DB_PORT:-3306}"` reads as a number but arrives as the text "3306".
    if (fromTemplate.has(p.path.join('\0')) && /(number|true or false).*, got "/.test(p.message)) {
      p.message += ': ${...} always yields text, so numbers and true/false must be written as literals (port: 3306)';
    }
    if (secrets.length) p.message = scrubText(p.message, secrets);
  }
  if (all.length) return { problems: all, fromEnv, envValues };
  return { config, problems: [], fromEnv, envValues };
}

/** Find, read and validate the config against `schema` (a function's own, or the full one). */
export function loadConfig(schema: ConfigSchema, opts: LoadOptions = {}): Loaded {
  const path = findConfig(opts);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: [], message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }], path);
  }
  const env = opts.env ?? process.env;
  // A warm SCF instance runs the same config with the same environment again and again;
  // validating a thousand monitors each time costs more than reading the file.
  const key = `${path}\u0000${text}\u0000${JSON.stringify(env)}`;
  const last = lastLoaded.get(schema);
  if (last?.key === key) return last.loaded;
  const { config, problems, fromEnv, envValues } = checkConfig(schema, text, path, env);
  if (!config) throw new ConfigError(problems, path);
  readCaFiles(config, dirname(path));
  const loaded = { config, path, fromEnv, secrets: collectSecrets(config, envValues) };
  lastLoaded.set(schema, { key, loaded });
  return loaded;
}

/** The last config loaded per schema, with what it was loaded from. Callers treat configs as read-only. */
const lastLoaded = new WeakMap<ConfigSchema, { key: string; loaded: Loaded }>();

/** `ca` is a PEM or a path to one, relative to the config file; the monitor or channel gets the PEM. */
function readCaFiles(config: Config, base: string): void {
  const problems: Problem[] = [];
  const resolveCa = (ca: string, path: PathKey[]): string => {
    if (ca.includes('-----BEGIN')) return ca;
    try {
      const pem = readFileSync(resolve(base, ca), 'utf8');
      if (!pem.includes('-----BEGIN')) problems.push({ path, message: 'file is not a PEM certificate' });
      return pem;
    } catch (err) {
      problems.push({ path, message: `cannot read ${resolve(base, ca)}: ${(err as NodeJS.ErrnoException).code}` });
      return ca;
    }
  };
  // Any monitor or channel type may take a `ca`; each schema says whether it does.
  config.monitors.forEach((m, i) => {
    const withCa = m as { ca?: unknown };
    if (typeof withCa.ca === 'string') withCa.ca = resolveCa(withCa.ca, ['monitors', i, 'ca']);
  });
  for (const [name, c] of Object.entries(config.channels)) {
    const withCa = c as { ca?: unknown };
    if (typeof withCa.ca === 'string') withCa.ca = resolveCa(withCa.ca, ['channels', name, 'ca']);
  }
  if (problems.length) throw new ConfigError(problems);
}
