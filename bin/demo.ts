/**
 * `npm run demo`: no credentials, no internet. Starts the seed's failure cases as local
 * targets on 127.0.0.1 and two alert sinks (a WeCom-style robot endpoint and an SMTP
 * server), runs statusCheck through the real handler three times, and shows what arrived:
 * one grouped alert per channel, nothing while the outage goes on, then "resolved". Then
 * speedTest, kafkaLag, and jobs and a host reporting to ingest for heartbeatCheck.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HTTP_FUNCTIONS, runFunction } from '../lib/functions';
import { closeProcessStores } from '../lib/runtime/process-store';
import { serveHttp } from '../lib/runtime/serve';
import { localContext, timerEvent } from '../lib/runtime/scf';
import { setLogSink } from '../lib/report/log';
import { renderTable } from '../lib/runtime/table';
import type { Summary } from '../lib/runtime/summary';
import { DEMO_SMS, startSinks, type Sinks } from './demo-sinks';
import { ckafkaService } from '../dev/standins/tc-ckafka';
import { chinazNodes, startChinaz } from '../dev/standins/chinaz';

/** A demo token: the ingest server below runs on 127.0.0.1 for the length of the demo. */
const DEMO_INGEST_TOKEN = 'demo-ingest-token';

const KAFKA = { instance: 'ckafka-demo0001', region: 'ap-guangzhou', group: 'orders-consumer' };

const SHOP = '<!doctype html><html><head><title>Demo Shop</title></head><body>welcome</body></html>';
const WAF = '<html><head><title>403 Forbidden</title></head><body>Request blocked by the web application firewall. Event ID: 7f3a</body></html>';

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer(handler);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const portOf = (s: Server) => (s.address() as AddressInfo).port;

export async function runDemo(): Promise<number> {
  let flakyCount = 0;
  let backendDown = true;
  const servers = {
    healthy: await listen((_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end(SHOP)),
    slow: await listen((_q, r) => setTimeout(() => r.writeHead(200).end(SHOP), 600)),
    badGateway: await listen((_q, r) =>
      backendDown ? r.writeHead(502, { 'content-type': 'text/html' }).end('<h1>502 Bad Gateway</h1>') : r.writeHead(200).end(SHOP),
    ),
    waf: await listen((_q, r) => r.writeHead(403, { 'content-type': 'text/html' }).end(WAF)),
    flaky: await listen((_q, r) => (flakyCount++ % 2 ? r.writeHead(503).end('busy') : r.writeHead(200).end(SHOP))),
  };
  // A port that was just free: nothing listens there, so connections are refused.
  const closed = await listen(() => {});
  const closedPort = portOf(closed);
  await new Promise((r) => closed.close(r));

  const sinks = await startSinks();
  // A CKafka instance whose consumer keeps up at first, then stops committing.
  const kafka = ckafkaService();
  sinks.cloud.addService(kafka.service);
  kafka.addInstance(KAFKA.instance, KAFKA.region);
  kafka.addTopic(KAFKA.instance, 'orders', 3, 10_000);
  kafka.addTopic(KAFKA.instance, 'audit', 2, 4000);
  kafka.addGroup(KAFKA.instance, KAFKA.group, { state: 'Stable', members: 2, offsets: { orders: [9800, 9750, 9900], audit: [4000, 4000] } });
  // A chinaz-style speed-test site with 20 probe nodes across provinces and ISPs; one of them
  // has a bad day (the quorum ignores it).
  const nodes = chinazNodes(20);
  const chinaz = await startChinaz({ nodes, defaults: { result: { alltime: '180', dnstime: '12', conntime: '40', downtime: '90' } } });
  chinaz.setNode(nodes[3]!.guid, { result: { alltime: '9800', downtime: '9600' } });
  const url = (s: Server, path = '/') => `http://127.0.0.1:${portOf(s)}${path}`;
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-demo-'));
  const configPath = join(dir, 'monitors.yaml');
  writeFileSync(
    configPath,
    `# written by scf-monitor demo; every target and sink is on 127.0.0.1
state: { type: file, path: "${join(dir, 'state')}" }
channels:
  demo-wecom: { type: wecom, webhook: "${sinks.wecomUrl}", mentions: [oncall] }
  # The demo SMTP server uses smtp-server's built-in self-signed certificate; never set
  # insecure for a real server (give its CA as ca: instead).
  demo-mail: { type: email, host: 127.0.0.1, port: ${sinks.smtpPort}, user: "${sinks.smtpUser}", pass: "${sinks.smtpPass}",
               from: "scf-monitor <${sinks.smtpUser}>", to: [ops@demo.local], insecure: true, locale: en }
  # Tencent Cloud SMS: no key here; the function's execution role provides TENCENTCLOUD_* (the
  # demo sets them). endpoint and proxy point at the local Tencent Cloud stand-in.
  demo-sms: { type: sms, sdkAppId: "${DEMO_SMS.sdkAppId}", signName: "${DEMO_SMS.signName}", templateId: "${DEMO_SMS.templateId}",
              phones: ["+8613800000000", "+8613900000000"], paramMaxLength: 6,
              endpoint: "${sinks.cloud.endpoint('sms')}", proxy: "${sinks.cloud.proxyUrl}" }
alerts: { channels: [demo-wecom, demo-mail], remindEveryMinutes: 60 }
# ingest (deployed behind a function URL; here \`scf-monitor serve\`'s server) checks this token.
ingest: { token: "${DEMO_INGEST_TOKEN}" }
monitors:
  - { name: shop-home, type: http, url: "${url(servers.healthy)}", samples: 5, intervalMs: 200, expect: { bodyContains: "<title>Demo Shop</title>" } }
  - { name: slow-api, type: http, url: "${url(servers.slow, '/api')}", samples: 5, intervalMs: 200, expect: { maxMeanMs: 500 } }
  - { name: backend-502, type: http, url: "${url(servers.badGateway)}", samples: 5, intervalMs: 200,
      alert: { channels: [demo-wecom, demo-mail, demo-sms] } }
  - { name: waf-blocked, type: http, url: "${url(servers.waf, '/login')}", samples: 5, intervalMs: 200, expect: { bodyContains: "<title>Demo Shop</title>" } }
  - { name: port-closed, type: http, url: "http://127.0.0.1:${closedPort}/", samples: 5, intervalMs: 200 }
  - { name: flaky-cart, type: http, url: "${url(servers.flaky, '/cart')}", samples: 6, intervalMs: 200, expect: { minSuccessRate: 0.7 } }
  - { name: shop-tcp, type: tcp, host: 127.0.0.1, port: ${portOf(servers.healthy)}, samples: 5, intervalMs: 200 }
  # speedTest: slow only when most nodes, in at least 2 provinces, take over 3 s.
  - { name: shop-speed, type: speedtest, provider: chinaz, providerUrl: "${chinaz.url}", host: shop.demo.local,
      expect: { maxTotalMs: 3000, maxFailedRatio: 0.3 } }
  # kafkaLag (every minute when deployed): lag over 5,000, or offsets not moving for 3 runs.
  - { name: orders-lag, type: ckafka, region: ${KAFKA.region}, instanceId: ${KAFKA.instance}, groups: [${KAFKA.group}],
      window: 3, expect: { maxLag: 5000 }, endpoint: "${sinks.cloud.endpoint('ckafka')}", proxy: "${sinks.cloud.proxyUrl}",
      alert: { channels: [demo-wecom, demo-sms] } }
  # heartbeatCheck (every minute when deployed): jobs that ping, a host that reports.
  - { name: nightly-backup, type: heartbeat, period: 10m, grace: 1m }
  - { name: sync-job, type: heartbeat, period: 5m, grace: 1m }
  - { name: web-01, type: host, interval: 30s, tolerance: 60s, expect: { maxCpu: 87, over: 2 } }
`,
  );

  process.stdout.write(
    `Started ${Object.keys(servers).length} local targets, a closed port, a WeCom-style robot, an SMTP server and a Tencent Cloud SMS stand-in on 127.0.0.1.\n`,
  );
  setLogSink(() => {}); // the table is the demo's output; `invoke` shows the JSON lines
  // heartbeatCheck judges elapsed time: the demo moves a clock through minutes in seconds.
  let clock = Date.now();
  const ingest = await serveHttp(HTTP_FUNCTIONS.ingest({ configPath, now: () => clock }), { port: 0 });
  const run = async (title: string, fn: 'statusCheck' | 'speedTest' | 'kafkaLag' | 'heartbeatCheck' = 'statusCheck') => {
    process.stdout.write(`\n=== ${title}\n\n`);
    const summary = await runFunction(fn, timerEvent('', 'demo'), localContext(fn, 60_000), { configPath, ...(fn === 'heartbeatCheck' ? { now: () => clock } : {}) });
    process.stdout.write(renderTable(summary, process.stdout.columns || 160));
    showArrivals(sinks, summary);
  };
  try {
    await run(`Run 1: statusCheck with ${configPath}`);
    await run('Run 2, five minutes later: still failing, so nothing is sent again (a reminder comes after 60 minutes)');
    backendDown = false;
    await run('Run 3: the 502 backend is fixed');

    await run('speedTest run 1: 20 probe nodes, one of them slow: no alert', 'speedTest');
    chinaz.setDefaults({ result: { alltime: '4200', dnstime: '15', conntime: '60', downtime: '4000' } });
    await run('speedTest run 2: the site is slow from most provinces', 'speedTest');

    // kafkaLag: five runs a second apart here (deployed: a minute apart), the group moving
    // between them; rates and "for N s" in its messages come from those real gaps.
    const pause = () => new Promise((r) => setTimeout(r, 1000));
    await run(`kafkaLag run 1: group ${KAFKA.group} keeps up (warming up: 1 of 3 observations)`, 'kafkaLag');
    kafka.produce(KAFKA.instance, 'orders', 1500);
    kafka.consume(KAFKA.instance, KAFKA.group, 'orders', 1500);
    await pause();
    await run('kafkaLag run 2: 1,500 more messages, consumed', 'kafkaLag');
    kafka.produce(KAFKA.instance, 'orders', 1000);
    await pause();
    await run('kafkaLag run 3: the consumer stops committing while 1,000 more arrive', 'kafkaLag');
    kafka.produce(KAFKA.instance, 'orders', 2000);
    await pause();
    await run('kafkaLag run 4: still stuck for 3 observations, and lag passes 5,000', 'kafkaLag');
    kafka.consume(KAFKA.instance, KAFKA.group, 'orders', 100_000);
    await pause();
    await run('kafkaLag run 5: the consumer is restarted and catches up', 'kafkaLag');

    const send = async (path: string, report?: object) => {
      const res = await fetch(`${ingest.url}${path}`, {
        method: report ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${DEMO_INGEST_TOKEN}`, ...(report ? { 'content-type': 'application/json' } : {}) },
        ...(report ? { body: JSON.stringify(report) } : {}),
      });
      process.stdout.write(`  ${report ? 'POST' : 'GET '} ${path} -> ${res.status} ${await res.text()}\n`);
    };
    const host = (cpu: number) => ({ cpu, memory: 41.3, disk: 9.4, network_recv: 383_482_123 + clock, network_sent: 37_618_359 });
    process.stdout.write(`\n=== ingest on ${ingest.url} (deployed: the function URL): two jobs ping, a host reports\n\n`);
    await send('/ping/nightly-backup');
    await send('/ping/sync-job');
    await send('/report/web-01', host(35));
    clock += 30_000;
    await send('/report/web-01', host(40));
    await run('heartbeatCheck run 1: both jobs pinged in time, the host is fine', 'heartbeatCheck');
    process.stdout.write('\n=== 8 minutes later: the backup pings again, sync-job has stopped, web-01 runs hot\n\n');
    clock += 8 * 60_000;
    await send('/ping/nightly-backup');
    await send('/report/web-01', host(93.5));
    clock += 30_000;
    await send('/report/web-01', host(96.2));
    await run('heartbeatCheck run 2: sync-job is past its 5 min period + 1 min grace; web-01 over 87% cpu in 2 reports', 'heartbeatCheck');
    process.stdout.write(
      `\nEach row is one JSON record in the function's log (see them with: npx scf-monitor invoke statusCheck --json).\n` +
        `Incident state and undelivered alerts live in ${join(dir, 'state')} (deployed: Redis).\n` +
        `A real run exits 1 when a monitor fails; the demo exits 0 because failing targets are its point.\n`,
    );
    return 0;
  } finally {
    await Promise.all(Object.values(servers).map((s) => new Promise((r) => s.close(r))));
    await sinks.close();
    await chinaz.close();
    await new Promise((r) => ingest.server.close(r));
    await closeProcessStores();
    rmSync(dir, { recursive: true, force: true });
  }
}

function showArrivals(sinks: Sinks, summary: Summary): void {
  const got = sinks.take();
  if (!got.wecom.length && !got.mail.length && !got.sms.length) {
    process.stdout.write(`\nNothing arrived at the sinks (${summary.alerts.length} alerts this run).\n`);
    return;
  }
  const indent = (text: string) => text.split('\n').map((l) => `    ${l}`).join('\n');
  for (const m of got.wecom) process.stdout.write(`\nThe WeCom robot received (markdown):\n${indent(m)}\n`);
  for (const m of got.mail) process.stdout.write(`\nThe SMTP server received, to ${m.to}:\n    Subject: ${m.subject}\n${indent(m.text.trim())}\n`);
  if (got.sms.length) {
    const phones = got.sms.map((m) => m.phone).join(', ');
    process.stdout.write(`\nTencent Cloud SMS (SendSms, signature checked) sent to ${phones}:\n    ${got.sms[0]!.text}   (template "${DEMO_SMS.template}", variables ${JSON.stringify(got.sms[0]!.params)})\n`);
  }
}
