/**
 * The far ends of the alert-dispatch run, in their own process (forked with tsx by
 * bench/alerting.ts) so that their work (parsing each message, mailparser, TLS on the server
 * side) never runs on the event loop being timed: the test stand-ins for WeCom, DingTalk
 * (加签 secret + keyword) and an SMTP server (STARTTLS, then AUTH; certificate from a test CA),
 * each behind a delay proxy that makes it answer later by a fixed amount.
 * Tells the parent over IPC where everything is; answers {counts} with what each received.
 * Usage (forked): alert-peers.ts <wecom delay ms> <dingtalk delay ms> <smtp delay ms>
 */
import { makeCerts } from '../test/support/certs';
import { dingtalkStandIn } from '../test/support/dingtalk';
import { smtpStandIn } from '../test/support/smtp';
import { wecomStandIn } from '../test/support/wecom';
import { delayProxy } from './delay-proxy';

export interface PeersReady {
  wecom: { port: number; key: string };
  dingtalk: { port: number; token: string; secret: string; keyword: string };
  smtp: { port: number; user: string; pass: string; ca: string };
}

export interface PeerCounts {
  wecom: number;
  dingtalk: number;
  smtp: number;
  /** Messages a stand-in answered with anything but success. */
  refused: number;
}

async function main() {
  const [wecomDelay, dingDelay, smtpDelay] = process.argv.slice(2).map(Number) as [number, number, number];
  const certs = makeCerts();
  const key = 'bench-wecom-key';
  const token = 'bench-dingtalk-token';
  const secret = 'SECbench-dingtalk-secret';
  const keyword = '监控';
  const user = 'monitor@example.com';
  const pass = 'bench-smtp-pass';

  const wecom = await wecomStandIn(key);
  const dingtalk = await dingtalkStandIn({ token, secret, keywords: [keyword] });
  const smtp = await smtpStandIn({ tls: 'starttls', key: certs.server.key, cert: certs.server.cert, user, pass });
  const proxies = [
    await delayProxy(wecom.port, wecomDelay),
    await delayProxy(dingtalk.port, dingDelay),
    await delayProxy(smtp.port, smtpDelay),
  ] as const;

  const ready: PeersReady = {
    wecom: { port: proxies[0].port, key },
    dingtalk: { port: proxies[1].port, token, secret, keyword },
    smtp: { port: proxies[2].port, user, pass, ca: certs.ca },
  };
  process.send!({ ready });

  process.on('message', (m: { counts?: true }) => {
    if (!m.counts) return;
    const refused = [...wecom.received, ...dingtalk.received].filter((r) => r.answer?.errcode !== 0).length;
    const counts: PeerCounts = { wecom: wecom.received.length, dingtalk: dingtalk.received.length, smtp: smtp.received.length, refused };
    process.send!({ counts });
  });
  process.on('disconnect', () => {
    void Promise.all([...proxies.map((p) => p.close()), wecom.close(), dingtalk.close(), smtp.close()]).finally(() => {
      certs.cleanup();
      process.exit(0);
    });
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`alert-peers: ${(err as Error).stack}\n`);
  process.exit(1);
});
