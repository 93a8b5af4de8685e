/**
 * Config errors name the path (`monitors[2].url`) and the reason; the CLI prints them and
 * exits 2, the handler throws them as one readable message. Never a stack trace for these.
 */
export type PathKey = string | number;

export interface Problem {
  path: PathKey[];
  message: string;
  /** "file:line:col" when the source is YAML and the place is known. */
  where?: string;
}

export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out || '(top level)';
}

export function formatProblem(p: Problem): string {
  return `${p.where ? `${p.where}: ` : ''}${formatPath(p.path)}: ${p.message}`;
}

export class ConfigError extends Error {
  readonly problems: Problem[];
  readonly file: string | undefined;

  constructor(problems: Problem[], file?: string) {
    const head = file ? `invalid config ${file}` : 'invalid config';
    super(`${head}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
    this.file = file;
  }
}

/** A usage mistake outside the config file (an unknown monitor in `Message`, a bad flag). */
export class UsageError extends Error {
  override name = 'UsageError';
}
