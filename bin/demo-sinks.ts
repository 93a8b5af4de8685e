/**
 * Local alert sinks for `npm run demo`: a WeCom-robot-style endpoint and a real SMTP server
 * (smtp-server), both on 127.0.0.1, that keep what they receive so the demo can show it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Sinks {
  wecomUrl: string;
  smtpPort: number;
  smtpUser: string;
  smtpPass: string;
  /** Everything received since the last call, as printable text. */
  take(): { wecom: string[]; mail: { subject: string; to: string; text: string }[] };
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

  return {
    wecomUrl: `http://127.0.0.1:${(robot.address() as AddressInfo).port}/cgi-bin/webhook/send?key=${key}`,
    smtpPort,
    smtpUser,
    smtpPass,
    take() {
      const out = { wecom, mail };
      wecom = [];
      mail = [];
      return out;
    },
    close: async () => {
      await new Promise((r) => robot.close(r));
      await new Promise<void>((r) => smtp.close(() => r()));
    },
  };
}
