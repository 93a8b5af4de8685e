/** Fields every monitor type has, and small field schemas the per-type schemas share. */
import * as v from 'valibot';
import { monitorAlert } from './alerting-schema';
import { text } from './fields';

export const ratio = v.pipe(
  v.number('must be a number from 0 to 1'),
  v.minValue(0, 'must be at least 0'),
  v.maxValue(1, 'must be at most 1'),
);

const name = v.pipe(
  text('a name'),
  v.maxLength(80, 'must be at most 80 characters'),
  v.regex(/^\S(.*\S)?$/, 'must not start or end with spaces'),
);

export const monitorBase = {
  name,
  tags: v.optional(v.array(text('a tag')), []),
  enabled: v.optional(v.boolean('must be true or false'), true),
  /** Merged over the top-level `alerts`. */
  alert: v.optional(monitorAlert),
};

export const hostname = v.pipe(
  text('a host name or IP address'),
  v.regex(/^[^\s/:?#]+$|^\[[0-9a-fA-F:.]+\]$|^[0-9a-fA-F:.]+$/, 'must be a host name or IP address, without scheme or port'),
);
