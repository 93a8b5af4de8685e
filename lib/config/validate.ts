/** Schema validation turned into path-named problems, plus the checks a schema cannot make. */
import * as v from 'valibot';
import type { Config, ConfigSchema } from './schema';
import type { PathKey, Problem } from './errors';

type Issue = v.BaseIssue<unknown>;

function issuePath(issue: Issue): PathKey[] {
  return (issue.path ?? []).map((item) => item.key as PathKey);
}

function issueMessage(issue: Issue): string {
  // An unknown key in a strict object: valibot reports the key itself with expected "never".
  if (issue.expected === 'never') return 'unknown key';
  if (issue.received === 'undefined') return 'is required';
  if (issue.type === 'variant') {
    const allowed = (issue.expected ?? '').replace(/[()"]/g, '').split(' | ').join(', ');
    return `unknown type ${issue.received} (known types: ${allowed})`;
  }
  if (issue.kind === 'schema' && (issue.type === 'object' || issue.type === 'strict_object')) {
    return `must be a mapping of keys to values, got ${issue.received}`;
  }
  if (issue.kind === 'schema' && issue.type === 'array' && !issue.message.startsWith('must')) {
    return `must be a list, got ${issue.received}`;
  }
  if (issue.kind === 'schema' && issue.type === 'record') return `must be a mapping, got ${issue.received}`;
  // Our own messages start with a lower-case word ("must ...", "not a valid URL").
  if (/^[a-z]/.test(issue.message)) {
    const tail = issue.received && issue.kind !== 'validation' ? `, got ${issue.received}` : '';
    const bare = issue.type === 'check' || issue.type === 'regex' || issue.type === 'non_empty';
    const got = issue.kind === 'validation' && !bare ? `, got ${issue.received}` : tail;
    return `${issue.message}${got}`;
  }
  return issue.message;
}

export function validateConfig(configSchema: ConfigSchema, input: unknown): { config?: Config; problems: Problem[] } {
  // valibot's object and record schemas take arrays as mappings ({"0": ...}); a list where a
  // mapping belongs is a slip worth naming plainly, so those places are checked first.
  const shape = shapeProblems(input);
  const under = (path: PathKey[]) => shape.some((p) => p.path.every((k, i) => path[i] === k));
  const problems: Problem[] = [...shape];
  const result = v.safeParse(configSchema, input, { abortPipeEarly: true });
  if (!result.success) {
    const seen = new Set<string>();
    for (const issue of result.issues) {
      const p = { path: issuePath(issue), message: issueMessage(issue) };
      const key = `${p.path.join('\0')}\u0001${p.message}`;
      if (seen.has(key) || under(p.path)) continue;
      seen.add(key);
      problems.push(p);
    }
  }
  problems.splice(0, problems.length, ...allUnknownKeys(configSchema, input, problems));
  problems.push(...duplicateNames(input));
  if (problems.length || !result.success) return { problems };
  problems.push(...channelReferences(result.output));
  if (problems.length) return { problems };
  return { config: result.output, problems };
}

/** Every channel named in `alerts` or a monitor's `alert` must be defined under `channels`. */
function channelReferences(config: Config): Problem[] {
  const known = Object.keys(config.channels);
  const problems: Problem[] = [];
  const check = (name: string, path: PathKey[]) => {
    if (Object.hasOwn(config.channels, name)) return;
    const hint = known.length ? `configured: ${known.join(', ')}` : 'no channels are configured under `channels:`';
    problems.push({ path, message: `unknown channel "${name}" (${hint})` });
  };
  config.alerts.channels?.forEach((c, j) => check(c, ['alerts', 'channels', j]));
  if (config.alerts.fallback !== undefined) check(config.alerts.fallback, ['alerts', 'fallback']);
  config.alerts.monitoringChannels?.forEach((c, j) => check(c, ['alerts', 'monitoringChannels', j]));
  config.monitors.forEach((m, i) => m.alert?.channels?.forEach((c, j) => check(c, ['monitors', i, 'alert', 'channels', j])));
  return problems;
}

const describe = (x: unknown) => (Array.isArray(x) ? 'Array' : typeof x === 'string' ? JSON.stringify(x) : String(x));
const isMapping = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x);

/** The `monitors` list as written, before any validation. */
function rawMonitors(input: unknown): unknown[] {
  const monitors = isMapping(input) ? (input as { monitors?: unknown }).monitors : undefined;
  return Array.isArray(monitors) ? monitors : [];
}

function shapeProblems(input: unknown): Problem[] {
  const problems: Problem[] = [];
  rawMonitors(input).forEach((m: unknown, i) => {
    if (!isMapping(m)) {
      if (m !== undefined && m !== null) problems.push({ path: ['monitors', i], message: `must be a mapping of keys to values, got ${describe(m)}` });
      return;
    }
    for (const key of ['expect', 'headers']) {
      const value = (m as Record<string, unknown>)[key];
      if (Array.isArray(value)) problems.push({ path: ['monitors', i, key], message: `must be a mapping of keys to values, got Array` });
    }
  });
  return problems;
}

/** On the raw input, so a duplicate shows up together with every other problem. */
function duplicateNames(input: unknown): Problem[] {
  const first = new Map<string, number>();
  const problems: Problem[] = [];
  rawMonitors(input).forEach((m: unknown, i) => {
    const name = isMapping(m) ? (m as { name?: unknown }).name : undefined;
    if (typeof name !== 'string') return;
    const at = first.get(name);
    if (at === undefined) first.set(name, i);
    else problems.push({ path: ['monitors', i, 'name'], message: `duplicate name "${name}" (also monitors[${at}])` });
  });
  return problems;
}

interface SchemaNode {
  type: string;
  wrapped?: SchemaNode;
  pipe?: SchemaNode[];
  entries?: Record<string, SchemaNode>;
  item?: SchemaNode;
  value?: SchemaNode;
  key?: string;
  options?: SchemaNode[];
  literal?: unknown;
}

/** The object schema that validates the mapping at `path` of `input`, when one can be told. */
function schemaAt(root: unknown, input: unknown, path: PathKey[]): SchemaNode | undefined {
  let s = root as SchemaNode | undefined;
  let at = input;
  for (let depth = 0; ; ) {
    while (s && (s.wrapped || s.pipe)) s = s.wrapped ?? s.pipe![0];
    if (!s) return undefined;
    if (s.type === 'variant' && isMapping(at)) {
      const tag = (at as Record<string, unknown>)[s.key!];
      s = s.options!.find((o) => {
        let x: SchemaNode | undefined = o;
        while (x && (x.wrapped || x.pipe)) x = x.wrapped ?? x.pipe![0];
        return x?.entries?.[s!.key!]?.literal === tag;
      });
      continue;
    }
    if (depth === path.length) return s.entries ? s : undefined;
    const key = path[depth]!;
    if (s.entries) s = s.entries[String(key)];
    else if (s.type === 'array') s = s.item;
    else if (s.type === 'record') s = s.value;
    else return undefined;
    depth++;
    at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[String(key)] : undefined;
  }
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = row[j]!;
      row[j] = next;
    }
  }
  return row[b.length]!;
}

/**
 * The known key `key` is most likely a slip for: a small edit away (`sampels`, `Samples`), or
 * part of a longer key (`timeout` of `readTimeoutMs`). None when nothing is that close: a
 * far-fetched guess misleads more than the list of keys.
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3))) return best;
  if (lower.length < 4) return undefined;
  return known.find((k) => k.toLowerCase().includes(lower)) ?? known.find((k) => k.length >= 4 && lower.startsWith(k.toLowerCase()));
}

/**
 * valibot stops at a mapping's first unknown key; a typo seldom comes alone, so every unknown
 * key of that mapping is named, in place of the first, each with the known key nearest to it.
 */
function allUnknownKeys(root: unknown, input: unknown, problems: Problem[]): Problem[] {
  const out: Problem[] = [];
  const done = new Set<string>();
  for (const p of problems) {
    if (p.message !== 'unknown key' || p.path.length === 0) {
      out.push(p);
      continue;
    }
    const parent = p.path.slice(0, -1);
    const id = parent.join('\0');
    if (done.has(id)) continue;
    done.add(id);
    const schema = schemaAt(root, input, parent);
    let raw: unknown = input;
    for (const k of parent) raw = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)[String(k)] : undefined;
    if (!schema?.entries || !isMapping(raw)) {
      out.push(p);
      continue;
    }
    const known = Object.keys(schema.entries);
    for (const key of Object.keys(raw as object)) {
      if (Object.hasOwn(schema.entries, key)) continue;
      const near = closestKey(key, known);
      out.push({ path: [...parent, key], message: near ? `unknown key (did you mean "${near}"?)` : `unknown key (known here: ${known.join(', ')})` });
    }
  }
  return out;
}
