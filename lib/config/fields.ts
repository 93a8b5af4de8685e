/** Field schemas both halves of the config use, each with the message a user reads. */
import * as v from 'valibot';

export const int = (min: number, max: number, what = 'a whole number') =>
  v.pipe(
    v.number(`must be ${what}`),
    v.integer(`must be ${what}`),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

export const text = (what: string) => v.pipe(v.string(`must be ${what}`), v.nonEmpty(`must not be empty`));

export const httpUrl = v.pipe(
  v.string('must be a URL'),
  v.check((s) => URL.canParse(s), 'not a valid URL'),
  v.check((s) => /^https?:$/.test(new URL(s).protocol), 'must be an http:// or https:// URL'),
);
