/** `expect.status` as the http and page types both take it: `200`, `"2xx"`, `"200-299"` or a list. */
import * as v from 'valibot';
import { int } from '../config/fields';

/** `200`, `"2xx"` or `"200-299"`; normalised to inclusive ranges. */
const statusItem = v.union(
  [
    v.pipe(int(100, 599, 'an HTTP status code'), v.transform((n): [number, number] => [n, n])),
    v.pipe(
      v.string(),
      v.regex(/^([1-5])xx$|^([1-5]\d\d)-([1-5]\d\d)$/, ''),
      v.transform((s): [number, number] => {
        const m = /^([1-5])xx$/.exec(s);
        if (m) return [Number(m[1]) * 100, Number(m[1]) * 100 + 99];
        const [lo, hi] = s.split('-').map(Number) as [number, number];
        return [lo, hi];
      }),
      v.check(([lo, hi]) => lo <= hi, 'range must go from low to high'),
    ),
  ],
  'must be a status code (200), a class ("2xx") or a range ("200-299")',
);

export const statusList = v.pipe(
  v.union(
    [v.number(), v.string(), v.array(v.unknown())],
    'must be a status code (200), a class ("2xx"), a range ("200-299") or a list of them',
  ),
  v.transform((s) => (Array.isArray(s) ? s : [s])),
  v.array(statusItem),
  v.minLength(1, 'must list at least one status'),
);

export function statusText(ranges: readonly [number, number][]): string {
  return ranges.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(', ');
}

export function statusIn(status: number, ranges: readonly [number, number][]): boolean {
  return ranges.some(([lo, hi]) => status >= lo && status <= hi);
}
