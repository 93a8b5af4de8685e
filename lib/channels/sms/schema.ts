/** The Tencent Cloud SMS channel's config. */
import * as v from 'valibot';
import { channelCommon } from '../../config/channel-base';
import { int, text } from '../../config/fields';
import { endpointFits, endpointMessage, KEY_PAIR_MESSAGE, keyPairComplete, tencentApiEntries } from '../../config/tencent-schema';

/** What may fill an SMS template's variables, in the order `params` lists them. */
export const SMS_PARAM_FIELDS = ['monitor', 'status', 'time', 'reason', 'count'] as const;
export type SmsParamField = (typeof SMS_PARAM_FIELDS)[number];

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

export type SmsChannelConfig = v.InferOutput<typeof smsChannel>;

export const schema = smsChannel;
