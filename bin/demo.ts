/**
 * `npm run demo`: no credentials, no internet. Starts the seed's failure cases as local
 * targets on 127.0.0.1, runs statusCheck through the real handler, prints the table.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFunction } from '../lib/runtime/handler';
import { localContext, timerEvent } from '../lib/runtime/scf';
import { setLogSink } from '../lib/report/log';
import { renderTable } from '../lib/report/table';

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
  const servers = {
    healthy: await listen((_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end(SHOP)),
    slow: await listen((_q, r) => setTimeout(() => r.writeHead(200).end(SHOP), 600)),
    badGateway: await listen((_q, r) => r.writeHead(502, { 'content-type': 'text/html' }).end('<h1>502 Bad Gateway</h1>')),
    waf: await listen((_q, r) => r.writeHead(403, { 'content-type': 'text/html' }).end(WAF)),
    flaky: await listen((_q, r) => (flakyCount++ % 2 ? r.writeHead(503).end('busy') : r.writeHead(200).end(SHOP))),
  };
  // A port that was just free: nothing listens there, so connections are refused.
  const closed = await listen(() => {});
  const closedPort = portOf(closed);
  await new Promise((r) => closed.close(r));

  const url = (s: Server, path = '/') => `http://127.0.0.1:${portOf(s)}${path}`;
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-demo-'));
  const configPath = join(dir, 'monitors.yaml');
  writeFileSync(
    configPath,
    `# written by scf-monitor demo; every target is on 127.0.0.1
monitors:
  - { name: shop-home, type: http, url: "${url(servers.healthy)}", samples: 5, intervalMs: 200, expect: { bodyContains: "<title>Demo Shop</title>" } }
  - { name: slow-api, type: http, url: "${url(servers.slow, '/api')}", samples: 5, intervalMs: 200, expect: { maxMeanMs: 500 } }
  - { name: backend-502, type: http, url: "${url(servers.badGateway)}", samples: 5, intervalMs: 200 }
  - { name: waf-blocked, type: http, url: "${url(servers.waf, '/login')}", samples: 5, intervalMs: 200, expect: { bodyContains: "<title>Demo Shop</title>" } }
  - { name: port-closed, type: http, url: "http://127.0.0.1:${closedPort}/", samples: 5, intervalMs: 200 }
  - { name: flaky-cart, type: http, url: "${url(servers.flaky, '/cart')}", samples: 6, intervalMs: 200, expect: { minSuccessRate: 0.7 } }
  - { name: shop-tcp, type: tcp, host: 127.0.0.1, port: ${portOf(servers.healthy)}, samples: 5, intervalMs: 200 }
`,
  );

  process.stdout.write(`Started ${Object.keys(servers).length} local targets and a closed port on 127.0.0.1.\n`);
  process.stdout.write(`Running statusCheck through its real handler with ${configPath} ...\n\n`);
  setLogSink(() => {}); // the table is the demo's output; `invoke` shows the JSON lines
  try {
    const summary = await runFunction('statusCheck', timerEvent('', 'demo'), localContext('statusCheck', 60_000), {
      configPath,
    });
    process.stdout.write(renderTable(summary, process.stdout.columns || 160));
    process.stdout.write(
      `\nEach row is one JSON record in the function's log (see them with: npx scf-monitor invoke statusCheck --json).\n` +
        `A real run exits 1 when a monitor fails; the demo exits 0 because failing targets are its point.\n`,
    );
    return 0;
  } finally {
    await Promise.all(Object.values(servers).map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  }
}
