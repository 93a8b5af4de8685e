/**
 * The alert channels against strict loopback stand-ins: WeCom and DingTalk robots (their own
 * errcodes and limits) and a real SMTP server over TLS. Every failure is also checked for the
 * secrets it must never carry: the WeCom key, the DingTalk token and secret, the SMTP password.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import * as v from 'valibot';
import { dingtalkChannel } from '../lib/channels/dingtalk/schema';
import { emailChannel } from '../lib/channels/email/schema';
import { wecomChannel } from '../lib/channels/wecom/schema';
import { WORDS } from '../lib/alerting/messages';
import { DeliveryError, type Notice, type SendOptions } from '../lib/alerting/types';
import { wecom } from '../lib/channels/wecom/send';
import { dingtalk, dingtalkSign } from '../lib/channels/dingtalk/send';
import { email } from '../lib/channels/email/send';
import { wecomStandIn, WECOM_PATH, type WecomStandIn } from './support/wecom';
import { dingtalkStandIn, type DingtalkStandIn } from './support/dingtalk';
import { smtpStandIn, type SmtpStandIn } from './support/smtp';
import { makeCerts, type TestCerts } from './support/certs';

const WECOM_KEY = 'wk-5b2d4e8f-a6c0-SECRET-KEY-93f1';
const DT_TOKEN = 'dt-token-0a1b2c3d-SECRET-TOKEN';
const DT_SECRET = 'SEC7e9d1c3b5a-SECRET-SIGNING-KEY';
const SMTP_USER = 'ops@example.com';
const SMTP_PASS = 'smtp-Pa55w0rd-SECRET';

const SECRETS = [
  WECOM_KEY,
  DT_TOKEN,
  DT_SECRET,
  SMTP_PASS,
  Buffer.from(SMTP_PASS).toString('base64'),
  Buffer.from(`\0${SMTP_USER}\0${SMTP_PASS}`).toString('base64'),
];

/** A failure's every printable form must be free of secrets. */
function assertNoSecrets(err: unknown, extra: string[] = []): void {
  const e = err as Error;
  const forms = { message: e.message, string: String(e), stack: e.stack ?? '', json: JSON.stringify(e) };
  for (const secret of [...SECRETS, ...extra]) {
    for (const [form, text] of Object.entries(forms)) {
      assert.ok(!text.includes(secret), `${form} of the error must not contain a secret: ${text}`);
    }
  }
  assert.equal((e as { cause?: unknown }).cause, undefined, 'no underlying error is kept');
}

/** The DeliveryError a send rejects with, checked for secrets. */
async function failure(p: Promise<unknown>, extra: string[] = []): Promise<DeliveryError> {
  const err = await p.then(
    () => assert.fail('the send should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DeliveryError, `a DeliveryError, got ${String(err)}`);
  assertNoSecrets(err, extra);
  return err;
}

const opts = (over: Partial<SendOptions> = {}): SendOptions => ({ signal: new AbortController().signal, ...over });
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function notice(over: Partial<Notice> = {}): Notice {
  return {
    kind: 'alert',
    function: 'statusCheck',
    monitor: 'api-health',
    type: 'http',
    target: 'https://api.example.com/health',
    incidentId: 'inc-20260301-01',
    since: '2026-03-01T02:00:00.000Z',
    at: '2026-03-01T02:05:00.000Z',
    reasons: [{ code: 'HTTP_STATUS', message: 'HTTP 502 from 10.0.0.8:443' }],
    stats: { samples: 10, successes: 3, successRate: 0.3, meanMs: 120, p95Ms: 800 },
    ...over,
  };
}
const resolved = (over: Partial<Notice> = {}) =>
  notice({ kind: 'resolved', monitor: 'db-proxy', durationMs: 25 * 60_000, reasons: [{ code: 'CONNECT_TIMEOUT', message: 'no TCP connection' }], ...over });

function elapsed<T>(p: Promise<T>): Promise<{ ms: number; result: Promise<T> }> {
  const t = Date.now();
  return p.then(
    () => ({ ms: Date.now() - t, result: p }),
    () => ({ ms: Date.now() - t, result: p }),
  );
}

const contentOf = (s: WecomStandIn) => {
  const last = s.received.at(-1);
  assert.ok(last, 'the stand-in received a request');
  return (last.json as { markdown: { content: string } }).markdown.content;
};

describe('wecom', () => {
  let robot: WecomStandIn;
  before(async () => {
    robot = await wecomStandIn(WECOM_KEY);
  });
  after(() => robot.close());

  const cfg = (over: Record<string, unknown> = {}) => v.parse(wecomChannel, { type: 'wecom', webhook: robot.webhook, timeoutMs: 2000, ...over });

  test('delivers one markdown message with colours, fields, the note first and mentions last', async () => {
    await robot.setMode('ok');
    const receipt = await wecom.send(cfg({ mentions: ['zhangsan', 'lisi'] }), [notice(), resolved()], opts({ note: 'ops-mail failed: EAUTH' }));
    assert.match(receipt.detail ?? '', /ok/);
    const last = robot.received.at(-1);
    assert.equal(last?.answer?.errcode, 0, `the stand-in accepted it: ${JSON.stringify(last?.answer)}`);
    assert.equal((last?.json as { msgtype: string }).msgtype, 'markdown');
    const content = contentOf(robot);
    assert.ok(content.startsWith('**[scf-monitor] 1 个告警，1 个已恢复**\n'), content);
    assert.ok(content.indexOf('ops-mail failed: EAUTH') < content.indexOf('api-health'), 'the note comes before the notices');
    assert.match(content, /<font color="warning">告警 api-health<\/font>/);
    assert.match(content, /<font color="info">已恢复 db-proxy<\/font>/);
    assert.match(content, /^> 目标: https:\/\/api\.example\.com\/health$/m);
    assert.match(content, /^> 原因: HTTP_STATUS: HTTP 502 from 10\.0\.0\.8:443$/m);
    assert.match(content, /^> 持续: 25 分钟$/m);
    assert.ok(content.trimEnd().endsWith('<@zhangsan> <@lisi>'), content);
    assert.ok(!/^\|/m.test(content), 'no markdown tables');
  });

  test('speaks English when the channel is en', async () => {
    await robot.setMode('ok');
    await wecom.send(cfg({ locale: 'en' }), [notice()], opts());
    const content = contentOf(robot);
    assert.match(content, /ALERT api-health/);
    assert.match(content, /^> Target: /m);
    assert.match(content, /^> Reason: HTTP_STATUS/m);
    assert.ok(!/[\u4e00-\u9fff]/.test(content), `no Chinese in an en message: ${content}`);
  });

  test('a batch of many notices stays within 4096 bytes and names the rest', async () => {
    await robot.setMode('ok');
    const many = Array.from({ length: 60 }, (_, i) =>
      notice({ monitor: `service-${i}`, reasons: [{ code: 'HTTP_STATUS', message: `上游返回 503，第 ${i} 号实例不可用` }] }),
    );
    await wecom.send(cfg({ mentions: ['oncall'], maxPerMessage: 200 }), many, opts());
    assert.equal(robot.received.at(-1)?.answer?.errcode, 0);
    const content = contentOf(robot);
    assert.ok(bytes(content) <= 4096, `${bytes(content)} bytes`);
    const shown = content.split('<font color="warning">').length - 1;
    assert.ok(shown > 0 && shown < 60, `some but not all notices shown: ${shown}`);
    assert.ok(content.includes(`另有 ${60 - shown} 条未列出`), content.slice(-400));
    assert.ok(content.includes(`service-${shown}`), 'the first left-out monitor is named');
    assert.ok(content.trimEnd().endsWith('<@oncall>'), 'mentions survive the cut');
  });

  test('maxPerMessage caps the notices shown', async () => {
    await robot.setMode('ok');
    const five = Array.from({ length: 5 }, (_, i) => notice({ monitor: `m${i}` }));
    await wecom.send(cfg({ maxPerMessage: 2 }), five, opts());
    const content = contentOf(robot);
    assert.equal(content.split('<font color="warning">').length - 1, 2);
    assert.ok(content.includes('另有 3 条未列出：m2, m3, m4'), content);
  });

  test('one huge notice is cut on a character boundary and says so', async () => {
    await robot.setMode('ok');
    const reason = '数据库连接池耗尽🔥，请求排队超时；'.repeat(600);
    await wecom.send(cfg({ mentions: ['oncall'] }), [notice({ reasons: [{ code: 'READ_TIMEOUT', message: reason }] })], opts());
    const last = robot.received.at(-1);
    assert.equal(last?.answer?.errcode, 0, JSON.stringify(last?.answer));
    const content = contentOf(robot);
    assert.ok(bytes(content) <= 4096 && bytes(content) > 3500, `${bytes(content)} bytes`);
    assert.ok(content.includes(WORDS['zh-CN'].truncated), 'says it was truncated');
    assert.ok(!content.includes('\uFFFD'), 'no replacement characters');
    assert.ok(!LONE_SURROGATE.test(content), 'no half of an emoji');
    assert.equal(Buffer.from(content, 'utf8').toString('utf8'), content, 'valid UTF-8');
    assert.ok(content.trimEnd().endsWith('<@oncall>'));
  });

  test('a user template replaces the generated block, with values made harmless', async () => {
    await robot.setMode('ok');
    const template = { alert: '**{{monitor}}** 挂了：{{reasons}}（{{incidentId}}）' };
    await wecom.send(cfg({ template }), [notice(), notice({ monitor: '<@all> evil\n# heading' })], opts());
    const content = contentOf(robot);
    assert.ok(content.includes('**api-health** 挂了：HTTP_STATUS: HTTP 502 from 10.0.0.8:443（inc-20260301-01）'), content);
    assert.ok(!content.includes('> 目标:'), 'the generated fields are replaced');
    assert.ok(!content.includes('<@all>'), 'a monitor name cannot mention everyone');
    assert.ok(!/^# heading/m.test(content), 'a monitor name cannot start a line');
  });

  test('the robot errcodes map to retry or permanent failures', async () => {
    const cases: [Parameters<WecomStandIn['setMode']>[0], string, string][] = [
      ['rateLimited', 'RATE_LIMITED', 'retry'],
      ['permanent', 'INVALID_WEBHOOK', 'permanent'],
      [{ errcode: -1, errmsg: 'system busy' }, 'BUSY', 'retry'],
      [{ errcode: 40058, errmsg: `invalid Request Parameter, key=${WECOM_KEY}` }, 'REJECTED', 'permanent'],
      [{ errcode: 44004, errmsg: 'empty content' }, 'REJECTED', 'permanent'],
    ];
    for (const [mode, code, kind] of cases) {
      await robot.setMode(mode);
      const err = await failure(wecom.send(cfg(), [notice()], opts()));
      assert.equal(err.code, code, JSON.stringify(mode));
      assert.equal(err.kind, kind, JSON.stringify(mode));
      assert.match(err.message, /wecom/);
      assert.ok(err.message.includes(`127.0.0.1:${robot.port}`), 'names the host');
      if (typeof mode === 'object') assert.ok(err.message.includes(String(mode.errcode)), err.message);
    }
    await robot.setMode('rateLimited');
    const limited = await failure(wecom.send(cfg(), [notice()], opts()));
    assert.ok(limited.retryAfterMs !== undefined && limited.retryAfterMs > 0 && limited.retryAfterMs <= 60_000, String(limited.retryAfterMs));
  });

  test('a wrong key gets WeCom 93000 and a permanent failure', async () => {
    await robot.setMode('ok');
    const wrong = 'wk-wrong-SECRET-key-0000';
    const err = await failure(wecom.send(cfg({ webhook: robot.url(`${WECOM_PATH}?key=${wrong}`) }), [notice()], opts()), [wrong]);
    assert.equal(robot.received.at(-1)?.answer?.errcode, 93000);
    assert.equal(err.code, 'INVALID_WEBHOOK');
    assert.equal(err.kind, 'permanent');
  });

  test('a wrong path is HTTP 404, permanent', async () => {
    await robot.setMode('ok');
    const err = await failure(wecom.send(cfg({ webhook: robot.url(`/cgi-bin/webhook/sned?key=${WECOM_KEY}`) }), [notice()], opts()));
    assert.equal(err.code, 'HTTP_404');
    assert.equal(err.kind, 'permanent');
  });

  test('refused, HTTP 500 and silence are told apart', async () => {
    await robot.setMode('refuse');
    const refused = await failure(wecom.send(cfg(), [notice()], opts()));
    assert.deepEqual([refused.code, refused.kind], ['CONNECT_REFUSED', 'retry']);

    await robot.setMode('http500');
    const http500 = await failure(wecom.send(cfg(), [notice()], opts()));
    assert.deepEqual([http500.code, http500.kind], ['HTTP_500', 'retry']);

    await robot.setMode('hang');
    const { ms, result } = await elapsed(wecom.send(cfg({ timeoutMs: 400 }), [notice()], opts()));
    const hung = await failure(result);
    assert.deepEqual([hung.code, hung.kind], ['TIMEOUT', 'unknown']);
    assert.ok(ms >= 350 && ms < 3000, `gave up after ${ms} ms`);

    await robot.setMode('ok');
    await wecom.send(cfg(), [notice()], opts());
  });

  test('the run deadline stops a send at once', async () => {
    await robot.setMode('hang');
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const { ms, result } = await elapsed(wecom.send(cfg({ timeoutMs: 10_000 }), [notice()], opts({ signal: stop.signal })));
    const err = await failure(result);
    assert.deepEqual([err.code, err.kind], ['ABORTED', 'unknown']);
    assert.ok(ms < 3000, `stopped after ${ms} ms`);
    await robot.setMode('ok');
  });
});

describe('dingtalk signature', () => {
  // Computed once with the OpenSSL 3.0 CLI, by hand:
  //   printf '%s\n%s' 1700000000001 "$SECRET" | openssl dgst -sha256 -hmac "$SECRET" -binary | openssl base64 -A
  // -> Wek4G+lgPn2g06FfhNSyVV6B33IJ0ygaqIjDICmqp8s=, then '+' and '=' percent-encoded.
  const KNOWN = {
    secret: 'SECf3a1c9e07b2d4c58a6e1f0b9d3c7a2e5',
    timestamp: 1700000000001,
    sign: 'Wek4G%2BlgPn2g06FfhNSyVV6B33IJ0ygaqIjDICmqp8s%3D',
  };

  test('matches a vector computed with the openssl CLI', () => {
    assert.equal(dingtalkSign(KNOWN.secret, KNOWN.timestamp), KNOWN.sign);
  });

  test('matches openssl on the exact message bytes for other secrets and times', () => {
    const opensslSign = (secret: string, timestamp: number) => {
      const mac = execFileSync('openssl', ['dgst', '-sha256', '-hmac', secret, '-binary'], { input: `${timestamp}\n${secret}` });
      const b64 = execFileSync('openssl', ['base64', '-A'], { input: mac }).toString('ascii').trim();
      return b64.replace(/\+/g, '%2B').replace(/\//g, '%2F').replace(/=/g, '%3D');
    };
    for (const [secret, timestamp] of [
      [DT_SECRET, 1772330400000],
      ['SEC0000', 1],
      ['SECffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', Date.now()],
    ] as const) {
      assert.equal(dingtalkSign(secret, timestamp), opensslSign(secret, timestamp), `${secret} @ ${timestamp}`);
    }
  });
});

describe('dingtalk', () => {
  let robot: DingtalkStandIn;
  let plain: DingtalkStandIn;
  before(async () => {
    robot = await dingtalkStandIn({ token: DT_TOKEN, secret: DT_SECRET });
    plain = await dingtalkStandIn({ token: DT_TOKEN, keywords: ['监控告警'] });
  });
  after(async () => {
    await robot.close();
    await plain.close();
  });

  const cfg = (over: Record<string, unknown> = {}) =>
    v.parse(dingtalkChannel, { type: 'dingtalk', webhook: robot.webhook, secret: DT_SECRET, timeoutMs: 2000, ...over });
  type Payload = { msgtype: string; markdown: { title: string; text: string }; at: { atMobiles: string[]; isAtAll: boolean } };
  const payloadOf = (s: DingtalkStandIn) => s.received.at(-1)?.json as Payload;

  test('a signed markdown message is accepted, @mobiles in the text', async () => {
    await robot.setMode('ok');
    const now = Date.now();
    const receipt = await dingtalk.send(cfg({ atMobiles: ['13800000000'] }), [notice(), resolved()], opts({ now: () => now, note: 'wecom failed' }));
    assert.match(receipt.detail ?? '', /ok/);
    const last = robot.received.at(-1);
    assert.equal(last?.answer?.errcode, 0, JSON.stringify(last?.answer));
    assert.equal(last?.query.get('timestamp'), String(now));
    assert.equal(last?.query.get('access_token'), DT_TOKEN);
    const p = payloadOf(robot);
    assert.equal(p.msgtype, 'markdown');
    assert.equal(p.markdown.title, '[scf-monitor] 1 个告警，1 个已恢复');
    assert.match(p.markdown.text, /^#### 告警 api-health$/m);
    assert.match(p.markdown.text, /^- 目标: https:\/\/api\.example\.com\/health$/m);
    assert.ok(p.markdown.text.indexOf('wecom failed') < p.markdown.text.indexOf('api-health'), 'the note comes first');
    assert.deepEqual(p.at, { atMobiles: ['13800000000'], isAtAll: false });
    assert.ok(p.markdown.text.includes('@13800000000'), 'DingTalk only notifies an @mobile named in the text');
  });

  test('a wrong secret is refused by the security check: permanent', async () => {
    await robot.setMode('ok');
    const wrong = 'SECwrong-SECRET-0000';
    const err = await failure(dingtalk.send(cfg({ secret: wrong }), [notice()], opts()), [wrong]);
    assert.deepEqual(robot.received.at(-1)?.answer, { errcode: 310000, errmsg: 'sign not match' });
    assert.deepEqual([err.code, err.kind], ['REJECTED', 'permanent']);
    assert.match(err.message, /310000/);
  });

  test('the signature uses the clock it is given', async () => {
    await robot.setMode('ok');
    const err = await failure(dingtalk.send(cfg(), [notice()], opts({ now: () => Date.now() - 2 * 3600_000 })));
    assert.equal(robot.received.at(-1)?.answer?.errcode, 310000);
    assert.equal(err.kind, 'permanent');
  });

  test('a missing keyword is added to the title and text; one already there is left alone', async () => {
    const base = { webhook: plain.webhook, secret: undefined };
    const refused = await failure(dingtalk.send(cfg(base), [notice()], opts()));
    assert.deepEqual(plain.received.at(-1)?.answer, { errcode: 310000, errmsg: 'keywords not in content' });
    assert.equal(refused.kind, 'permanent');

    await dingtalk.send(cfg({ ...base, keywords: ['监控告警'] }), [notice()], opts());
    assert.equal(plain.received.at(-1)?.answer?.errcode, 0);
    const p = payloadOf(plain);
    assert.ok(p.markdown.title.startsWith('监控告警 '), p.markdown.title);
    assert.ok(p.markdown.text.startsWith('### 监控告警 [scf-monitor]'), p.markdown.text);

    await dingtalk.send(cfg({ ...base, keywords: ['nothing-matches', '监控告警'] }), [notice({ monitor: '监控告警-gateway' })], opts());
    assert.equal(plain.received.at(-1)?.answer?.errcode, 0);
    assert.ok(payloadOf(plain).markdown.text.startsWith('### [scf-monitor]'), 'no keyword prepended when one is present');
  });

  test('a large batch keeps the body within 20000 bytes, JSON escapes included', async () => {
    await robot.setMode('ok');
    const many = Array.from({ length: 150 }, (_, i) =>
      notice({ monitor: `svc-${i}`, reasons: [{ code: 'BODY_MISMATCH', message: `"quoted" \\path\\ 响应体不匹配 ${'"\\'.repeat(40)}` }] }),
    );
    await dingtalk.send(cfg({ maxPerMessage: 200 }), many, opts());
    const last = robot.received.at(-1);
    assert.equal(last?.answer?.errcode, 0, JSON.stringify(last?.answer));
    assert.ok(bytes(last?.raw ?? '') <= 20000, `${bytes(last?.raw ?? '')} bytes`);
    assert.ok(bytes(last?.raw ?? '') > 15000, 'the room is used');
    assert.match(payloadOf(robot).markdown.text, /另有 \d+ 条未列出/);
  });

  test('rate limit, wrong token and network failures', async () => {
    await robot.setMode('rateLimited');
    const limited = await failure(dingtalk.send(cfg(), [notice()], opts()));
    assert.deepEqual([limited.code, limited.kind], ['RATE_LIMITED', 'retry']);
    assert.ok((limited.retryAfterMs ?? 0) > 0);

    await robot.setMode('ok');
    const wrong = 'dt-wrong-SECRET-token';
    const bad = await failure(dingtalk.send(cfg({ webhook: robot.url(`/robot/send?access_token=${wrong}`) }), [notice()], opts()), [wrong]);
    assert.deepEqual(robot.received.at(-1)?.answer, { errcode: 300001, errmsg: 'token is not exist' });
    assert.deepEqual([bad.code, bad.kind], ['INVALID_WEBHOOK', 'permanent']);

    await robot.setMode('refuse');
    const refused = await failure(dingtalk.send(cfg(), [notice()], opts()));
    assert.deepEqual([refused.code, refused.kind], ['CONNECT_REFUSED', 'retry']);

    await robot.setMode('hang');
    const hung = await failure(dingtalk.send(cfg({ timeoutMs: 300 }), [notice()], opts()));
    assert.deepEqual([hung.code, hung.kind], ['TIMEOUT', 'unknown']);

    await robot.setMode('http500');
    const http500 = await failure(dingtalk.send(cfg(), [notice()], opts()));
    assert.deepEqual([http500.code, http500.kind], ['HTTP_500', 'retry']);
    await robot.setMode('ok');
  });
});

describe('email', () => {
  let certs: TestCerts;
  let implicit: SmtpStandIn; // TLS from the first byte, like 465
  let starttls: SmtpStandIn; // STARTTLS before AUTH, like 587
  before(async () => {
    certs = makeCerts();
    const common = { key: certs.server.key, cert: certs.server.cert, user: SMTP_USER, pass: SMTP_PASS };
    implicit = await smtpStandIn({ tls: 'implicit', ...common });
    starttls = await smtpStandIn({ tls: 'starttls', ...common });
  });
  after(async () => {
    await implicit.close();
    await starttls.close();
    certs.cleanup();
  });

  // The test CA is trusted through `ca`; TLS verification stays on (the last test shows that
  // without the CA the server is refused).
  const cfg = (server: SmtpStandIn, over: Record<string, unknown> = {}) =>
    v.parse(emailChannel, {
      type: 'email',
      host: '127.0.0.1',
      port: server.port,
      user: SMTP_USER,
      pass: SMTP_PASS,
      from: '监控 <monitor@example.com>',
      to: ['a@example.com', 'b@example.com'],
      subject: '[值班]',
      ca: certs.ca,
      timeoutMs: 3000,
      ...over,
    });

  test('implicit TLS with AUTH: headers, both parts, several recipients', async () => {
    await implicit.setMode('ok');
    const receipt = await email.send(cfg(implicit, { secure: true }), [notice()], opts());
    assert.equal(receipt.partial, undefined);
    const got = implicit.received.at(-1);
    assert.ok(got, 'the server took a message');
    assert.equal(got.user, SMTP_USER);
    assert.equal(got.secure, true);
    assert.deepEqual(got.to, ['a@example.com', 'b@example.com']);
    assert.equal(got.from, 'monitor@example.com');
    assert.equal(got.mail.subject, '[值班] [scf-monitor] 告警 api-health');
    assert.deepEqual(got.mail.from?.value.map((a) => [a.name, a.address]), [['监控', 'monitor@example.com']]);
    const to = [got.mail.to ?? []].flat().flatMap((t) => t.value.map((a) => a.address));
    assert.deepEqual(to, ['a@example.com', 'b@example.com']);
    for (const part of [got.mail.text ?? '', String(got.mail.html)]) {
      assert.ok(part.includes('api-health'), 'names the monitor');
      assert.ok(part.includes('HTTP_STATUS: HTTP 502 from 10.0.0.8:443'), 'gives the reason');
    }
    assert.match(String(got.mail.html), /<table/);
  });

  test('STARTTLS is used when the port is not 465', async () => {
    await starttls.setMode('ok');
    await email.send(cfg(starttls, { locale: 'en' }), [notice(), resolved()], opts());
    const got = starttls.received.at(-1);
    assert.ok(got);
    assert.equal(got.secure, true, 'upgraded before the message');
    assert.equal(got.user, SMTP_USER);
    assert.equal(got.mail.subject, '[值班] [scf-monitor] 1 alert, 1 resolved');
    assert.ok(got.mail.text?.includes('RESOLVED db-proxy'));
  });

  test('a hostile monitor name is escaped in the HTML part', async () => {
    await implicit.setMode('ok');
    const evil = '<script>alert("x")</script>';
    await email.send(cfg(implicit, { secure: true }), [notice({ monitor: evil, target: 'https://x/?a=1&b=<b>' })], opts());
    const html = String(implicit.received.at(-1)?.mail.html);
    assert.ok(!html.includes('<script>'), 'no live script tag');
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'), html);
    assert.ok(html.includes('https://x/?a=1&amp;b=&lt;b&gt;'));
    assert.ok(implicit.received.at(-1)?.mail.text?.includes(evil), 'plain text keeps it as written');
  });

  test('a wrong password is a permanent EAUTH naming the user and server', async () => {
    await implicit.setMode('ok');
    const wrong = 'wrong-SECRET-pass';
    const err = await failure(email.send(cfg(implicit, { secure: true, pass: wrong }), [notice()], opts()), [wrong]);
    assert.deepEqual([err.code, err.kind], ['EAUTH', 'permanent']);
    assert.ok(err.message.includes(`as ${SMTP_USER}`), err.message);
    assert.ok(err.message.includes(`127.0.0.1:${implicit.port}`), err.message);
    assert.match(err.message, /535/);

    await implicit.setMode('leakyAuth');
    const echoed = await failure(email.send(cfg(implicit, { secure: true, pass: wrong }), [notice()], opts()), [wrong]);
    assert.equal(echoed.code, 'EAUTH');
    assert.match(echoed.message, /535 Bad password \*\*\* for ops@example\.com/, 'the reply is kept, the password blanked');
    await implicit.setMode('ok');
  });

  test('refused, never greeting, and silent after DATA', async () => {
    await implicit.setMode('refuse');
    const refused = await failure(email.send(cfg(implicit, { secure: true }), [notice()], opts()));
    assert.deepEqual([refused.code, refused.kind], ['CONNECT_REFUSED', 'retry']);

    await starttls.setMode('hang');
    const { ms, result } = await elapsed(email.send(cfg(starttls, { timeoutMs: 500 }), [notice()], opts()));
    const silent = await failure(result);
    assert.deepEqual([silent.code, silent.kind], ['TIMEOUT', 'retry']);
    assert.ok(ms >= 450 && ms < 3000, `gave up after ${ms} ms`);

    await implicit.setMode('hangAfterData');
    const lost = await failure(email.send(cfg(implicit, { secure: true, timeoutMs: 800 }), [notice()], opts()));
    assert.deepEqual([lost.code, lost.kind], ['TIMEOUT', 'unknown']);

    await implicit.setMode('ok');
    await starttls.setMode('ok');
  });

  test('SMTP replies: 4xx retries, 5xx does not; some recipients refused is a partial success', async () => {
    await implicit.setMode('tempfail');
    const temp = await failure(email.send(cfg(implicit, { secure: true }), [notice()], opts()));
    assert.deepEqual([temp.code, temp.kind], ['SMTP_451', 'retry']);

    await implicit.setMode('rateLimited');
    const limited = await failure(email.send(cfg(implicit, { secure: true }), [notice()], opts()));
    assert.deepEqual([limited.code, limited.kind], ['SMTP_450', 'retry']);

    await implicit.setMode('permanent');
    const spam = await failure(email.send(cfg(implicit, { secure: true }), [notice()], opts()));
    assert.deepEqual([spam.code, spam.kind], ['SMTP_554', 'permanent']);

    await implicit.setMode('ok');
    implicit.rejectRecipients.add('b@example.com');
    const receipt = await email.send(cfg(implicit, { secure: true }), [notice()], opts());
    assert.deepEqual(receipt.partial, ['b@example.com']);
    assert.deepEqual(implicit.received.at(-1)?.to, ['a@example.com']);

    implicit.rejectRecipients.add('a@example.com');
    const none = await failure(email.send(cfg(implicit, { secure: true }), [notice()], opts()));
    assert.deepEqual([none.code, none.kind], ['SMTP_550', 'permanent']);
    implicit.rejectRecipients.clear();
  });

  test('certificates are verified: without the CA the server is refused, unless insecure is set', async () => {
    await implicit.setMode('ok');
    const before = implicit.received.length;
    const err = await failure(email.send(cfg(implicit, { secure: true, ca: undefined }), [notice()], opts()));
    assert.deepEqual([err.code, err.kind], ['TLS_ERROR', 'permanent']);
    const viaStarttls = await failure(email.send(cfg(starttls, { ca: undefined }), [notice()], opts()));
    assert.equal(viaStarttls.code, 'TLS_ERROR');
    assert.equal(implicit.received.length, before, 'nothing was sent over an unverified connection');
    await email.send(cfg(implicit, { secure: true, ca: undefined, insecure: true }), [notice()], opts());
    assert.equal(implicit.received.length, before + 1, 'insecure: true opts out');
  });
});

describe('loadChannel', () => {
  test('loads the requested channel only; nodemailer waits for the first e-mail', () => {
    const script = `
      const { loadChannel } = require('./lib/channels/load');
      const loaded = () => Object.keys(require.cache).some((k) => k.includes('node_modules/nodemailer/'));
      (async () => {
        const w = await loadChannel('wecom');
        const d = await loadChannel('dingtalk');
        const before = loaded();
        const e = await loadChannel('email');
        console.log(JSON.stringify([w.type, d.type, e.type, before, loaded()]));
      })();`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: resolve(__dirname, '..'), encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out.trim().split('\n').at(-1) ?? ''), ['wecom', 'dingtalk', 'email', false, false]);
  });
});
