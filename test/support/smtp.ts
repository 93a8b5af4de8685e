/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that only takes mail from one user over TLS:
 * either TLS from the first byte (like port 465) or STARTTLS before AUTH (like 587). Every
 * message is parsed with mailparser. Fault modes act where a real server would fail.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export type SmtpMode =
  | 'ok'
  /** Nothing listens on the port. */
  | 'refuse'
  /** Accepts TCP (and the TLS handshake on implicit TLS) but never greets. */
  | 'hang'
  /** 451 after the message body: try again later. */
  | 'tempfail'
  /** 450 at MAIL FROM: the sender is over its rate. */
  | 'rateLimited'
  /** 554 after the message body: refused for good. */
  | 'permanent'
  /** Takes the message body and never answers it. */
  | 'hangAfterData'
  /** A careless server: its AUTH failure reply repeats the password it was given. */
  | 'leakyAuth';

export interface SmtpReceived {
  user: string | undefined;
  secure: boolean;
  from: string;
  to: string[];
  raw: Buffer;
  mail: ParsedMail;
}

export interface SmtpStandIn {
  port: number;
  user: string;
  pass: string;
  received: SmtpReceived[];
  /** Addresses refused at RCPT TO with 550. */
  rejectRecipients: Set<string>;
  setMode: (mode: SmtpMode) => Promise<void>;
  close: () => Promise<void>;
}

export interface SmtpOptions {
  tls: 'implicit' | 'starttls';
  key: string;
  cert: string;
  user: string;
  pass: string;
}

const smtpError = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

export async function smtpStandIn(o: SmtpOptions): Promise<SmtpStandIn> {
  let mode: SmtpMode = 'ok';
  let server: SMTPServer | undefined;
  let port = 0;
  const received: SmtpReceived[] = [];
  const rejectRecipients = new Set<string>();

  const make = () =>
    new SMTPServer({
      secure: o.tls === 'implicit',
      key: o.key,
      cert: o.cert,
      authMethods: ['PLAIN', 'LOGIN'],
      // AUTH only after TLS, and no mail without AUTH.
      allowInsecureAuth: false,
      authOptional: false,
      // A reverse lookup of 127.0.0.1 would ask the system resolver: not on loopback.
      disableReverseLookup: true,
      logger: false,
      closeTimeout: 50,
      onConnect: (_session, callback) => {
        if (mode !== 'hang') callback();
      },
      onAuth: (auth, _session, callback) => {
        if (auth.username === o.user && auth.password === o.pass) return callback(null, { user: auth.username });
        if (mode === 'leakyAuth') return callback(smtpError(535, `Bad password ${auth.password ?? ''} for ${auth.username ?? ''}`));
        callback(smtpError(535, 'Authentication credentials invalid'));
      },
      onMailFrom: (_address, session, callback) => {
        if (!session.secure) return callback(smtpError(530, 'Must issue a STARTTLS command first'));
        if (mode === 'rateLimited') return callback(smtpError(450, 'Rate limit exceeded, try again later'));
        callback();
      },
      onRcptTo: (address, _session, callback) => {
        if (rejectRecipients.has(address.address)) return callback(smtpError(550, `No such user here: ${address.address}`));
        callback();
      },
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          if (mode === 'hangAfterData') return;
          if (mode === 'tempfail') return callback(smtpError(451, 'Temporary local problem, try again later'));
          if (mode === 'permanent') return callback(smtpError(554, 'Message rejected as spam'));
          simpleParser(raw).then(
            (mail) => {
              received.push({
                user: session.user as string | undefined,
                secure: session.secure,
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
                raw,
                mail,
              });
              callback();
            },
            (err: Error) => callback(smtpError(554, `Unparseable message: ${err.message}`)),
          );
        });
      },
    });

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = make();
      s.on('error', () => {}); // clients that give up mid-session are part of the tests
      s.server.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        port = (s.server.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) return resolve();
      s.close(() => resolve());
    });

  await listen();
  return {
    port,
    user: o.user,
    pass: o.pass,
    received,
    rejectRecipients,
    setMode: async (m) => {
      mode = m;
      if (m === 'refuse') await stop();
      else if (!server) await listen();
    },
    close: stop,
  };
}
