/**
 * What every channel's config has (locale, template, batching, timeout). Each channel's own
 * fields are in lib/channels/<type>/schema.ts; the config is assembled from that list.
 */
import * as v from 'valibot';
import { int, text } from './fields';
import { TEMPLATE_FIELDS, unknownPlaceholders } from './template';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** A template per notice kind; `{{monitor}}`-style placeholders (README lists them). */
const templateText = v.pipe(
  text('a template'),
  v.check(
    (s) => unknownPlaceholders(s).length === 0,
    (issue) => `unknown placeholder {{${unknownPlaceholders(String(issue.input))[0]}}} (known: ${TEMPLATE_FIELDS.join(', ')})`,
  ),
);
const template = v.strictObject({
  alert: v.optional(templateText),
  reminder: v.optional(templateText),
  resolved: v.optional(templateText),
});

export const channelCommon = {
  locale: v.optional(v.picklist(LOCALES, 'must be zh-CN or en'), 'zh-CN'),
  template: v.optional(template),
  /** Notices in one message; the rest become one "and N more" line. */
  maxPerMessage: v.optional(int(1, 200), 20),
  /** One delivery attempt; the outbox retries within the run's deadline. */
  timeoutMs: v.optional(int(100, 60_000), 10_000),
};

/** What alerting may read of any channel's config; the channel itself reads the rest. */
export interface ChannelConfig {
  type: string;
  locale: Locale;
  timeoutMs: number;
  maxPerMessage?: number;
  template?: v.InferOutput<typeof template>;
}
