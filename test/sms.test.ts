/**
 * The sms channel (SendSms 2021-01-11 through tencentcloud-sdk-nodejs-sms) against the strict
 * Tencent Cloud stand-in: the SDK's real TC3 signature, per-number SendStatusSet codes, batches
 * of 200, template variables fitted to the account's limit, each error envelope, the session
 * token SCF gives an execution role, and the SecretKey never in any output.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { smsChannel, type SmsChannelConfig } from '../lib/channels/sms/schema';
import { sms, maskPhone } from '../lib/channels/sms/send';
import { shortName, smsLength, smsParams } from '../lib/channels/sms/params';
import { DeliveryError, type Notice } from '../lib/alerting/types';
import { runFunction } from '../lib/functions';
import { localContext, timerEvent } from '../lib/runtime/scf';
import { setLogSink } from '../lib/report/log';
import { renderTable } from '../lib/runtime/table';
import { validateFullConfig } from '../lib/functions';
import { startTencentCloud, TcError, type TencentCloudStandIn, type TcService } from '../dev/standins/tencent-cloud';
import { smsService, type SmsStandIn } from '../dev/standins/tc-sms';
import { closedPort } from '../dev/standins/servers';

const ID = 'AKIDsmsTest0000000000000000000001';
const KEY = 'smsTestSecretKey-0123456789-SECRET';
const ROLE_ID = 'AKIDroleTemp00000000000000000002';
const ROLE_KEY = 'roleTempSecretKey-9876543210-SECRET';
const ROLE_TOKEN = 'roleSessionToken-abcdef-SECRET-TOKEN';
const APP = '1400006666';
const SIGN = '运维监控';
const TEMPLATE = '1110';
const PHONES = ['+8613800000001', '+8613800000002', '+8613800000003'];

let cloud: TencentCloudStandIn;
let smsApi: SmsStandIn;

before(async () => {
  smsApi = smsService({
    appIds: [APP],
    signNames: [SIGN],
    templates: [{ id: TEMPLATE, text: '监控{1}{2}，时间{3}' }, { id: '2220', text: '{1} {2} {3} {4} {5}' }],
    paramMaxLength: 6,
  });
  cloud = await startTencentCloud({
    accounts: [
      { secretId: ID, secretKey: KEY },
      { secretId: ROLE_ID, secretKey: ROLE_KEY, token: ROLE_TOKEN },
    ],
    services: [smsApi.service],
  });
});
after(() => cloud.close());

function channel(over: Record<string, unknown> = {}): SmsChannelConfig {
  return v.parse(smsChannel, {
    type: 'sms',
    sdkAppId: APP,
    signName: SIGN,
    templateId: TEMPLATE,
    phones: PHONES,
    secretId: ID,
    secretKey: KEY,
    endpoint: cloud.endpoint('sms'),
    proxy: cloud.proxyUrl,
    timeoutMs: 3000,
    ...over,
  });
}

function notice(over: Partial<Notice> = {}): Notice {
  return {
    kind: 'alert',
    function: 'statusCheck',
    monitor: 'homepage',
    type: 'http',
    target: 'https://www.example.com/',
    incidentId: '20261122-1452-a3f9',
    since: '2026-11-22T06:52:00.000Z',
    at: '2026-11-22T06:52:51.917Z',
    reasons: [{ code: 'HTTP_STATUS', message: '3 of 10 samples answered 502' }],
    ...over,
  };
}

const opts = () => ({ signal: new AbortController().signal });
const newRequests = (since: number) => cloud.requests.slice(since);

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => assert.fail('the send should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DeliveryError, `a DeliveryError, got ${String(err)}`);
  for (const secret of [KEY, ROLE_KEY, ROLE_TOKEN]) {
    assert.ok(!`${err.message} ${err.stack} ${JSON.stringify(err)}`.includes(secret), `no secret in ${err.message}`);
  }
  return err;
}

describe('sms params: every variable fits the account limit and still says something', () => {
  const fields = ['monitor', 'status', 'time', 'reason', 'count'] as const;

  test('6 characters: a short name whole, status word, clock time in Asia/Shanghai', () => {
    const p = smsParams([notice({ monitor: 'api' })], { fields, maxLength: 6, locale: 'zh-CN' });
    assert.deepEqual(p, ['api', '告警', '14:52', '状态码异常', '1']);
  });

  test('names that would be cut to the same text are told apart: start~end, else start and a number', () => {
    const names = ['backend-api', 'backend-db', 'orders-service'];
    const one = (monitor: string, monitorNames = names) => smsParams([notice({ monitor })], { fields: ['monitor'], maxLength: 6, locale: 'zh-CN', monitorNames })[0];
    assert.equal(one('backend-api'), 'bac~pi');
    assert.equal(one('backend-db'), 'bac~db');
    assert.equal(one('orders-service'), 'orders', 'no other name starts the same: the plain cut');
    assert.equal(one('backend-api', ['backend-api']), 'backen', 'alone, it is cut as before');
    const same = ['backend-xx-db', 'backend-yy-db'];
    assert.deepEqual(same.map((m) => one(m, same)), ['backe1', 'backe2']);
    for (const m of names) assert.ok(smsLength(one(m)!) <= 6);
    assert.equal(shortName('backend-api', 11, names), 'backend-api');
  });

  test('6 characters: a long name is cut and the others counted', () => {
    const ns = [notice({ monitor: 'orders-service' }), notice({ monitor: 'payments' }), notice({ monitor: 'search' })];
    const [monitor] = smsParams(ns, { fields: ['monitor'], maxLength: 6, locale: 'zh-CN' });
    assert.equal(monitor, 'ord等3个');
    assert.equal(smsParams(ns, { fields: ['monitor'], maxLength: 6, locale: 'en' })[0], 'orde+2');
  });

  test('12 characters: the date joins the time, and more of the name shows', () => {
    const ns = [notice({ monitor: 'orders-service' }), notice({ monitor: 'payments' })];
    const [monitor, , time] = smsParams(ns, { fields, maxLength: 12, locale: 'zh-CN' });
    assert.equal(monitor, 'orders-se等2个');
    assert.equal(time, '11-22 14:52');
  });

  test('mixed kinds are counted, most severe first, within the limit', () => {
    const ns = [notice(), notice({ kind: 'alert', monitor: 'b' }), notice({ kind: 'resolved', monitor: 'c' })];
    assert.equal(smsParams(ns, { fields: ['status'], maxLength: 6, locale: 'zh-CN' })[0], '2告警');
    assert.equal(smsParams(ns, { fields: ['status'], maxLength: 12, locale: 'zh-CN' })[0], '2告警1已恢复');
    assert.equal(smsParams([notice({ kind: 'resolved' })], { fields: ['status'], maxLength: 6, locale: 'zh-CN' })[0], '已恢复');
  });

  test('no value is ever longer than the limit, for any limit from 1 to 20', () => {
    const ns = [notice({ monitor: '华南区域-订单服务-主站点' }), notice({ kind: 'resolved', monitor: 'x', reasons: [{ code: 'CERT_EXPIRING', message: '' }] })];
    for (let max = 1; max <= 20; max++) {
      for (const locale of ['zh-CN', 'en'] as const) {
        for (const value of smsParams(ns, { fields, maxLength: max, locale })) {
          assert.ok(smsLength(value) <= max, `${JSON.stringify(value)} fits ${max}`);
          assert.ok(value.length > 0, `a value for limit ${max} in ${locale}`);
        }
      }
    }
  });

  test('characters the SMS console rejects are taken out of names', () => {
    assert.equal(smsParams([notice({ monitor: '【主站】\n首页' })], { fields: ['monitor'], maxLength: 12, locale: 'zh-CN' })[0], '主站 首页');
  });
});

describe('sms channel against the Tencent Cloud stand-in', () => {
  test('one SMS per number, the template filled with fitted variables, signed for sms in ap-guangzhou', async () => {
    const from = cloud.requests.length;
    const sentBefore = smsApi.sent.length;
    const receipt = await sms.send(channel(), [notice({ monitor: 'orders-service' })], opts());
    assert.equal(receipt.detail, 'sms: sent to 3 of 3 numbers');
    assert.equal(receipt.partial, undefined);
    const [req] = newRequests(from);
    assert.equal(req?.errorCode, undefined);
    assert.equal(req?.service, 'sms');
    assert.equal(req?.action, 'SendSms');
    assert.equal(req?.version, '2021-01-11');
    assert.equal(req?.region, 'ap-guangzhou');
    assert.equal(req?.host, 'sms.tencentcloudapi.com');
    assert.deepEqual(req?.params?.PhoneNumberSet, PHONES);
    assert.equal(req?.params?.SessionContext, '20261122-1452-a3f9');
    const sent = smsApi.sent.slice(sentBefore);
    assert.deepEqual(sent.map((s) => s.phone), PHONES);
    assert.equal(sent[0]?.text, '【运维监控】监控orders告警，时间14:52');
  });

  test('a number over its daily limit is reported (masked); the others count as delivered', async () => {
    smsApi.setPhoneStatus(PHONES[1]!, 'LimitExceeded.PhoneNumberDailyLimit');
    try {
      const receipt = await sms.send(channel(), [notice()], opts());
      assert.equal(receipt.detail, 'sms: sent to 2 of 3 numbers');
      assert.equal(receipt.partial?.length, 1);
      assert.match(receipt.partial![0]!, /^\+86138\*\*\*\*0002: LimitExceeded\.PhoneNumberDailyLimit/);
      assert.ok(!receipt.partial![0]!.includes(PHONES[1]!), 'the full number is not logged');
    } finally {
      smsApi.setPhoneStatus(PHONES[1]!, undefined);
    }
  });

  test('every number failing is a failed delivery: daily limit permanent, the 30-second limit retried', async () => {
    const one = channel({ phones: [PHONES[0]] });
    smsApi.setPhoneStatus(PHONES[0]!, 'LimitExceeded.PhoneNumberDailyLimit');
    try {
      const e = await failure(sms.send(one, [notice()], opts()));
      assert.equal(e.code, 'LimitExceeded.PhoneNumberDailyLimit');
      assert.equal(e.kind, 'permanent');
      smsApi.setPhoneStatus(PHONES[0]!, 'LimitExceeded.PhoneNumberThirtySecondLimit');
      const r = await failure(sms.send(one, [notice()], opts()));
      assert.equal(r.kind, 'retry');
      assert.equal(r.retryAfterMs, 30_000);
    } finally {
      smsApi.setPhoneStatus(PHONES[0]!, undefined);
    }
  });

  test('an unapproved template comes back in SendStatusSet, not as an exception, and is still a permanent failure', async () => {
    const e = await failure(sms.send(channel({ templateId: '9999' }), [notice()], opts()));
    assert.equal(e.code, 'FailedOperation.TemplateIncorrectOrUnapproved');
    assert.equal(e.kind, 'permanent');
    assert.match(e.message, /no number got the SMS \(3 of 3\)/);
  });

  test('params that do not match the template count are refused by the stand-in (the check is real)', async () => {
    const e = await failure(sms.send(channel({ params: ['monitor'] }), [notice()], opts()));
    assert.equal(e.code, 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate');
  });

  test('a variable longer than the account allows is refused by the stand-in, so fitting matters', async () => {
    // Fitted to 12 while the account allows 6: the stand-in must refuse it.
    const e = await failure(sms.send(channel({ paramMaxLength: 12 }), [notice({ monitor: 'orders-service-primary' })], opts()));
    assert.equal(e.code, 'InvalidParameterValue.TemplateParameterLengthLimit');
    // Fitted to the real limit, all five fields go through the five-variable template.
    const ok = await sms.send(channel({ templateId: '2220', params: ['monitor', 'status', 'time', 'reason', 'count'] }), [notice({ monitor: 'orders-service-primary' })], opts());
    assert.equal(ok.detail, 'sms: sent to 3 of 3 numbers');
  });

  test('450 numbers go in three requests of 200, 200 and 50', async () => {
    const phones = Array.from({ length: 450 }, (_, i) => `+86139${String(i).padStart(8, '0')}`);
    const from = cloud.requests.length;
    const receipt = await sms.send(channel({ phones }), [notice()], opts());
    assert.equal(receipt.detail, 'sms: sent to 450 of 450 numbers');
    const sizes = newRequests(from).map((r) => (r.params?.PhoneNumberSet as string[]).length);
    assert.deepEqual(sizes, [200, 200, 50]);
  });

  test('a later batch refused after the first went out: its numbers are reported, the message is not resent', async () => {
    // A service that refuses its second SendSms: the stand-in's own SendSms otherwise.
    let calls = 0;
    const flaky: TcService = {
      ...smsApi.service,
      host: 'sms.ap-beijing.tencentcloudapi.com',
      actions: {
        SendSms: {
          ...smsApi.service.actions.SendSms!,
          handle: (params, ctx) => {
            if (++calls === 2) throw new TcError('InternalError', 'An internal error has occurred.');
            return smsApi.service.actions.SendSms!.handle(params, ctx);
          },
        },
      },
    };
    cloud.addService(flaky);
    const phones = Array.from({ length: 250 }, (_, i) => `+86137${String(i).padStart(8, '0')}`);
    const receipt = await sms.send(channel({ phones, endpoint: 'http://sms.ap-beijing.tencentcloudapi.com' }), [notice()], opts());
    assert.equal(receipt.detail, 'sms: sent to 200 of 250 numbers');
    assert.equal(receipt.partial?.length, 50);
    assert.match(receipt.partial![0]!, /InternalError/);
  });

  test('a TC3 Signature= echoed by the API is blanked from the error', async () => {
    const signatures: string[] = [];
    const echoing: TcService = {
      ...smsApi.service,
      host: 'sms.ap-nanjing.tencentcloudapi.com',
      actions: {
        SendSms: {
          ...smsApi.service.actions.SendSms!,
          handle: (_params, ctx) => {
            const auth = String(ctx.headers.authorization);
            signatures.push(/Signature=([0-9a-f]+)/.exec(auth)![1]!);
            throw new TcError('InvalidParameter', `The request was refused. Authorization: ${auth}`);
          },
        },
      },
    };
    cloud.addService(echoing);
    const err = await failure(sms.send(channel({ endpoint: 'http://sms.ap-nanjing.tencentcloudapi.com' }), [notice()], opts()));
    assert.equal(signatures.length, 1);
    assert.equal(signatures[0]!.length, 64);
    assert.ok(!err.message.includes(signatures[0]!), err.message);
    assert.match(err.message, /Signature=\*\*\*/);
  });

  test('RequestLimitExceeded and InternalError are retried (with a wait for the rate limit); AuthFailure is permanent and says what to check', async () => {
    cloud.failNext('SendSms', 'RequestLimitExceeded', 'Your current request times equals to `20` in a second, which exceeds the frequency limit.');
    const limited = await failure(sms.send(channel(), [notice()], opts()));
    assert.equal(limited.code, 'RequestLimitExceeded');
    assert.equal(limited.kind, 'retry');
    assert.equal(limited.retryAfterMs, 1000);

    cloud.failNext('SendSms', 'InternalError', 'An internal error has occurred.');
    const internal = await failure(sms.send(channel(), [notice()], opts()));
    assert.equal(internal.code, 'InternalError');
    assert.equal(internal.kind, 'retry');

    const wrongKey = await failure(sms.send(channel({ secretKey: 'not-the-key-SECRET' }), [notice()], opts()));
    assert.equal(wrongKey.code, 'AuthFailure.SignatureFailure');
    assert.equal(wrongKey.kind, 'permanent');
    assert.match(wrongKey.message, /refused the credentials .*check the execution role or secretId\/secretKey/);
    assert.ok(!wrongKey.message.includes('not-the-key-SECRET'));

    const unknownId = await failure(sms.send(channel({ secretId: 'AKIDnobody' }), [notice()], opts()));
    assert.equal(unknownId.code, 'AuthFailure.SecretIdNotFound');
    assert.equal(unknownId.kind, 'permanent');
  });

  test('a clock more than 300 s off: AuthFailure.SignatureExpire, permanent', async () => {
    cloud.setClockOffset(400);
    try {
      const e = await failure(sms.send(channel(), [notice()], opts()));
      assert.equal(e.code, 'AuthFailure.SignatureExpire');
      assert.equal(e.kind, 'permanent');
    } finally {
      cloud.setClockOffset(0);
    }
  });

  test('SCF execution role: TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN are used and the token travels', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { TENCENTCLOUD_SECRETID: ROLE_ID, TENCENTCLOUD_SECRETKEY: ROLE_KEY, TENCENTCLOUD_SESSIONTOKEN: ROLE_TOKEN });
    try {
      const from = cloud.requests.length;
      const fromEnv = channel({ secretId: undefined, secretKey: undefined });
      assert.equal(fromEnv.secretId, undefined);
      const receipt = await sms.send(fromEnv, [notice()], opts());
      assert.equal(receipt.detail, 'sms: sent to 3 of 3 numbers');
      const [req] = newRequests(from);
      assert.equal(req?.secretId, ROLE_ID);
      assert.equal(req?.token, ROLE_TOKEN);

      // The temporary key without its token is refused: the token is what makes it valid.
      delete process.env.TENCENTCLOUD_SESSIONTOKEN;
      const e = await failure(sms.send(fromEnv, [notice()], opts()));
      assert.match(e.code, /^AuthFailure\./);
      assert.equal(e.kind, 'permanent');
    } finally {
      for (const k of ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  test('no credentials anywhere: a permanent failure that says where credentials come from', async () => {
    const saved = { ...process.env };
    for (const k of ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN']) delete process.env[k];
    try {
      const from = cloud.requests.length;
      const e = await failure(sms.send(channel({ secretId: undefined, secretKey: undefined }), [notice()], opts()));
      assert.equal(e.code, 'NO_CREDENTIALS');
      assert.equal(e.kind, 'permanent');
      assert.match(e.message, /execution role .*TENCENTCLOUD_SECRETID/);
      assert.equal(cloud.requests.length, from, 'nothing was sent');
    } finally {
      Object.assign(process.env, saved);
    }
  });

  test('the API unreachable: a retryable failure naming the host', async () => {
    const port = await closedPort();
    const e = await failure(sms.send(channel({ proxy: `http://127.0.0.1:${port}` }), [notice()], opts()));
    assert.equal(e.kind, 'retry');
    assert.match(e.message, /sms\.tencentcloudapi\.com/);
  });

  test('maskPhone keeps the country code, the prefix and the last four digits', () => {
    assert.equal(maskPhone('+8613800000002'), '+86138****0002');
  });
});

describe('sms config', () => {
  const base = { type: 'sms', sdkAppId: APP, signName: SIGN, templateId: TEMPLATE, phones: PHONES };
  const problems = (ch: Record<string, unknown>) =>
    validateFullConfig({ channels: { oncall: ch }, monitors: [{ name: 'x', type: 'tcp', host: '127.0.0.1', port: 1 }] }).problems.map(
      (p) => `${p.path.join('.')}: ${p.message}`,
    );

  test('defaults: ap-guangzhou, 6-character variables, monitor/status/time', () => {
    const c = v.parse(smsChannel, base);
    assert.equal(c.region, 'ap-guangzhou');
    assert.equal(c.paramMaxLength, 6);
    assert.deepEqual(c.params, ['monitor', 'status', 'time']);
  });

  test('a number not in E.164, a key without its pair, a foreign endpoint, an unknown field: each named', () => {
    assert.deepEqual(problems({ ...base, phones: ['13800000000'] }), ['channels.oncall.phones.0: must be an E.164 number such as +8613800000000']);
    assert.deepEqual(problems({ ...base, secretId: 'AKIDx' }), [
      'channels.oncall: secretId and secretKey go together: give both, or neither to use TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY',
    ]);
    assert.match(problems({ ...base, endpoint: 'https://cvm.tencentcloudapi.com' })[0]!, /^channels\.oncall: endpoint must be a sms\.\* host/);
    assert.match(problems({ ...base, params: ['monitor', 'weather'] })[0]!, /^channels\.oncall\.params\.1: must be one of monitor, status, time, reason, count/);
  });
});

describe('sms through the whole statusCheck run', () => {
  let dir: string;
  const lines: string[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'scfm-sms-'));
    setLogSink((text) => lines.push(...text.split(/(?<=\n)/)));
  });
  after(() => {
    setLogSink((line) => process.stdout.write(line));
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(secretKey: string, names = ['web']): Promise<{ summary: Awaited<ReturnType<typeof runFunction>>; table: string }> {
    const port = await closedPort();
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    process.env.SCFM_SMS_KEY = secretKey;
    writeFileSync(
      path,
      JSON.stringify({
        state: { type: 'file', path: join(dir, `state-${Math.random().toString(36).slice(2)}`) },
        channels: {
          oncall: {
            type: 'sms', sdkAppId: APP, signName: SIGN, templateId: TEMPLATE, phones: PHONES,
            secretId: ID, secretKey: '${SCFM_SMS_KEY}', endpoint: cloud.endpoint('sms'), proxy: cloud.proxyUrl, timeoutMs: 2000,
          },
        },
        alerts: { channels: ['oncall'] },
        // Only the first runs; the others (parked) still count among the names SMS keeps apart.
        monitors: names.map((name, i) => ({ name, type: 'http', url: `http://127.0.0.1:${port}/`, samples: 1, attempts: 1, connectTimeoutMs: 500, enabled: i === 0 })),
      }),
    );
    try {
      const summary = await runFunction('statusCheck', timerEvent(), localContext('statusCheck', 8000), { configPath: path });
      return { summary, table: renderTable(summary, 200) };
    } finally {
      delete process.env.SCFM_SMS_KEY;
    }
  }

  test('a failing monitor texts the on-call phones once, through the outbox', async () => {
    const before = smsApi.sent.length;
    const { summary } = await run(KEY);
    assert.equal(summary.ok, false);
    assert.deepEqual(summary.deliveries.map((d) => [d.channel, d.outcome]), [['oncall', 'delivered']]);
    const sent = smsApi.sent.slice(before);
    assert.equal(sent.length, 3);
    assert.match(sent[0]!.text, /^【运维监控】监控web告警，时间\d\d:\d\d$/);
  });

  test("a name that collides at 6 characters with another monitor's is sent in its distinguishing short form", async () => {
    const before = smsApi.sent.length;
    await run(KEY, ['backend-api', 'backend-db']);
    const sent = smsApi.sent.slice(before);
    assert.ok(sent.length > 0);
    assert.match(sent[0]!.text, /^【运维监控】监控bac~pi告警，时间\d\d:\d\d$/);
  });

  test('a wrong SecretKey: dead-lettered with AuthFailure, and neither key appears in the summary, table or log', async () => {
    const wrong = 'wrongSecretKey-SECRET-9f8e7d6c';
    const from = lines.length;
    const { summary, table } = await run(wrong);
    const [d] = summary.deliveries;
    assert.equal(d?.outcome, 'dead-letter');
    assert.equal(d?.code, 'AuthFailure.SignatureFailure');
    const output = [JSON.stringify(summary), table, ...lines.slice(from)].join('\n');
    assert.match(output, /AuthFailure\.SignatureFailure/);
    for (const secret of [wrong, KEY]) assert.ok(!output.includes(secret), 'no SecretKey in any output');
  });
});
