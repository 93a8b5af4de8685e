/** Field schemas both halves of the config use, each with the message a user reads. */
import * as v from 'valibot';
import { durationMs } from '../util/duration';

export const int = (min: number, max: number, what = 'a whole number') =>
  v.pipe(
    v.number(`must be ${what}`),
    v.integer(`must be ${what}`),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

export const text = (what: string) => v.pipe(v.string(`must be ${what}`), v.nonEmpty(`must not be empty`));

/**
 * For `www.example.com/health` or `localhost:8080`: the URL with `https://` in front, shown by
 * its host alone (the rest may hold a webhook key or a password).
 */
function withoutScheme(s: string): string | undefined {
  if (s.includes('://') || !URL.canParse(`https://${s}`)) return undefined;
  const { host, hostname } = new URL(`https://${s}`);
  if (!hostname.includes('.') && hostname !== 'localhost' && !hostname.startsWith('[')) return undefined;
  return `it has no scheme; did you mean "https://${host}${s.length > host.length ? '/...' : '/'}"?`;
}

export const httpUrl = v.pipe(
  v.string('must be a URL'),
  v.check(
    (s) => URL.canParse(s),
    (issue) => {
      const hint = withoutScheme(String(issue.input));
      return hint ? `not a valid URL: ${hint}` : 'not a valid URL';
    },
  ),
  v.check(
    (s) => /^https?:$/.test(new URL(s).protocol),
    (issue) => {
      const hint = withoutScheme(String(issue.input));
      return hint ? `must be an http:// or https:// URL: ${hint}` : 'must be an http:// or https:// URL';
    },
  ),
);

/** "90s", "5m", "1h30m", "2d" (or a number of seconds) in milliseconds; undefined when it is not one. */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input * 1000 : undefined;
  return durationMs(input);
}

/** A duration written "30s", "5m", "1h30m" or "2d" (or seconds as a number), in milliseconds after validation. */
export const duration = (minMs: number, maxMs: number) =>
  v.pipe(
    v.union([v.string(), v.number()], 'must be a duration such as "30s", "5m", "1h" or "2d"'),
    v.transform((x) => parseDuration(x) ?? Number.NaN),
    v.check((ms) => !Number.isNaN(ms), 'must be a duration such as "30s", "5m", "1h" or "2d"'),
    v.check((ms) => ms >= minMs, `must be at least ${minMs / 1000} s`),
    v.check((ms) => ms <= maxMs, `must be at most ${maxMs / 86_400_000} days`),
  );
