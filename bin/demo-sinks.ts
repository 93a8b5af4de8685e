/**
 * Local alert sinks for `npm run demo`: a WeCom-robot-style endpoint, a real SMTP server
 * (smtp-server) and the strict Tencent Cloud stand-in from the tests (SendSms; the demo adds
 * CKafka and SCF to it), all on 127.0.0.1, keeping what they receive so the demo can show it.
 * The demo plays an SCF execution role: TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN are set
 * for its run, so its config holds no key at all.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { startTencentCloud, type TencentCloudStandIn } from '../dev/standins/tencent-cloud';
import { smsService, type SentSms } from '../dev/standins/tc-sms';

/** The demo's temporary role credentials (what SCF would put in the environment). */
const ROLE = { secretId: 'AKIDdemoRole0000000000000000000000', secretKey: 'demoRoleSecretKey0000000000000000', token: 'demo-session-token' };
export const DEMO_SMS = { sdkAppId: '1400000000', signName: '运维监控', templateId: '100000', template: '监控{1}{2}，时间{3}' };

export interface Sinks {
  wecomUrl: string;
  smtpPort: number;
  smtpUser: string;
  smtpPass: string;
  /** Give clients `endpoint: cloud.endpoint('sms')` and `proxy: cloud.proxyUrl`. */
  cloud: TencentCloudStandIn;
  /** Everything received since the last call, as printable text. */
  take(): { wecom: string[]; mail: { subject: string; to: string; text: string }[]; sms: SentSms[] };
  close(): Promise<void>;
}

export async function startSinks(): Promise<Sinks> {
  const key = 'demo-robot-key';
  const smtpUser = 'monitor@demo.local';
  const smtpPass = 'demo-password';
  let wecom: string[] = [];
  let mail: { subject: string; to: string; text: string }[] = [];

  const robot: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const answer = (errcode: number, errmsg: string) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errcode, errmsg }));
      if (new URL(req.url ?? '/', 'http://x').searchParams.get('key') !== key) return answer(93000, 'invalid webhook url');
      try {
        const msg = JSON.parse(body) as { msgtype?: string; markdown?: { content?: string } };
        if (msg.msgtype !== 'markdown' || !msg.markdown?.content) return answer(40008, 'invalid message type');
        wecom.push(msg.markdown.content);
        answer(0, 'ok');
      } catch {
        answer(40035, 'invalid json');
      }
    });
  });
  await new Promise<void>((r) => robot.listen(0, '127.0.0.1', r));

  // smtp-server's built-in certificate is self-signed: the demo channel says `insecure: true`.
  const smtp = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth: (auth, _s, cb) => (auth.username === smtpUser && auth.password === smtpPass ? cb(null, { user: smtpUser }) : cb(new Error('535 authentication failed'))),
    onData: (stream, session, cb) => {
      simpleParser(stream).then(
        (m) => {
          mail.push({ subject: m.subject ?? '', to: session.envelope.rcptTo.map((r) => r.address).join(', '), text: m.text ?? '' });
          cb();
        },
        (err: Error) => cb(err),
      );
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const smsApi = smsService({
    appIds: [DEMO_SMS.sdkAppId],
    signNames: [DEMO_SMS.signName],
    templates: [{ id: DEMO_SMS.templateId, text: DEMO_SMS.template }],
    paramMaxLength: 6,
  });
  const cloud = await startTencentCloud({ accounts: [ROLE], services: [smsApi.service] });
  const savedEnv = { TENCENTCLOUD_SECRETID: process.env.TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY: process.env.TENCENTCLOUD_SECRETKEY, TENCENTCLOUD_SESSIONTOKEN: process.env.TENCENTCLOUD_SESSIONTOKEN };
  Object.assign(process.env, { TENCENTCLOUD_SECRETID: ROLE.secretId, TENCENTCLOUD_SECRETKEY: ROLE.secretKey, TENCENTCLOUD_SESSIONTOKEN: ROLE.token });
  let smsSeen = 0;

  return {
    wecomUrl: `http://127.0.0.1:${(robot.address() as AddressInfo).port}/cgi-bin/webhook/send?key=${key}`,
    smtpPort,
    smtpUser,
    smtpPass,
    cloud,
    take() {
      const out = { wecom, mail, sms: smsApi.sent.slice(smsSeen) };
      smsSeen = smsApi.sent.length;
      wecom = [];
      mail = [];
      return out;
    },
    close: async () => {
      await new Promise((r) => robot.close(r));
      await new Promise<void>((r) => smtp.close(() => r()));
      await cloud.close();
      for (const [k, v] of Object.entries(savedEnv)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}
