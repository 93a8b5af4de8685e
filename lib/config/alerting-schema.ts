/**
 * The alerting half of the config: where state lives, the channels named once, and the
 * incident rules (`alerts`, merged per monitor by its `alert`). Gatus's alert settings are the
 * anchor for the rule names and defaults; failureThreshold 1 is the seeds' behaviour.
 */
import * as v from 'valibot';
import { parseCron } from '../util/cron';
import { TEMPLATE_FIELDS, unknownPlaceholders } from './template';
import { httpUrl as webhookUrl, int, text } from './fields';
import { endpointFits, endpointMessage, KEY_PAIR_MESSAGE, keyPairComplete, tencentApiEntries } from './tencent-schema';
import { SMS_PARAM_FIELDS } from '../channels/sms/params';

const email = v.pipe(v.string('must be an e-mail address'), v.regex(/^[^\s@<>]+@[^\s@<>]+$/, 'not an e-mail address'));
const oneOrMany = <T extends v.GenericSchema<unknown, string>>(item: T) =>
  v.pipe(
    v.union([v.string(), v.array(v.unknown())], 'must be an address or a list of them'),
    v.transform((x) => (Array.isArray(x) ? x : [x])),
    v.array(item),
    v.minLength(1, 'must list at least one address'),
  );

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

const channelCommon = {
  locale: v.optional(v.picklist(LOCALES, 'must be zh-CN or en'), 'zh-CN'),
  template: v.optional(template),
  /** Notices in one message; the rest become one "and N more" line. */
  maxPerMessage: v.optional(int(1, 200), 20),
  /** One delivery attempt; the outbox retries within the run's deadline. */
  timeoutMs: v.optional(int(100, 60_000), 10_000),
};

export const emailChannel = v.strictObject({
  ...channelCommon,
  type: v.literal('email'),
  host: text('an SMTP host name'),
  port: v.optional(int(1, 65535, 'a port number'), 465),
  /** TLS from the first byte (465); otherwise STARTTLS is required (587). Default: port 465. */
  secure: v.optional(v.boolean('must be true or false')),
  user: v.optional(v.string('must be text')),
  pass: v.optional(v.string('must be text')),
  from: text('an e-mail address or "Name <address>"'),
  to: oneOrMany(email),
  subject: v.optional(text('a subject prefix')),
  insecure: v.optional(v.boolean('must be true or false'), false),
  /** A private CA for the SMTP server (PEM or a path relative to the config), besides the public roots. */
  ca: v.optional(text('a PEM certificate or a path to one')),
});

export const wecomChannel = v.strictObject({
  ...channelCommon,
  type: v.literal('wecom'),
  webhook: webhookUrl,
  /** WeCom user ids mentioned as <@userid>. */
  mentions: v.optional(v.array(text('a WeCom user id')), []),
});

export const dingtalkChannel = v.strictObject({
  ...channelCommon,
  type: v.literal('dingtalk'),
  webhook: webhookUrl,
  /** The robot's "加签" secret (SEC...); signs every request. */
  secret: v.optional(text('the robot secret')),
  /** The robot's "自定义关键词": every message must contain one. */
  keywords: v.optional(v.array(text('a keyword')), []),
  atMobiles: v.optional(v.array(text('a mobile number')), []),
  atAll: v.optional(v.boolean('must be true or false'), false),
});

/** E.164 as SendSms wants it: +, country code, number. */
const e164 = v.pipe(v.string('must be a phone number'), v.regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +8613800000000'));

/**
 * Tencent Cloud SMS (SendSms, API 2021-01-11): the text is a template approved in the SMS
 * console, so a user template does not apply; `params` says what fills its {1}, {2} ...
 */
export const smsChannel = v.pipe(
  v.strictObject({
    locale: channelCommon.locale,
    timeoutMs: channelCommon.timeoutMs,
    type: v.literal('sms'),
    sdkAppId: v.pipe(text('the SmsSdkAppId'), v.regex(/^\d+$/, 'must be the SmsSdkAppId, digits such as 1400000000')),
    signName: text('the approved SMS signature (签名) text'),
    templateId: v.pipe(text('the approved template id'), v.regex(/^\d+$/, 'must be the template id, digits')),
    phones: v.pipe(v.array(e164, 'must be a list of phone numbers'), v.minLength(1, 'must list at least one phone number')),
    /** What fills the template's variables, in order. */
    params: v.optional(
      v.pipe(v.array(v.picklist(SMS_PARAM_FIELDS, `must be one of ${SMS_PARAM_FIELDS.join(', ')}`)), v.minLength(1, 'must list at least one field')),
      ['monitor', 'status', 'time'],
    ),
    /** The account's limit on one variable, in characters: 6 for newer accounts, 12 for older individual ones. */
    paramMaxLength: v.optional(int(1, 100), 6),
    /** SendSms is served from ap-guangzhou, ap-beijing and ap-nanjing. */
    region: v.optional(text('a region such as ap-guangzhou'), 'ap-guangzhou'),
    secretId: tencentApiEntries.secretId,
    secretKey: tencentApiEntries.secretKey,
    sessionToken: tencentApiEntries.sessionToken,
    endpoint: tencentApiEntries.endpoint,
    proxy: tencentApiEntries.proxy,
  }),
  v.check((c) => keyPairComplete(c), KEY_PAIR_MESSAGE),
  v.check((c) => endpointFits(c, 'sms'), endpointMessage('sms')),
);

export const CHANNEL_TYPES = ['email', 'wecom', 'dingtalk', 'sms'] as const;
export const channel = v.variant('type', [emailChannel, wecomChannel, dingtalkChannel, smsChannel]);

const cron = v.pipe(
  v.string('must be a 5-field cron expression'),
  v.check((s) => {
    try {
      parseCron(s);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid 5-field cron expression (minute hour day-of-month month day-of-week)'),
);

const timezone = v.pipe(
  v.string('must be an IANA time zone'),
  v.check((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'not a known time zone (for example Asia/Shanghai)'),
);

export const maintenanceWindow = v.strictObject({
  /** When a window starts, e.g. "0 2 * * 6" for 02:00 on Saturdays. */
  cron,
  durationMinutes: int(1, 7 * 24 * 60),
  timezone: v.optional(timezone, 'Asia/Shanghai'),
});

const channelNames = v.array(text('a channel name'));

/** Rules a monitor's `alert` may override. */
const ruleEntries = {
  channels: v.optional(channelNames),
  failureThreshold: v.optional(int(1, 1000)),
  successThreshold: v.optional(int(1, 1000)),
  sendOnResolved: v.optional(v.boolean('must be true or false')),
  remindEveryMinutes: v.optional(int(0, 30 * 24 * 60)),
  maintenance: v.optional(v.array(maintenanceWindow)),
};

export const monitorAlert = v.strictObject(ruleEntries);

export const alerts = v.strictObject({
  ...ruleEntries,
  /** Told when another channel fails permanently or an alert goes to the dead-letter list. */
  fallback: v.optional(text('a channel name')),
  /** Undelivered alerts older than this move to the dead-letter list. */
  deadLetterHours: v.optional(int(1, 24 * 30), 24),
});

export const DEFAULT_RULES = {
  channels: [] as string[],
  failureThreshold: 1,
  successThreshold: 1,
  sendOnResolved: true,
  remindEveryMinutes: 60,
  maintenance: [] as v.InferOutput<typeof maintenanceWindow>[],
};

export const fileState = v.strictObject({
  type: v.literal('file'),
  path: v.optional(text('a directory'), '/tmp/scf-monitor'),
});

export const redisState = v.strictObject({
  type: v.literal('redis'),
  url: v.pipe(
    v.string('must be a redis:// or rediss:// URL'),
    v.check((s) => URL.canParse(s) && /^rediss?:$/.test(new URL(s).protocol), 'must be a redis:// or rediss:// URL'),
  ),
  keyPrefix: v.optional(text('a key prefix'), 'scf-monitor:'),
  connectTimeoutMs: v.optional(int(100, 60_000), 3000),
});

export const state = v.variant('type', [fileState, redisState]);

export type ChannelConfig = v.InferOutput<typeof channel>;
export type EmailChannelConfig = v.InferOutput<typeof emailChannel>;
export type WecomChannelConfig = v.InferOutput<typeof wecomChannel>;
export type DingtalkChannelConfig = v.InferOutput<typeof dingtalkChannel>;
export type SmsChannelConfig = v.InferOutput<typeof smsChannel>;
export type ChannelType = ChannelConfig['type'];
export type AlertsConfig = v.InferOutput<typeof alerts>;
export type MonitorAlert = v.InferOutput<typeof monitorAlert>;
export type MaintenanceWindow = v.InferOutput<typeof maintenanceWindow>;
export type StateConfig = v.InferOutput<typeof state>;
export type Rules = typeof DEFAULT_RULES;
