/**
 * SMS (短信, API version 2021-01-11) for the Tencent Cloud stand-in: SendSms as documented at
 * https://cloud.tencent.com/document/api/382/55981, with the error codes of
 * https://cloud.tencent.com/document/api/382/59177 (短信 API 3.0 错误码).
 *
 * Where a refusal goes. Problems with the request as a whole (a missing or mistyped field, an
 * unknown field, an empty or over-long PhoneNumberSet, an unknown SmsSdkAppId, domestic and
 * international numbers mixed) answer with an error envelope, which the SDK throws. Problems
 * with the message itself (unapproved sign or template, parameter count or length, a malformed
 * number, a per-number limit) come back, like the real service reports them, inside a normal
 * Response as the Code of each SendStatusSet entry, with Fee 0 and no SerialNo: the SDK does not
 * throw, and a client that only catches exceptions would believe the SMS went out. The
 * documentation lists these codes without saying which way each one travels; the per-row choice
 * follows what callers of the real API show (status rows carrying
 * FailedOperation.TemplateIncorrectOrUnapproved and its message "template is not approved or
 * request content does not match the approved template content"). `messageFaults: 'envelope'`
 * answers them as envelopes instead, for a test that wants that.
 */
import { randomBytes } from 'node:crypto';
import { TcError, type TcService } from './tencent-cloud';

export interface SmsTemplate {
  /** TemplateId, e.g. "1110". */
  id: string;
  /** The approved body with {1}, {2} ... variables, e.g. '监控{1}：{2}，{3}'. */
  text: string;
}

export interface SmsServiceOptions {
  /** SmsSdkAppIds that exist, e.g. "1400006666". */
  appIds: string[];
  /** Approved sign names (SignName), e.g. "腾讯云". */
  signNames: string[];
  /** Approved templates. */
  templates: SmsTemplate[];
  /** Longest a template variable may be, in characters; the account default is 6. */
  paramMaxLength?: number;
  /** Phone (as E.164, "+8613800000002") → the status Code that number gets, e.g. LimitExceeded.PhoneNumberDailyLimit. */
  phoneStatus?: Record<string, string>;
  /** Where message-level refusals go (see the file comment); default 'rows'. */
  messageFaults?: 'rows' | 'envelope';
}

/** One SMS that went out. */
export interface SentSms {
  /** E.164. */
  phone: string;
  /** What the phone shows: 【SignName】 and the template with its variables filled. */
  text: string;
  params: string[];
  sessionContext: string;
  appId: string;
  templateId: string;
  signName: string | undefined;
  serialNo: string;
}

/** One entry of SendStatusSet, as the API answers it. */
export interface SendStatus {
  SerialNo: string;
  PhoneNumber: string;
  Fee: number;
  SessionContext: string;
  Code: string;
  Message: string;
  IsoCode: string;
}

export interface SmsStandIn {
  service: TcService;
  /** Every SMS sent, in order. */
  sent: SentSms[];
  /** Change a number's status Code between tests (undefined: back to Ok). */
  setPhoneStatus(phone: string, code: string | undefined): void;
}

export const SMS_VERSION = '2021-01-11';
/** "单次请求最多支持200个手机号". */
export const SMS_MAX_NUMBERS = 200;

/**
 * The Message of a status Code. English as the API answers status rows; where the real text is
 * not known, the documented description (382/59177) in English.
 */
export const SMS_STATUS_MESSAGES: Record<string, string> = {
  Ok: 'send success',
  'FailedOperation.SignatureIncorrectOrUnapproved': 'signature format is incorrect or signature is not approved',
  'FailedOperation.TemplateIncorrectOrUnapproved': 'template is not approved or request content does not match the approved template content',
  'FailedOperation.TemplateParamSetNotMatchApprovedTemplate': 'request content does not match the template content',
  'FailedOperation.PhoneNumberInBlacklist': 'phone number in blacklist',
  'FailedOperation.InsufficientBalanceInSmsPackage': 'insufficient balance in SMS package',
  'FailedOperation.ContainSensitiveWord': 'content contains sensitive word',
  'InvalidParameterValue.IncorrectPhoneNumber': 'incorrect number format',
  'InvalidParameterValue.TemplateParameterLengthLimit': 'the length of a single template parameter exceeds the limit',
  'InvalidParameterValue.ProhibitedUseUrlInTemplateParameter': 'URLs are prohibited in template parameters',
  'LimitExceeded.PhoneNumberDailyLimit': 'the number of SMS messages sent to a single mobile number every day exceeds the upper limit',
  'LimitExceeded.PhoneNumberOneHourLimit': 'the number of SMS messages sent to a single mobile number within one hour exceeds the upper limit',
  'LimitExceeded.PhoneNumberThirtySecondLimit': 'the number of SMS messages sent to a single mobile number within 30 seconds exceeds the upper limit',
  'LimitExceeded.PhoneNumberSameContentDailyLimit': 'the number of SMS messages with the same content sent to a single mobile number exceeds the upper limit',
  'LimitExceeded.DeliveryFrequencyLimit': 'the delivery hits the frequency limit policy',
  'InternalError.OtherError': 'other error',
  'InternalError.Timeout': 'request timed out',
};

const KNOWN_FIELDS = new Set(['PhoneNumberSet', 'SmsSdkAppId', 'TemplateId', 'SignName', 'TemplateParamSet', 'ExtendCode', 'SessionContext', 'SenderId']);

/** A few calling codes → IsoCode; the API answers DEF for one it does not recognise. */
const ISO_CODES: [string, string][] = [
  ['+86', 'CN'],
  ['+852', 'HK'],
  ['+853', 'MO'],
  ['+886', 'TW'],
  ['+1', 'US'],
  ['+44', 'GB'],
  ['+65', 'SG'],
  ['+81', 'JP'],
  ['+60', 'MY'],
];

/**
 * A number as the API reads it: E.164 "+<country><number>"; for the mainland also "0086",
 * "86" or a bare 11-digit number, all meaning +86. Undefined when it is no phone number.
 */
export function normalisePhone(raw: string): string | undefined {
  let p = raw.trim();
  if (/^1\d{10}$/.test(p)) p = `+86${p}`;
  else if (/^0086\d+$/.test(p)) p = `+${p.slice(2)}`;
  else if (/^86\d{11}$/.test(p)) p = `+${p}`;
  if (p.startsWith('+86')) return /^\+861[3-9]\d{9}$/.test(p) ? p : undefined;
  return /^\+[1-9]\d{6,14}$/.test(p) ? p : undefined;
}

/** The distinct {n} variables of a template, 1-based. */
export function templateVariables(text: string): number[] {
  return [...new Set([...text.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
}

/** "Fee": one SMS up to 70 characters, longer ones are sent in parts of 67. */
function feeOf(text: string): number {
  const n = [...text].length;
  return n <= 70 ? 1 : Math.ceil(n / 67);
}

function typeError(name: string): TcError {
  return new TcError('InvalidParameter', `Parameter \`${name}\` type error.`);
}

function optionalString(params: Record<string, unknown>, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw typeError(name);
  return v;
}

function stringArray(params: Record<string, unknown>, name: string): string[] | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw typeError(name);
  return v as string[];
}

export function smsService(opts: SmsServiceOptions): SmsStandIn {
  const sent: SentSms[] = [];
  const phoneStatus = new Map(Object.entries(opts.phoneStatus ?? {}));
  const maxLen = opts.paramMaxLength ?? 6;
  let serial = 0;

  const sendSms = (params: Record<string, unknown>) => {
    for (const key of Object.keys(params)) {
      if (!KNOWN_FIELDS.has(key)) throw new TcError('UnknownParameter', `The parameter \`${key}\` is not recognized.`);
    }
    const numbers = stringArray(params, 'PhoneNumberSet') ?? [];
    const appId = optionalString(params, 'SmsSdkAppId') ?? '';
    const templateId = optionalString(params, 'TemplateId') ?? '';
    const signName = optionalString(params, 'SignName');
    const values = stringArray(params, 'TemplateParamSet') ?? [];
    const sessionContext = optionalString(params, 'SessionContext') ?? '';
    for (const name of ['ExtendCode', 'SenderId']) optionalString(params, name);

    if (numbers.length === 0) throw new TcError('MissingParameter.EmptyPhoneNumberSet', 'The PhoneNumberSet is empty: give at least one phone number.');
    if (numbers.length > SMS_MAX_NUMBERS) {
      throw new TcError('LimitExceeded.PhoneNumberCountLimit', `The PhoneNumberSet holds ${numbers.length} numbers; at most ${SMS_MAX_NUMBERS} are allowed per request.`);
    }
    if (!opts.appIds.includes(appId)) throw new TcError('InvalidParameterValue.SdkAppIdNotExist', 'SdkAppId not exist.');
    const phones = numbers.map((raw) => ({ raw, e164: normalisePhone(raw) }));
    const domestic = phones.filter((p) => p.e164?.startsWith('+86')).length;
    const international = phones.filter((p) => p.e164 && !p.e164.startsWith('+86')).length;
    if (domestic > 0 && international > 0) {
      throw new TcError('UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber', 'The request mixes mainland China and international/HK, Macao, Taiwan numbers.');
    }
    // "注:国内短信为必填参数": a mainland SMS carries its sign.
    if (domestic > 0 && signName === undefined) throw new TcError('MissingParameter', 'The request is missing a required parameter `SignName`.');

    // The verdict on the message itself, the same for every number.
    const template = opts.templates.find((t) => t.id === templateId);
    let messageCode = 'Ok';
    if (signName !== undefined && !opts.signNames.includes(signName)) messageCode = 'FailedOperation.SignatureIncorrectOrUnapproved';
    else if (!template) messageCode = 'FailedOperation.TemplateIncorrectOrUnapproved';
    else if (templateVariables(template.text).length !== values.length) messageCode = 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate';
    else if (values.some((v) => [...v].length > maxLen)) messageCode = 'InvalidParameterValue.TemplateParameterLengthLimit';
    if (messageCode !== 'Ok' && opts.messageFaults === 'envelope') throw new TcError(messageCode, SMS_STATUS_MESSAGES[messageCode]!);

    const text =
      (signName !== undefined ? `【${signName}】` : '') + (template?.text ?? '').replace(/\{(\d+)\}/g, (all, n: string) => values[Number(n) - 1] ?? all);
    const rows: SendStatus[] = phones.map(({ raw, e164 }) => {
      const code = messageCode !== 'Ok' ? messageCode : !e164 ? 'InvalidParameterValue.IncorrectPhoneNumber' : (phoneStatus.get(e164) ?? 'Ok');
      const isoCode = e164 ? (ISO_CODES.find(([prefix]) => e164.startsWith(prefix))?.[1] ?? 'DEF') : 'DEF';
      const row: SendStatus = {
        SerialNo: '',
        PhoneNumber: e164 ?? raw,
        Fee: 0,
        SessionContext: sessionContext,
        Code: code,
        Message: SMS_STATUS_MESSAGES[code] ?? code,
        IsoCode: isoCode,
      };
      if (code === 'Ok' && e164) {
        row.SerialNo = `${2400 + (serial++ % 100)}:${randomBytes(10).toString('hex')}`;
        row.Fee = feeOf(text);
        sent.push({ phone: e164, text, params: [...values], sessionContext, appId, templateId, signName, serialNo: row.SerialNo });
      }
      return row;
    });
    return { SendStatusSet: rows };
  };

  return {
    service: {
      service: 'sms',
      version: SMS_VERSION,
      actions: {
        SendSms: { required: ['PhoneNumberSet', 'SmsSdkAppId', 'TemplateId'], handle: sendSms },
      },
    },
    sent,
    setPhoneStatus(phone, code) {
      if (code === undefined) phoneStatus.delete(phone);
      else phoneStatus.set(phone, code);
    },
  };
}
