/**
 * `${NAME}` interpolation over every string of the parsed config. `${NAME:-fallback}` gives a
 * default, `$${` writes a literal `${`. Secrets reach the config only this way.
 */
import type { PathKey, Problem } from './errors';

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface Interpolated {
  value: unknown;
  /** Variables referenced but unset (with no fallback), with where they are used. */
  missing: Problem[];
  /** Paths whose string came out containing a value taken from the environment. */
  fromEnv: PathKey[][];
  /** Every value taken from the environment: what a message must never repeat. */
  values: string[];
  /** Paths whose string had a `${...}` replaced (from the environment or its fallback). */
  substituted: PathKey[][];
}

export function interpolate(input: unknown, env: NodeJS.ProcessEnv): Interpolated {
  const missing: Problem[] = [];
  const fromEnv: PathKey[][] = [];
  const values = new Set<string>();
  const substituted: PathKey[][] = [];

  const visit = (node: unknown, path: PathKey[]): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node;
      let used = false;
      let replaced = false;
      const out = node.replace(PATTERN, (match, name: string | undefined, fallback: string | undefined) => {
        if (match === '$${') return '${';
        replaced = true;
        const value = env[name!];
        if (value !== undefined && value !== '') {
          used = true;
          values.add(value);
          return value;
        }
        if (fallback !== undefined) return fallback;
        missing.push({ path, message: `environment variable ${name} is not set` });
        return match;
      });
      if (used) fromEnv.push(path);
      if (replaced) substituted.push(path);
      return out;
    }
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...path, i]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(node)) out[k] = visit(val, [...path, k]);
      return out;
    }
    return node;
  };

  return { value: visit(input, []), missing, fromEnv, values: [...values], substituted };
}
