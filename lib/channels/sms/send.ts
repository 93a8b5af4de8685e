/**
 * Tencent Cloud SMS through SendSms (API 2021-01-11, tencentcloud-sdk-nodejs-sms): one short
 * templated SMS per grouped message, to at most 200 numbers a request. SendSms answers 200
 * even when numbers failed: each number's fate is its SendStatusSet Code, so a failed number
 * is reported and the rest count as delivered. The SDK is its own lazy module, loaded on the
 * first SMS only.
 */
import type { SmsChannelConfig } from './schema';
import { isTencentApiError, RATE_LIMIT_WAIT_MS, type TencentApiError } from '../../tencent/api-error';
import { callApi, type ApiClient } from '../../tencent/call';
import { tencentClientConfig } from '../../tencent/client-config';
import { lazyRequire } from '../../util/lazy';
import { smsParams } from './params';
import { DeliveryError, type Channel, type Notice, type Receipt } from '../../alerting/types';

/** SendSms takes at most 200 numbers a request (LimitExceeded.PhoneNumberCountLimit). */
export const SMS_MAX_NUMBERS = 200;

const DEFAULT_HOST = 'sms.tencentcloudapi.com';

interface SendStatus {
  PhoneNumber: string;
  Code: string;
  Message: string;
  SerialNo?: string;
}

interface SendSmsResponse {
  SendStatusSet?: SendStatus[];
  RequestId?: string;
}

/** A number in a log line: enough to recognise, not enough to dial. */
export function maskPhone(phone: string): string {
  return phone.length > 8 ? `${phone.slice(0, phone.length - 8)}****${phone.slice(-4)}` : '****';
}

/** Per-number codes worth another try later; the daily and hourly caps are not. */
const RETRY_LATER: Record<string, number> = { 'LimitExceeded.PhoneNumberThirtySecondLimit': 30_000 };

function asDeliveryError(e: TencentApiError): DeliveryError {
  if (e.code.startsWith('AuthFailure')) {
    return new DeliveryError(e.code, `sms: Tencent Cloud refused the credentials (${e.message}); check the execution role or secretId/secretKey`, 'permanent');
  }
  if (e.code === 'NO_CREDENTIALS') return new DeliveryError(e.code, `sms: ${e.message}`, 'permanent');
  return new DeliveryError(e.code, `sms: ${e.message}`, e.kind, e.code.startsWith('RequestLimitExceeded') ? RATE_LIMIT_WAIT_MS : undefined);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type SmsClientModule = typeof import('tencentcloud-sdk-nodejs-sms/tencentcloud/services/sms/v20210111/sms_client');

export const sms = {
  type: 'sms',
  async send(cfg: SmsChannelConfig, notices: Notice[], opts) {
    let setup;
    try {
      setup = tencentClientConfig({ ...cfg, apiTimeoutMs: cfg.timeoutMs }, cfg.region);
    } catch (err) {
      throw isTencentApiError(err) ? asDeliveryError(err) : err;
    }
    const { Client } = lazyRequire<SmsClientModule>('smsClient');
    const client = new Client(setup.config) as unknown as ApiClient;
    const host = cfg.endpoint ? new URL(cfg.endpoint).host : DEFAULT_HOST;
    const params = smsParams(notices, { fields: cfg.params, maxLength: cfg.paramMaxLength, locale: cfg.locale, ...(opts.monitorNames ? { monitorNames: opts.monitorNames } : {}) });

    const delivered: string[] = [];
    const failed: SendStatus[] = [];
    const batches = chunks(cfg.phones, SMS_MAX_NUMBERS);
    for (const [i, phones] of batches.entries()) {
      let answer: SendSmsResponse;
      try {
        answer = await callApi<SendSmsResponse>(
          client,
          'SendSms',
          {
            PhoneNumberSet: phones,
            SmsSdkAppId: cfg.sdkAppId,
            SignName: cfg.signName,
            TemplateId: cfg.templateId,
            TemplateParamSet: params,
            // Comes back in delivery receipts: ties an SMS to its incident.
            SessionContext: notices[0]?.incidentId ?? '',
          },
          { signal: opts.signal, host, secrets: setup.secrets },
        );
      } catch (err) {
        const e = isTencentApiError(err) ? asDeliveryError(err) : new DeliveryError('INTERNAL', 'sms: SendSms failed', 'retry');
        // Nothing went out yet: the outbox may retry the whole message.
        if (i === 0) throw e;
        // Earlier batches went out; a retry would text them twice. Report these numbers instead.
        for (const p of phones) failed.push({ PhoneNumber: p, Code: e.code, Message: e.message });
        continue;
      }
      const rows = answer.SendStatusSet ?? [];
      for (const p of phones) {
        const row = rows.find((r) => r.PhoneNumber === p) ?? rows.find((r) => r.PhoneNumber.endsWith(p.replace(/^\+86/, '')));
        if (row?.Code === 'Ok') delivered.push(p);
        else failed.push(row ?? { PhoneNumber: p, Code: 'NO_STATUS', Message: 'no SendStatusSet entry for this number' });
      }
    }

    const said = (s: SendStatus) => `${maskPhone(s.PhoneNumber)}: ${s.Code}${s.Message ? ` (${s.Message})` : ''}`;
    if (delivered.length === 0) {
      const codes = [...new Set(failed.map((f) => f.Code))];
      const wait = codes.length === 1 ? RETRY_LATER[codes[0]!] : undefined;
      const first = failed[0]!;
      throw new DeliveryError(
        codes.length === 1 ? codes[0]! : 'REJECTED',
        `sms: no number got the SMS (${failed.length} of ${cfg.phones.length}): ${said(first)}${failed.length > 1 ? ` and ${failed.length - 1} more` : ''}`,
        wait ? 'retry' : 'permanent',
        wait,
      );
    }
    const receipt: Receipt = { detail: `sms: sent to ${delivered.length} of ${cfg.phones.length} numbers` };
    if (failed.length) receipt.partial = failed.map(said);
    return receipt;
  },
} satisfies Channel<SmsChannelConfig>;

/** What lib/channels/load.ts takes from this file. */
export { sms as sender };
