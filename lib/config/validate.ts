/** Schema validation turned into path-named problems, plus the checks a schema cannot make. */
import * as v from 'valibot';
import { config as configSchema, type Config } from './schema';
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
    const got = issue.kind === 'validation' && issue.type !== 'check' && issue.type !== 'regex' ? `, got ${issue.received}` : tail;
    return `${issue.message}${got}`;
  }
  return issue.message;
}

/** The deepest, most specific issues: a union's nested issues say more than the union. */
function flatten(issues: readonly Issue[]): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) out.push(issue);
  return out;
}

export function validateConfig(input: unknown): { config?: Config; problems: Problem[] } {
  const result = v.safeParse(configSchema, input, { abortPipeEarly: true });
  if (!result.success) {
    const seen = new Set<string>();
    const problems: Problem[] = [];
    for (const issue of flatten(result.issues)) {
      const p = { path: issuePath(issue), message: issueMessage(issue) };
      const key = `${p.path.join('\0')}\u0001${p.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push(p);
    }
    return { problems };
  }
  const problems = duplicateNames(result.output);
  return problems.length ? { problems } : { config: result.output, problems };
}

function duplicateNames(config: Config): Problem[] {
  const first = new Map<string, number>();
  const problems: Problem[] = [];
  config.monitors.forEach((m, i) => {
    const at = first.get(m.name);
    if (at === undefined) first.set(m.name, i);
    else problems.push({ path: ['monitors', i, 'name'], message: `duplicate name "${m.name}" (also monitors[${at}])` });
  });
  return problems;
}
