/**
 * The Tencent Cloud stand-in itself (test/support/tencent-cloud.ts and tc-sms.ts): its TC3
 * verifier reproduces Tencent's published worked example byte for byte and refuses the same
 * request with one byte changed; the real SDK gets through its CONNECT tunnel and gets Tencent's
 * error envelopes for each way a request can be wrong; hand-built requests that tamper with one
 * thing each are refused with the right code; and SendSms follows its documentation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Client as SmsClient } from 'tencentcloud-sdk-nodejs-sms/tencentcloud/services/sms/v20210111/sms_client';
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import { sha256Hex, signTc3Request, startTencentCloud, tc3Authorization, tc3CanonicalRequest, tc3Date, tc3Signature, tc3StringToSign, verifyTc3, type TencentCloudStandIn, type Tc3Request } from '../dev/standins/tencent-cloud';
import { normalisePhone, smsService, type SmsStandIn } from '../dev/standins/tc-sms';

// ---------------------------------------------------------------------------------------------
// Known answer: the worked example of Tencent Cloud's "签名方法 v3" / "Signature v3" document
// (cloud.tencent.com/document/api/213/30654 and its per-product copies, e.g.
// https://intl.cloud.tencent.com/zh/document/api/1021/34193, last updated 2020-05-21, and
// https://www.tencentcloud.com/zh/document/product/1021/34193, last updated 2021-11-15), in the
// version that still printed its example SecretKey unmasked and signed only content-type;host.
// Later versions mask the keys and add x-tc-action to SignedHeaders, so their final signature
// cannot be recomputed. Every hash, string and signature below is copied from that document,
// not computed here. The document's example SecretId is not: it only names the key in the
// Credential and enters no hash, so a test value stands in for it (no credential-shaped
// string in the repository) and the published signature is reproduced all the same.
const DOC_SECRET_ID = 'doc-example-secret-id';
const DOC = {
  secretId: DOC_SECRET_ID,
  // The documentation's published example key (it ends in EXAMPLE); the signature needs it.
  secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
  service: 'cvm',
  host: 'cvm.tencentcloudapi.com',
  action: 'DescribeInstances',
  version: '2017-03-12',
  region: 'ap-guangzhou',
  timestamp: 1551113065,
  contentType: 'application/json; charset=utf-8',
  // The body exactly as sent: the three characters 未命名 written as \u escapes.
  body: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
  hashedRequestPayload: '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064',
  canonicalRequest:
    'POST\n' +
    '/\n' +
    '\n' +
    'content-type:application/json; charset=utf-8\n' +
    'host:cvm.tencentcloudapi.com\n' +
    '\n' +
    'content-type;host\n' +
    '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064',
  hashedCanonicalRequest: '5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
  credentialScope: '2019-02-25/cvm/tc3_request',
  stringToSign: 'TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
  signature: '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
  // The published header, with the test SecretId in place of the document's.
  authorization: `TC3-HMAC-SHA256 Credential=${DOC_SECRET_ID}/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168`,
} as const;

/** The document's "final complete call information", headers as node:http would hand them over. */
function docRequest(): Tc3Request & { headers: Record<string, string> } {
  return {
    method: 'POST',
    path: '/',
    headers: {
      authorization: DOC.authorization,
      'content-type': DOC.contentType,
      host: DOC.host,
      'x-tc-action': DOC.action,
      'x-tc-version': DOC.version,
      'x-tc-timestamp': String(DOC.timestamp),
      'x-tc-region': DOC.region,
    },
    body: Buffer.from(DOC.body, 'utf8'),
  };
}

const docVerify = (req: Tc3Request, nowSeconds: number = DOC.timestamp) =>
  verifyTc3(req, { secretKeyOf: (id) => (id === DOC.secretId ? DOC.secretKey : undefined), service: DOC.service, nowSeconds });

describe('TC3-HMAC-SHA256 against the published worked example', () => {
  test('each step reproduces the document byte for byte', () => {
    assert.equal(sha256Hex(DOC.body), DOC.hashedRequestPayload);
    const canonical = tc3CanonicalRequest({
      method: 'POST',
      path: '/',
      query: '',
      headers: { 'content-type': DOC.contentType, host: DOC.host },
      signedHeaders: ['content-type', 'host'],
      payload: DOC.body,
    });
    assert.equal(canonical, DOC.canonicalRequest);
    assert.equal(sha256Hex(canonical), DOC.hashedCanonicalRequest);
    assert.equal(tc3Date(DOC.timestamp), '2019-02-25', 'the scope date is the UTC date (2019-02-26 00:44:25 in UTC+8)');
    const stringToSign = tc3StringToSign(DOC.timestamp, DOC.credentialScope, canonical);
    assert.equal(stringToSign, DOC.stringToSign);
    const signature = tc3Signature(DOC.secretKey, '2019-02-25', DOC.service, stringToSign);
    assert.equal(signature, DOC.signature);
    assert.equal(tc3Authorization(DOC.secretId, DOC.credentialScope, ['content-type', 'host'], signature), DOC.authorization);
  });

  test('the test signer produces the published Authorization for the published request', () => {
    const headers = signTc3Request({
      secretId: DOC.secretId,
      secretKey: DOC.secretKey,
      service: DOC.service,
      host: DOC.host,
      action: DOC.action,
      version: DOC.version,
      region: DOC.region,
      timestamp: DOC.timestamp,
      body: DOC.body,
    });
    assert.equal(headers.authorization, DOC.authorization);
  });

  test('the verifier accepts the published request and rebuilds its CanonicalRequest and StringToSign', () => {
    const verdict = docVerify(docRequest());
    assert.ok(verdict.ok, JSON.stringify(verdict));
    assert.equal(verdict.canonicalRequest, DOC.canonicalRequest);
    assert.equal(verdict.stringToSign, DOC.stringToSign);
    assert.equal(verdict.secretId, DOC.secretId);
  });

  test('one byte changed anywhere that is signed, and the verifier refuses it', () => {
    const cases: [string, (r: ReturnType<typeof docRequest>) => void][] = [
      ['body: "Limit": 1 → 2', (r) => (r.body = Buffer.from(DOC.body.replace('"Limit": 1', '"Limit": 2')))],
      ['body: one escape digit', (r) => (r.body = Buffer.from(DOC.body.replace('\\u672a', '\\u672b')))],
      ['body: a trailing newline', (r) => (r.body = Buffer.from(`${DOC.body}\n`))],
      ['Host', (r) => (r.headers.host = 'cvn.tencentcloudapi.com')],
      ['Content-Type', (r) => (r.headers['content-type'] = 'application/json; charset=utf-9')],
      ['X-TC-Timestamp (same UTC date)', (r) => (r.headers['x-tc-timestamp'] = String(DOC.timestamp + 1))],
      ['Signature', (r) => (r.headers.authorization = DOC.authorization.replace(/8$/, '9'))],
      ['CanonicalURI', (r) => (r.path = '//')],
    ];
    for (const [what, tamper] of cases) {
      const r = docRequest();
      tamper(r);
      const verdict = docVerify(r, DOC.timestamp + 1);
      assert.equal(verdict.ok, false, `${what} was accepted`);
      assert.equal(!verdict.ok && verdict.code, 'AuthFailure.SignatureFailure', what);
    }
  });

  test('what is not signed may change: the region and the action are outside content-type;host', () => {
    const r = docRequest();
    r.headers['x-tc-region'] = 'ap-shanghai';
    r.headers['x-tc-action'] = 'RunInstances';
    assert.ok(docVerify(r).ok);
  });

  test('the key, the SecretId and the clock decide too', () => {
    const wrongKey = verifyTc3(docRequest(), { secretKeyOf: () => `${DOC.secretKey}x`, service: 'cvm', nowSeconds: DOC.timestamp });
    assert.equal(!wrongKey.ok && wrongKey.code, 'AuthFailure.SignatureFailure');
    const unknown = verifyTc3(docRequest(), { secretKeyOf: () => undefined, service: 'cvm', nowSeconds: DOC.timestamp });
    assert.equal(!unknown.ok && unknown.code, 'AuthFailure.SecretIdNotFound');
    assert.ok(docVerify(docRequest(), DOC.timestamp + 300).ok, 'five minutes late is still in time');
    assert.ok(docVerify(docRequest(), DOC.timestamp - 300).ok, 'five minutes early is still in time');
    const late = docVerify(docRequest(), DOC.timestamp + 301);
    assert.equal(!late.ok && late.code, 'AuthFailure.SignatureExpire');
    const otherService = verifyTc3(docRequest(), { secretKeyOf: () => DOC.secretKey, service: 'sms', nowSeconds: DOC.timestamp });
    assert.equal(!otherService.ok && otherService.code, 'AuthFailure.SignatureFailure');
  });
});

// ---------------------------------------------------------------------------------------------
// The running stand-in.

const PERMANENT = { secretId: 'AKIDpermanentTEST0000000000000000001', secretKey: 'permanent-SECRET-KEY-0000000000001' };
const TEMPORARY = { secretId: 'AKIDtemporaryTEST0000000000000000002', secretKey: 'temporary-SECRET-KEY-0000000000002', token: 'session-TOKEN-0000000000000000000000002' };
const APP_ID = '1400006666';
const SIGN = '监控中心';
const TEMPLATE = { id: '1110', text: '监控{1}：{2}，{3}' };
const PHONE = '+8613800000001';
const LIMITED_PHONE = '+8613800000002';
const REGIONAL_HOST = 'sms.ap-guangzhou.tencentcloudapi.com';

let cloud: TencentCloudStandIn;
let sms: SmsStandIn;

interface SdkCredential {
  secretId: string;
  secretKey: string;
  token?: string;
}

/** `region` null: the SDK sends no X-TC-Region. */
function smsClient(credential: SdkCredential, region: string | null = 'ap-guangzhou') {
  return new SmsClient({
    credential,
    ...(region ? { region } : {}),
    profile: { httpProfile: { protocol: 'http://', endpoint: 'sms.tencentcloudapi.com', proxy: cloud.proxyUrl, reqTimeout: 5 } },
  });
}

const sendReq = (over: Record<string, unknown> = {}) => ({
  PhoneNumberSet: [PHONE],
  SmsSdkAppId: APP_ID,
  SignName: SIGN,
  TemplateId: TEMPLATE.id,
  TemplateParamSet: ['web', 'down', '5xx'],
  SessionContext: 'incident-42',
  ...over,
});

/** The SDK's exception carries Tencent's Error.Code as `.code`. */
async function sdkCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? `no code: ${(err as Error).message}`;
  }
  return 'no error';
}

/** The last request the stand-in recorded. */
const last = () => {
  const r = cloud.requests.at(-1);
  assert.ok(r, 'no request reached the stand-in');
  return r;
};

before(async () => {
  sms = smsService({
    appIds: [APP_ID],
    signNames: [SIGN],
    templates: [TEMPLATE, { id: '2220', text: '恢复{1}' }],
    phoneStatus: { [LIMITED_PHONE]: 'LimitExceeded.PhoneNumberDailyLimit' },
  });
  cloud = await startTencentCloud({ accounts: [PERMANENT, TEMPORARY], services: [sms.service] });
  // Tencent's regional endpoint of the same service: same scope service, another host name.
  cloud.addService({ ...sms.service, host: REGIONAL_HOST });
});

after(async () => {
  await cloud?.close();
});

describe('the real SDK through the CONNECT tunnel', () => {
  test('SendSms succeeds and the SMS is recorded as the phone shows it', async () => {
    const before = sms.sent.length;
    const tunnels = cloud.tunnels.length;
    const res = await smsClient(PERMANENT).SendSms(sendReq());
    const row = res.SendStatusSet?.[0];
    assert.equal(row?.Code, 'Ok');
    assert.equal(row?.Message, 'send success');
    assert.equal(row?.PhoneNumber, PHONE);
    assert.equal(row?.Fee, 1);
    assert.equal(row?.IsoCode, 'CN');
    assert.equal(row?.SessionContext, 'incident-42');
    assert.match(row?.SerialNo ?? '', /^\d+:[0-9a-f]+$/);
    assert.match(res.RequestId ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(sms.sent.slice(before).map((s) => [s.phone, s.text]), [[PHONE, '【监控中心】监控web：down，5xx']]);
    assert.deepEqual(cloud.tunnels.slice(tunnels), ['sms.tencentcloudapi.com:80'], 'the SDK went through the proxy tunnel');
    const rec = last();
    assert.equal(rec.errorCode, undefined);
    assert.equal(rec.host, 'sms.tencentcloudapi.com');
    assert.equal(rec.service, 'sms');
    assert.equal(rec.action, 'SendSms');
    assert.equal(rec.region, 'ap-guangzhou');
    assert.equal(rec.secretId, PERMANENT.secretId);
    assert.equal(rec.headers.host, 'sms.tencentcloudapi.com', 'the SDK sends the service host, no port');
    assert.ok(!rec.body.includes(PERMANENT.secretKey) && !JSON.stringify(rec.headers).includes(PERMANENT.secretKey), 'the key never travels');
  });

  test('a wrong SecretKey: AuthFailure.SignatureFailure', async () => {
    assert.equal(await sdkCode(smsClient({ ...PERMANENT, secretKey: `${PERMANENT.secretKey}-wrong` }).SendSms(sendReq())), 'AuthFailure.SignatureFailure');
    assert.equal(last().errorCode, 'AuthFailure.SignatureFailure');
  });

  test('an unknown SecretId: AuthFailure.SecretIdNotFound', async () => {
    assert.equal(await sdkCode(smsClient({ ...PERMANENT, secretId: 'AKIDnobodyTEST000000000000000000009' }).SendSms(sendReq())), 'AuthFailure.SecretIdNotFound');
  });

  test('a clock 400 s off: AuthFailure.SignatureExpire; 250 s off is still in time', async () => {
    try {
      cloud.setClockOffset(400);
      assert.equal(await sdkCode(smsClient(PERMANENT).SendSms(sendReq())), 'AuthFailure.SignatureExpire');
      cloud.setClockOffset(-400);
      assert.equal(await sdkCode(smsClient(PERMANENT).SendSms(sendReq())), 'AuthFailure.SignatureExpire');
      cloud.setClockOffset(250);
      assert.equal(await sdkCode(smsClient(PERMANENT).SendSms(sendReq())), 'no error');
    } finally {
      cloud.setClockOffset(0);
    }
  });

  test('a temporary key works with its token and only with it; a permanent key takes none', async () => {
    assert.equal(await sdkCode(smsClient(TEMPORARY).SendSms(sendReq())), 'no error');
    assert.equal(last().token, TEMPORARY.token);
    const { token: _dropped, ...withoutToken } = TEMPORARY;
    assert.equal(await sdkCode(smsClient(withoutToken).SendSms(sendReq())), 'AuthFailure.TokenFailure');
    assert.equal(await sdkCode(smsClient({ ...TEMPORARY, token: `${TEMPORARY.token}x` }).SendSms(sendReq())), 'AuthFailure.TokenFailure');
    assert.equal(await sdkCode(smsClient({ ...PERMANENT, token: TEMPORARY.token }).SendSms(sendReq())), 'AuthFailure.TokenFailure');
  });

  test('failNext: RequestLimitExceeded once, InternalError twice, then the call goes through', async () => {
    const client = smsClient(PERMANENT);
    const sent = sms.sent.length;
    cloud.failNext('SendSms', 'RequestLimitExceeded', 'Your current request times equals to `3001` in a second, which exceeds the frequency limit `3000` for a second.');
    assert.equal(await sdkCode(client.SendSms(sendReq())), 'RequestLimitExceeded');
    assert.equal(await sdkCode(client.SendSms(sendReq())), 'no error');
    cloud.failNext('SendSms', 'InternalError', 'Internal error.', 2);
    assert.equal(await sdkCode(client.SendSms(sendReq())), 'InternalError');
    assert.equal(await sdkCode(client.SendSms(sendReq())), 'InternalError');
    assert.equal(await sdkCode(client.SendSms(sendReq())), 'no error');
    assert.equal(sms.sent.length - sent, 2, 'a refused call sends nothing');
  });

  test('a fault is injected only after authentication: a bad signature still says so', async () => {
    cloud.failNext('SendSms', 'InternalError');
    assert.equal(await sdkCode(smsClient({ ...PERMANENT, secretKey: 'wrong' }).SendSms(sendReq())), 'AuthFailure.SignatureFailure');
    assert.equal(await sdkCode(smsClient(PERMANENT).SendSms(sendReq())), 'InternalError');
  });

  test('a missing required field: MissingParameter naming it', async () => {
    const { TemplateId: _t, ...noTemplate } = sendReq();
    await assert.rejects(smsClient(PERMANENT).SendSms(noTemplate as never), (e: { code?: string; message?: string }) => {
      assert.equal(e.code, 'MissingParameter');
      assert.match(e.message ?? '', /`TemplateId`/);
      return true;
    });
  });

  test('an unknown action: InvalidAction; another API version: NoSuchVersion', async () => {
    assert.equal(await sdkCode(smsClient(PERMANENT).request('SendSmsNow', sendReq())), 'InvalidAction');
    const oldVersion = new CommonClient('sms.tencentcloudapi.com', '2019-07-11', {
      credential: PERMANENT,
      region: 'ap-guangzhou',
      profile: { httpProfile: { protocol: 'http://', proxy: cloud.proxyUrl, reqTimeout: 5 } },
    });
    assert.equal(await sdkCode(oldVersion.request('SendSms', sendReq())), 'NoSuchVersion');
  });

  test('no region: MissingParameter Region', async () => {
    await assert.rejects(smsClient(PERMANENT, null).SendSms(sendReq()), (e: { code?: string; message?: string }) => {
      assert.equal(e.code, 'MissingParameter');
      assert.match(e.message ?? '', /`Region`/);
      return true;
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-built requests, each wrong in one way.

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  code: string | undefined;
}

function readAnswer(res: import('node:http').IncomingMessage): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let code: string | undefined;
      try {
        const parsed = JSON.parse(text) as { Response?: { Error?: { Code?: string } } };
        code = parsed.Response?.Error?.Code ?? (parsed.Response ? 'ok' : undefined);
      } catch {
        code = undefined;
      }
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text, code });
    });
  });
}

/** Opens a CONNECT tunnel to `target` through the stand-in; the proxy's answer if it refuses. */
function tunnel(target: string): Promise<{ socket: Socket } | { refused: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: cloud.port, method: 'CONNECT', path: target, headers: { host: target } });
    req.on('connect', (res, socket) => {
      if (res.statusCode === 200) resolve({ socket });
      else {
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('end', () => resolve({ refused: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      }
    });
    req.on('error', reject);
    req.end();
  });
}

/** POSTs `body` with exactly `headers` (Host included), through a tunnel or straight to the port. */
async function raw(headers: OutgoingHttpHeaders, body: string, via: 'tunnel' | 'direct' = 'tunnel', method = 'POST'): Promise<RawAnswer> {
  const host = String(headers.host);
  let createConnection: (() => Socket) | undefined;
  if (via === 'tunnel') {
    const t = await tunnel(`${host.replace(/:\d+$/, '')}:80`);
    if (!('socket' in t)) throw new Error(`tunnel refused: ${t.refused}`);
    createConnection = () => t.socket;
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        // With createConnection and no agent, node:http uses the tunnel and connects nowhere else.
        ...(createConnection ? { createConnection } : { host: '127.0.0.1', port: cloud.port, agent: false }),
        method,
        path: '/',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => readAnswer(res).then(resolve, reject),
    );
    req.on('error', reject);
    req.end(body);
  });
}

const now = () => Math.floor(Date.now() / 1000);
const BODY = JSON.stringify(sendReq());

function signed(over: Partial<Parameters<typeof signTc3Request>[0]> = {}) {
  return signTc3Request({
    ...PERMANENT,
    service: 'sms',
    host: 'sms.tencentcloudapi.com',
    action: 'SendSms',
    version: '2021-01-11',
    region: 'ap-guangzhou',
    timestamp: now(),
    body: BODY,
    ...over,
  });
}

describe('hand-built requests', () => {
  test('a correctly signed request is served, through the tunnel and straight to the port', async () => {
    assert.equal((await raw(signed(), BODY, 'tunnel')).code, 'ok');
    assert.equal((await raw(signed(), BODY, 'direct')).code, 'ok');
    assert.equal((await raw(signed({ contentType: 'application/json' }), BODY)).code, 'ok', 'without charset too');
  });

  test('the body changed after signing: AuthFailure.SignatureFailure', async () => {
    const tampered = BODY.replace('incident-42', 'incident-43');
    assert.notEqual(tampered, BODY);
    assert.equal((await raw(signed(), tampered)).code, 'AuthFailure.SignatureFailure');
  });

  test('the body re-serialised with the same JSON meaning: the raw bytes are signed, so it fails', async () => {
    const spaced = JSON.stringify(sendReq(), null, 1);
    assert.deepEqual(JSON.parse(spaced), JSON.parse(BODY));
    assert.equal((await raw(signed(), spaced)).code, 'AuthFailure.SignatureFailure');
  });

  test('sent to another host name of the same service: AuthFailure.SignatureFailure', async () => {
    // Signed for sms.tencentcloudapi.com, delivered with Host sms.ap-guangzhou...: same scope service.
    assert.equal((await raw({ ...signed(), host: REGIONAL_HOST }, BODY)).code, 'AuthFailure.SignatureFailure');
    // Signed for the regional host itself, it is served.
    assert.equal((await raw(signed({ host: REGIONAL_HOST }), BODY)).code, 'ok');
  });

  test('the Host is signed without its port', async () => {
    const headers = signed();
    assert.equal((await raw({ ...headers, host: 'sms.tencentcloudapi.com:80' }, BODY, 'direct')).code, 'ok');
  });

  test('the credential scope names another service: AuthFailure.SignatureFailure', async () => {
    const answer = await raw(signed({ scopeService: 'cvm' }), BODY);
    assert.equal(answer.code, 'AuthFailure.SignatureFailure');
    assert.match(answer.text, /cvm/);
  });

  test('the credential scope date is not the UTC date of the timestamp: AuthFailure.SignatureFailure', async () => {
    const t = now();
    const answer = await raw(signed({ timestamp: t, scopeDate: tc3Date(t - 86400) }), BODY);
    assert.equal(answer.code, 'AuthFailure.SignatureFailure');
    assert.match(answer.text, /UTC date/);
  });

  test('SignedHeaders without host, or without content-type: AuthFailure.SignatureFailure', async () => {
    assert.equal((await raw(signed({ signedHeaders: ['content-type'] }), BODY)).code, 'AuthFailure.SignatureFailure');
    assert.equal((await raw(signed({ signedHeaders: ['host'] }), BODY)).code, 'AuthFailure.SignatureFailure');
    assert.equal((await raw(signed({ signedHeaders: ['content-type', 'host', 'x-tc-action'] }), BODY)).code, 'ok', 'signing more is fine');
  });

  test('a malformed Authorization: AuthFailure.InvalidAuthorization', async () => {
    const headers = signed();
    const auth = String(headers.authorization);
    for (const bad of [auth.replace('TC3-HMAC-SHA256', 'TC3-HMAC-SHA1'), auth.replace(/, Signature=.*$/, ''), auth.replace('/tc3_request', '/tc2_request'), 'Bearer abc']) {
      assert.equal((await raw({ ...headers, authorization: bad }, BODY)).code, 'AuthFailure.InvalidAuthorization', bad);
    }
  });

  test('a missing X-TC-Action, X-TC-Timestamp or Authorization: MissingParameter', async () => {
    for (const name of ['x-tc-action', 'x-tc-timestamp', 'authorization']) {
      const { [name]: _gone, ...headers } = signed();
      const answer = await raw(headers, BODY);
      assert.equal(answer.code, 'MissingParameter', name);
    }
  });

  test('not JSON: a form Content-Type, a body that is no JSON object, a GET', async () => {
    const form = signed({ contentType: 'application/x-www-form-urlencoded' });
    assert.equal((await raw(form, BODY)).code, 'InvalidParameter');
    assert.equal((await raw(signed({ body: '[1,2]' }), '[1,2]')).code, 'InvalidParameter');
    assert.equal((await raw(signed({ body: '{"a":' }), '{"a":')).code, 'InvalidParameter');
    assert.equal((await raw(signed({ body: '' }), '', 'tunnel', 'GET')).code, 'UnsupportedProtocol');
  });

  test('the stand-in tunnels only to registered service hosts on port 80, and serves only their Host', async () => {
    const tunnels = cloud.tunnels.length;
    const requests = cloud.requests.length;
    const elsewhere = await tunnel('example.com:80');
    assert.ok('refused' in elsewhere && elsewhere.refused === 502, JSON.stringify(elsewhere));
    const tls = await tunnel('sms.tencentcloudapi.com:443');
    assert.ok('refused' in tls && tls.refused === 403, JSON.stringify(tls));
    assert.deepEqual(cloud.tunnels.slice(tunnels), ['example.com:80', 'sms.tencentcloudapi.com:443']);
    assert.equal(cloud.requests.length, requests, 'a refused tunnel carries no request');
    const unknownHost = await raw({ ...signed(), host: 'sms.example.com' }, BODY, 'direct');
    assert.equal(unknownHost.status, 404);
  });

  test('every request is recorded, refused ones with their code', async () => {
    const n = cloud.requests.length;
    await raw(signed({ scopeService: 'cvm' }), BODY);
    await raw(signed(), BODY);
    const [refused, served] = cloud.requests.slice(n);
    assert.equal(refused?.errorCode, 'AuthFailure.SignatureFailure');
    assert.equal(refused?.secretId, PERMANENT.secretId);
    assert.equal(refused?.body, BODY);
    assert.equal(served?.errorCode, undefined);
    assert.deepEqual(served?.params, JSON.parse(BODY));
  });
});

// ---------------------------------------------------------------------------------------------
// SendSms as documented.

describe('SendSms', () => {
  const send = (over: Record<string, unknown>) => smsClient(PERMANENT).SendSms(sendReq(over) as never);
  const rows = async (over: Record<string, unknown>) => (await send(over)).SendStatusSet ?? [];

  test('phone numbers: mainland forms are read as +86, a malformed one fails alone', async () => {
    assert.equal(normalisePhone('13800000001'), PHONE);
    assert.equal(normalisePhone('008613800000001'), PHONE);
    assert.equal(normalisePhone('8613800000001'), PHONE);
    assert.equal(normalisePhone('+86138000000'), undefined);
    const before = sms.sent.length;
    const status = await rows({ PhoneNumberSet: ['13800000003', '+8612345'] });
    assert.deepEqual(
      status.map((r) => [r.PhoneNumber, r.Code, r.Fee]),
      [
        ['+8613800000003', 'Ok', 1],
        ['+8612345', 'InvalidParameterValue.IncorrectPhoneNumber', 0],
      ],
    );
    assert.deepEqual(sms.sent.slice(before).map((s) => s.phone), ['+8613800000003']);
  });

  test('more than 200 numbers: LimitExceeded.PhoneNumberCountLimit; exactly 200 go out', async () => {
    const numbers = (n: number) => Array.from({ length: n }, (_, i) => `+86139${String(i).padStart(8, '0')}`);
    assert.equal(await sdkCode(send({ PhoneNumberSet: numbers(201) })), 'LimitExceeded.PhoneNumberCountLimit');
    assert.equal((await rows({ PhoneNumberSet: numbers(200) })).filter((r) => r.Code === 'Ok').length, 200);
    assert.equal(await sdkCode(send({ PhoneNumberSet: [] })), 'MissingParameter.EmptyPhoneNumberSet');
  });

  test('an unknown SmsSdkAppId: InvalidParameterValue.SdkAppIdNotExist', async () => {
    assert.equal(await sdkCode(send({ SmsSdkAppId: '1400000000' })), 'InvalidParameterValue.SdkAppIdNotExist');
  });

  test('mainland SMS needs its sign; mixing mainland and international numbers is refused', async () => {
    assert.equal(await sdkCode(send({ SignName: undefined })), 'MissingParameter');
    assert.equal(await sdkCode(send({ PhoneNumberSet: [PHONE, '+6591234567'] })), 'UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber');
  });

  test('a 2019-07-11 field name is an unknown parameter', async () => {
    assert.equal(await sdkCode(send({ SmsSdkAppid: APP_ID })), 'UnknownParameter');
    assert.equal(await sdkCode(send({ TemplateParamSet: [1, 2, 3] })), 'InvalidParameter');
  });

  test('an unapproved sign or template, or the wrong number of variables: every row fails, nothing is sent', async () => {
    const before = sms.sent.length;
    const cases: [Record<string, unknown>, string][] = [
      [{ SignName: '别的签名' }, 'FailedOperation.SignatureIncorrectOrUnapproved'],
      [{ TemplateId: '9999' }, 'FailedOperation.TemplateIncorrectOrUnapproved'],
      [{ TemplateParamSet: ['web', 'down'] }, 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate'],
      [{ TemplateParamSet: ['web', 'down', '5xx', 'x'] }, 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate'],
    ];
    for (const [over, code] of cases) {
      const status = await rows({ ...over, PhoneNumberSet: [PHONE, '+8613800000004'] });
      assert.deepEqual(status.map((r) => [r.Code, r.Fee, r.SerialNo]), [
        [code, 0, ''],
        [code, 0, ''],
      ], code);
    }
    assert.equal(sms.sent.length, before);
  });

  test('a variable longer than paramMaxLength (characters, not bytes): InvalidParameterValue.TemplateParameterLengthLimit', async () => {
    const sixChinese = '数据库连接超';
    assert.equal(Buffer.byteLength(sixChinese), 18);
    assert.equal((await rows({ TemplateParamSet: ['web', sixChinese, '5xx'] }))[0]?.Code, 'Ok');
    assert.equal((await rows({ TemplateParamSet: ['web', `${sixChinese}时`, '5xx'] }))[0]?.Code, 'InvalidParameterValue.TemplateParameterLengthLimit');
  });

  test('a number over its daily limit fails alone, with the documented code and no fee', async () => {
    const before = sms.sent.length;
    const status = await rows({ PhoneNumberSet: [LIMITED_PHONE, PHONE] });
    assert.deepEqual(status.map((r) => [r.PhoneNumber, r.Code, r.Fee]), [
      [LIMITED_PHONE, 'LimitExceeded.PhoneNumberDailyLimit', 0],
      [PHONE, 'Ok', 1],
    ]);
    assert.match(status[0]?.Message ?? '', /exceeds the upper limit/);
    assert.deepEqual(sms.sent.slice(before).map((s) => s.phone), [PHONE]);
    sms.setPhoneStatus(LIMITED_PHONE, undefined);
    assert.equal((await rows({ PhoneNumberSet: [LIMITED_PHONE] }))[0]?.Code, 'Ok');
    sms.setPhoneStatus(LIMITED_PHONE, 'LimitExceeded.PhoneNumberDailyLimit');
  });

  test("messageFaults 'envelope' answers a message-level refusal as an error the SDK throws", async () => {
    const strict = smsService({ appIds: [APP_ID], signNames: [SIGN], templates: [TEMPLATE], messageFaults: 'envelope' });
    const other = await startTencentCloud({ accounts: [PERMANENT], services: [strict.service] });
    try {
      const client = new SmsClient({
        credential: PERMANENT,
        region: 'ap-guangzhou',
        profile: { httpProfile: { protocol: 'http://', endpoint: 'sms.tencentcloudapi.com', proxy: other.proxyUrl, reqTimeout: 5 } },
      });
      assert.equal(await sdkCode(client.SendSms(sendReq({ SignName: '别的签名' }) as never)), 'FailedOperation.SignatureIncorrectOrUnapproved');
      assert.equal(await sdkCode(client.SendSms(sendReq() as never)), 'no error');
      assert.equal(strict.sent.length, 1);
    } finally {
      await other.close();
    }
  });
});
