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
