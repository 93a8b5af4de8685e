/** The tcp monitor and its prober, against loopback servers only. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runTcp } from '../lib/monitors/tcp/run';
import { probeTcp } from '../lib/probes/tcp';
import { validateFullConfig } from '../lib/functions';
import type { TcpMonitor } from '../lib/monitors/tcp/schema';
import { closedPort, tcpServer } from '../dev/standins/servers';
import { dnsServer, type DnsStandIn } from './support/dns-server';

function tcpMonitor(fields: Record<string, unknown>): TcpMonitor {
  const { config, problems } = validateFullConfig({ monitors: [{ name: 'db', type: 'tcp', ...fields }] });
  assert.deepEqual(problems, []);
  const m = config!.monitors[0]!;
  assert.equal(m.type, 'tcp');
  return m as TcpMonitor;
}

const ctx = () => ({ functionName: 'statusCheck', signal: new AbortController().signal });

describe('tcp monitor: open port', () => {
  let server: Awaited<ReturnType<typeof tcpServer>>;
  let accepted = 0;
  before(async () => {
    server = await tcpServer((s) => {
      accepted++;
      s.end();
    });
  });
  after(() => server.close());

  test('3 samples against 127.0.0.1 -> ok, successRate 1, connect times and remote address', async () => {
    accepted = 0;
    const m = tcpMonitor({ host: '127.0.0.1', port: server.port, samples: 3, intervalMs: 0, connectTimeoutMs: 2000 });
    const r = await runTcp(m, ctx());
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.deepEqual(r.reasons, []);
    assert.equal(r.function, 'statusCheck');
    assert.equal(r.monitor, 'db');
    assert.equal(r.type, 'tcp');
    assert.equal(r.target, `127.0.0.1:${server.port}`);
    assert.equal(r.stats.samples, 3);
    assert.equal(r.stats.successes, 3);
    assert.equal(r.stats.successRate, 1);
    assert.equal(typeof r.stats.meanMs, 'number');
    assert.equal(typeof r.stats.stdMs, 'number');
    assert.equal(typeof r.stats.p95Ms, 'number');
    assert.deepEqual(r.hostList, ['127.0.0.1']);
    assert.equal(r.samples.length, 3);
    for (const s of r.samples) {
      assert.equal(s.ok, true);
      assert.equal(s.remoteAddress, '127.0.0.1');
      assert.equal(s.attempts, 1);
      assert.equal(s.error, undefined);
      assert.equal(typeof s.timings.connectMs, 'number');
      assert.ok(s.timings.connectMs! >= 0);
      assert.ok(s.timings.totalMs! >= s.timings.connectMs!);
      // An IP address is not resolved.
      assert.equal(s.timings.dnsMs, 0);
    }
    assert.equal(new Date(r.timestamp).toISOString(), r.timestamp);
    // Each sample really connected (and the prober closed its socket).
    await waitFor(() => accepted === 3);
  });

  test("'localhost' as host resolves and connects", async () => {
    const m = tcpMonitor({ host: 'localhost', port: server.port, samples: 2, intervalMs: 0, connectTimeoutMs: 2000 });
    const r = await runTcp(m, ctx());
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(r.target, `localhost:${server.port}`);
    assert.deepEqual(r.hostList, ['127.0.0.1']);
    for (const s of r.samples) {
      assert.equal(s.remoteAddress, '127.0.0.1');
      assert.ok(s.timings.dnsMs! >= 0);
    }
    // The raw probe measures the lookup it made (an IP address makes none).
    const o = await probeTcp({ host: 'localhost', port: server.port, connectTimeoutMs: 2000, attempts: 1 }, new AbortController().signal);
    assert.equal(o.error, undefined);
    assert.ok(o.timings.dnsMs > 0, `dnsMs ${o.timings.dnsMs}`);
    assert.ok(o.timings.totalMs >= o.timings.dnsMs + o.timings.connectMs - 0.001);
  });

  test('samples are intervalMs apart', async () => {
    const m = tcpMonitor({ host: '127.0.0.1', port: server.port, samples: 3, intervalMs: 100, connectTimeoutMs: 2000 });
    const r = await runTcp(m, ctx());
    assert.equal(r.ok, true);
    // The third sample starts 2 intervals after the first (generous: timers may round).
    assert.ok(r.durationMs >= 190, `durationMs ${r.durationMs}`);
  });
});

describe('tcp monitor: closed port', () => {
  test('-> CONNECT_REFUSED after 3 attempts per sample, naming 127.0.0.1:port', async () => {
    const port = await closedPort();
    const m = tcpMonitor({ host: '127.0.0.1', port, samples: 2, intervalMs: 0, connectTimeoutMs: 2000, attempts: 3 });
    const r = await runTcp(m, ctx());
    assert.equal(r.ok, false);
    assert.equal(r.stats.samples, 2);
    assert.equal(r.stats.successes, 0);
    assert.equal(r.stats.successRate, 0);
    assert.equal(r.stats.meanMs, undefined);
    assert.deepEqual(r.hostList, []);
    assert.deepEqual(
      r.reasons.map((x) => x.code),
      ['CONNECT_REFUSED'],
    );
    assert.match(r.reasons[0]!.message, /^2 of 2 samples: /);
    assert.ok(r.reasons[0]!.message.includes(`127.0.0.1:${port}`), r.reasons[0]!.message);
    for (const s of r.samples) {
      assert.equal(s.ok, false);
      assert.equal(s.attempts, 3);
      assert.equal(s.error?.code, 'CONNECT_REFUSED');
      assert.ok(s.error!.message.includes(`127.0.0.1:${port}`), s.error!.message);
      assert.match(s.error!.message, /3 attempts/);
    }
  });

  test('attempts: 1 makes one attempt', async () => {
    const port = await closedPort();
    const o = await probeTcp({ host: '127.0.0.1', port, connectTimeoutMs: 2000, attempts: 1 }, new AbortController().signal);
    assert.equal(o.attempts, 1);
    assert.equal(o.error?.code, 'CONNECT_REFUSED');
    assert.equal(o.error?.message, `connection refused by 127.0.0.1:${port}`);
  });
});

describe('tcp prober: deadline', () => {
  test('an aborted signal -> DEADLINE without connecting', async () => {
    let accepted = 0;
    const server = await tcpServer(() => accepted++);
    try {
      const controller = new AbortController();
      controller.abort();
      const o = await probeTcp({ host: '127.0.0.1', port: server.port, connectTimeoutMs: 2000, attempts: 3 }, controller.signal);
      assert.equal(o.error?.code, 'DEADLINE');
      assert.equal(o.attempts, 1);
      const m = tcpMonitor({ host: '127.0.0.1', port: server.port, samples: 3, intervalMs: 0 });
      const r = await runTcp(m, { functionName: 'statusCheck', signal: controller.signal });
      assert.equal(r.ok, false);
      assert.equal(r.stats.samples, 0);
      assert.equal(r.reasons[0]?.code, 'DEADLINE');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(accepted, 0);
    } finally {
      await server.close();
    }
  });
});

describe('tcp monitor: dnsServers', () => {
  let server: Awaited<ReturnType<typeof tcpServer>>;
  let ns: DnsStandIn;
  before(async () => {
    server = await tcpServer((s) => s.end());
    ns = await dnsServer({
      'db.test.internal A': { answers: ['127.0.0.1'] },
      'gone.test.internal A': { rcode: 'NXDOMAIN' },
    });
  });
  after(async () => {
    await server.close();
    await ns.close();
  });

  test('the host is resolved through the listed server, not the system resolver', async () => {
    const before = ns.queries.length;
    const m = tcpMonitor({ host: 'db.test.internal', port: server.port, samples: 2, intervalMs: 0, dnsServers: [ns.address] });
    const r = await runTcp(m, ctx());
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.deepEqual(r.hostList, ['127.0.0.1']);
    assert.ok(ns.queries.slice(before).some((q) => q.name.replace(/\.$/, '') === 'db.test.internal'), 'the stand-in was asked');
  });

  test("a name the server does not know is DNS_ERROR naming that server's answer", async () => {
    const m = tcpMonitor({ host: 'gone.test.internal', port: server.port, samples: 1, attempts: 1, dnsServers: [ns.address] });
    const r = await runTcp(m, ctx());
    assert.equal(r.ok, false);
    assert.equal(r.reasons[0]?.code, 'DNS_ERROR');
    assert.match(r.reasons[0]!.message, /NXDOMAIN/);
  });

  test('dnsServers must be IP addresses', () => {
    const { problems } = validateFullConfig({ monitors: [{ name: 'db', type: 'tcp', host: 'h', port: 1, dnsServers: ['ns1.example.com'] }] });
    assert.equal(problems.length, 1);
    assert.deepEqual(problems[0]!.path, ['monitors', 0, 'dnsServers', 0]);
  });
});

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) assert.fail('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
