/**
 * The scf-regions provider: the `probe` function's handler against loopback HTTP servers, the
 * provider against the Tencent Cloud stand-in answering SCF Invoke (test/support/tc-scf.ts), and
 * whole speedTest runs. The stand-in's functions run the real probe handler against loopback
 * URLs, so a region's answer is a real measurement.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProbeEvent, runProbe, type ProbeAnswer } from '../lib/monitors/speedtest/probe-handler';
import { probeTimeoutMs, scfRegionsProvider } from '../lib/monitors/speedtest/scf-regions';
import { measureNodes } from '../lib/monitors/speedtest/measure';
import { ProviderError } from '../lib/monitors/speedtest/provider';
import { runFunction } from '../lib/functions';
import { setLogSink } from '../lib/report/log';
import type { ResultRecord } from '../lib/report/record';
import type { ScfEvent } from '../lib/runtime/scf';
import { main_handler as probeMain } from '../functions/probe';
import { closedPort, httpServer, type Running } from '../dev/standins/servers';
import { startTencentCloud, type TencentCloudStandIn } from '../dev/standins/tencent-cloud';
import { scfFunctionsIn, scfStandIn, type ScfFunctionBehaviour, type ScfStandIn } from '../dev/standins/tc-scf';

const ACCOUNT = { secretId: 'AKIDspeedtest0000000000000000000000', secretKey: 'speedtest-secret-key-never-logged-1234' };
const never = new AbortController().signal;

let web: Running;
let hang: Running;
let refusedPort: number;
before(async () => {
  web = await httpServer((req, res) => {
    if (req.url === '/moved') return res.writeHead(302, { location: '/' }).end();
    if (req.url === '/broken') return res.writeHead(503, { 'content-type': 'text/html' }).end('<title>Down</title>');
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'.padEnd(5000, 'x'));
  });
  hang = await httpServer(() => {});
  refusedPort = await closedPort();
});
after(async () => {
  await web.close();
  await hang.close();
});

describe('the probe function', () => {
  test('one measurement: status, address, every phase, body size, the region', async () => {
    const a = await probeMain({ url: web.url('/'), timeoutMs: 5000 }, { time_limit_in_ms: 10_000, tencentcloud_region: 'ap-guangzhou' });
    assert.equal(a.ok, true, JSON.stringify(a.error));
    assert.equal(a.statusCode, 200);
    assert.equal(a.remoteAddress, '127.0.0.1');
    assert.equal(a.bodyBytes, 5000);
    assert.equal(a.region, 'ap-guangzhou');
    assert.deepEqual(Object.keys(a.timings), ['dnsMs', 'connectMs', 'tlsMs', 'ttfbMs', 'downloadMs', 'totalMs']);
    assert.ok(a.timings.totalMs > 0);
    assert.equal(a.error, undefined);
    // Plain JSON: what Invoke hands back as RetMsg.
    assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
  });

  test('redirects are followed; an error status, a refused port and a silent server are failures of the site', async () => {
    const moved = await runProbe({ url: web.url('/moved'), timeoutMs: 5000 });
    assert.deepEqual([moved.ok, moved.statusCode, moved.redirects], [true, 200, 1]);
    const broken = await runProbe({ url: web.url('/broken'), timeoutMs: 5000 });
    assert.deepEqual([broken.ok, broken.statusCode, broken.error?.code], [false, 503, 'HTTP_STATUS']);
    assert.match(broken.error!.message, /answered 503 from 127\.0\.0\.1/);
    const refused = await runProbe({ url: `http://127.0.0.1:${refusedPort}/`, timeoutMs: 5000 });
    assert.equal(refused.error?.code, 'CONNECT_REFUSED');
    const started = Date.now();
    const silent = await runProbe({ url: hang.url('/'), timeoutMs: 300 });
    assert.equal(silent.error?.code, 'READ_TIMEOUT');
    assert.ok(Date.now() - started < 3000, 'bounded by timeoutMs');
  });

  test("the function's own time limit caps timeoutMs", async () => {
    const started = Date.now();
    const a = await runProbe({ url: hang.url('/'), timeoutMs: 60_000 }, { time_limit_in_ms: 900 });
    assert.equal(a.error?.code, 'READ_TIMEOUT');
    assert.match(a.error!.message, /within 400 ms/);
    assert.ok(Date.now() - started < 3000);
  });

  test('a bad event gets a clear answer, not a stack trace', async () => {
    const cases: [unknown, RegExp][] = [
      [null, /the event must be an object such as \{"url"/],
      [[], /the event must be an object/],
      [{}, /url must be an http:\/\/ or https:\/\/ URL/],
      [{ url: 'ftp://example.com/' }, /url must be an http/],
      [{ url: 'not a url' }, /url must be an http/],
      [{ url: web.url('/'), timeoutMs: 'soon' }, /timeoutMs must be a whole number from 100 to 120000/],
      [{ url: web.url('/'), timeoutMs: 10 }, /timeoutMs must be a whole number/],
      [{ url: web.url('/'), method: 'DELETE' }, /method must be GET or HEAD/],
      [{ url: web.url('/'), insecure: 'yes' }, /insecure must be true or false/],
      [{ url: web.url('/'), headers: { 'x-a': 'b\r\nInjected: 1' } }, /header "x-a" must be a token with a one-line string value/],
      [{ url: web.url('/'), maxBodyBytes: 1e12 }, /maxBodyBytes must be a whole number/],
    ];
    for (const [event, message] of cases) {
      const a = await runProbe(event, { tencentcloud_region: 'ap-shanghai' });
      assert.equal(a.ok, false);
      assert.equal(a.error?.code, 'PROVIDER_ERROR', JSON.stringify(event));
      assert.match(a.error!.message, /^bad probe event: /);
      assert.match(a.error!.message, message, JSON.stringify(event));
      assert.equal(a.region, 'ap-shanghai');
    }
    const two = parseProbeEvent({ method: 'PUT' });
    assert.deepEqual(two, { problems: ['url must be an http:// or https:// URL', 'method must be GET or HEAD'] });
  });
});

/** A function that measures `url` for real with the probe handler, whatever URL it is asked for. */
const measures = (url: string): ScfFunctionBehaviour => ({
  result: (event, ctx) => runProbe({ ...(event as object), url }, { tencentcloud_region: ctx.region, time_limit_in_ms: 10_000 }),
});
const answers = (a: Partial<ProbeAnswer>): ScfFunctionBehaviour => ({
  result: { ok: false, timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 0, downloadMs: 0, totalMs: 0 }, bodyBytes: 0, ...a },
});

describe('scf-regions against the Tencent Cloud stand-in', () => {
  let cloud: TencentCloudStandIn;
  let scf: ScfStandIn;
  before(async () => {
    scf = scfStandIn();
    cloud = await startTencentCloud({ accounts: [ACCOUNT], services: [scf.service] });
  });
  after(() => cloud.close());
  beforeEach(() => {
    cloud.requests.length = 0;
    scf.invocations.length = 0;
  });

  const api = () => ({ ...ACCOUNT, endpoint: cloud.endpoint('scf'), proxy: cloud.proxyUrl, apiTimeoutMs: 5000 });
  function provider(regions: string[], nodeTimeoutMs = 3000) {
    return scfRegionsProvider({ api: api(), regions, functionName: 'probe', namespace: 'default', url: 'https://www.example.com/', nodeTimeoutMs });
  }
  async function measureAll(regions: string[], nodeTimeoutMs = 3000) {
    const p = provider(regions, nodeTimeoutMs);
    const nodes = await p.listNodes(never);
    return measureNodes(p, nodes, { concurrency: 10, nodeTimeoutMs, signal: never });
  }

  test("each region's probe is invoked there, synchronously, with the site and a timeout below nodeTimeoutMs", async () => {
    for (const region of ['ap-guangzhou', 'ap-shanghai']) scf.setFunction(region, 'probe', measures(web.url('/')));
    const rs = await measureAll(['ap-guangzhou', 'ap-shanghai'], 3000);
    assert.deepEqual(
      rs.map((r) => [r.node, r.province, r.city, r.ip, r.httpStatus, r.error]),
      [
        ['ap-guangzhou', 'ap-guangzhou', '广州', '127.0.0.1', 200, undefined],
        ['ap-shanghai', 'ap-shanghai', '上海', '127.0.0.1', 200, undefined],
      ],
    );
    assert.ok(rs[0]!.totalMs! > 0);
    assert.ok(rs[0]!.downloadKBps === undefined || rs[0]!.downloadKBps > 0);
    const calls = cloud.requests.filter((r) => r.action === 'Invoke');
    assert.deepEqual(calls.map((r) => r.region).sort(), ['ap-guangzhou', 'ap-shanghai']);
    for (const c of calls) {
      assert.equal(c.errorCode, undefined);
      assert.equal(c.host, 'scf.tencentcloudapi.com');
      assert.equal(c.version, '2018-04-16');
      assert.equal(c.params!.FunctionName, 'probe');
      assert.equal(c.params!.InvocationType, 'RequestResponse');
      assert.equal(c.params!.Namespace, 'default');
    }
    assert.deepEqual(scf.invocations[0]!.event, { url: 'https://www.example.com/', method: 'GET', timeoutMs: probeTimeoutMs(3000) });
    assert.equal(probeTimeoutMs(3000), 2400);
  });

  test('what the probe saw of the site speaks for the target; a bad answer does not', async () => {
    scf.setFunction('ap-beijing', 'probe', answers({ error: { code: 'CONNECT_TIMEOUT', message: 'no TCP connection to 93.184.216.34:443 within 4000 ms' } }));
    scf.setFunction('ap-chengdu', 'probe', answers({ ok: false, statusCode: 502, remoteAddress: '93.184.216.34', error: { code: 'HTTP_STATUS', message: 'answered 502' } }));
    scf.setFunction('ap-hongkong', 'probe', { result: 'hello from scf' });
    scf.setFunction('ap-singapore', 'probe', answers({ error: { code: 'PROVIDER_ERROR', message: 'bad probe event: url must be an http:// or https:// URL' } }));
    const rs = await measureAll(['ap-beijing', 'ap-chengdu', 'ap-hongkong', 'ap-singapore']);
    assert.deepEqual(rs[0]!.error, { code: 'CONNECT_TIMEOUT', message: 'ap-beijing: no TCP connection to 93.184.216.34:443 within 4000 ms' });
    assert.deepEqual([rs[1]!.error?.code, rs[1]!.httpStatus, rs[1]!.ip], ['HTTP_STATUS', 502, '93.184.216.34']);
    assert.deepEqual(rs[2]!.error, {
      code: 'PROVIDER_ERROR',
      message: 'ap-hongkong: the function probe in namespace default of ap-hongkong answered something other than a probe result: "hello from scf"',
    });
    assert.equal(rs[3]!.error?.code, 'PROVIDER_ERROR');
  });

  test('a function error, a function timeout, a missing function and a slow region are the provider failing, with the reason', async () => {
    scf.setFunction('ap-guangzhou', 'probe', { error: 'Cannot find module probe.js' });
    scf.setFunction('ap-shanghai', 'probe', { timedOut: true });
    scf.removeFunction('ap-beijing', 'probe');
    scf.setFunction('ap-chengdu', 'probe', { delayMs: 2500, result: {} });
    const started = Date.now();
    const rs = await measureAll(['ap-guangzhou', 'ap-shanghai', 'ap-beijing', 'ap-chengdu'], 800);
    assert.ok(Date.now() - started < 2400, 'the slow region is not waited for');
    assert.deepEqual(
      rs.map((r) => r.error?.code),
      ['PROVIDER_ERROR', 'PROVIDER_ERROR', 'PROVIDER_ERROR', 'PROVIDER_ERROR'],
    );
    assert.equal(rs[0]!.error!.message, 'ap-guangzhou: the function probe in namespace default of ap-guangzhou failed: Cannot find module probe.js');
    assert.match(rs[1]!.error!.message, /^ap-shanghai: the function probe .* timed out \(Invoking task timed out after 3 seconds\): give it a timeout above 300 ms$/);
    assert.equal(
      rs[2]!.error!.message,
      'ap-beijing: no function probe in namespace default of ap-beijing: deploy the probe there or drop the region (ResourceNotFound.FunctionName)',
    );
    assert.match(rs[3]!.error!.message, /^ap-chengdu: (no report from the node within 800 ms|the function probe .* did not answer within 800 ms)/);
  });

  test('a region the API refuses (rate limit) is retried once within the deadline', async () => {
    scf.setFunction('ap-guangzhou', 'probe', measures(web.url('/')));
    cloud.failNext('Invoke', 'RequestLimitExceeded', 'Your current request times equals to `100` in a second', 1);
    const rs = await measureAll(['ap-guangzhou'], 5000);
    assert.equal(rs[0]!.error, undefined);
    assert.equal(cloud.requests.filter((r) => r.action === 'Invoke').length, 2);
  });

  test('no credentials: the node list cannot be made', async () => {
    const saved = { id: process.env.TENCENTCLOUD_SECRETID, key: process.env.TENCENTCLOUD_SECRETKEY };
    delete process.env.TENCENTCLOUD_SECRETID;
    delete process.env.TENCENTCLOUD_SECRETKEY;
    try {
      const p = scfRegionsProvider({ api: { apiTimeoutMs: 5000 }, regions: ['ap-guangzhou'], functionName: 'probe', namespace: 'default', url: 'https://x.example/', nodeTimeoutMs: 1000 });
      await assert.rejects(p.listNodes(never), (err: ProviderError) => err instanceof ProviderError && /cannot call SCF in ap-guangzhou: no Tencent Cloud credentials/.test(err.message));
    } finally {
      if (saved.id !== undefined) process.env.TENCENTCLOUD_SECRETID = saved.id;
      if (saved.key !== undefined) process.env.TENCENTCLOUD_SECRETKEY = saved.key;
    }
  });
});

describe('speedTest runs with the scf-regions provider', () => {
  const REGIONS = ['ap-guangzhou', 'ap-shanghai', 'ap-beijing'];
  let dir: string;
  let cloud: TencentCloudStandIn;
  let scf: ScfStandIn;
  let configs = 0;
  let lines: string[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scf-monitor-speedtest-scf-'));
    scf = scfStandIn({ functions: scfFunctionsIn(REGIONS, measures(web.url('/'))) });
    cloud = await startTencentCloud({ accounts: [ACCOUNT], services: [scf.service] });
  });
  after(async () => {
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const r of REGIONS) scf.setFunction(r, 'probe', measures(web.url('/')));
    lines = [];
    setLogSink((text) => lines.push(...text.split(/(?<=\n)/)));
  });
  afterEach(() => setLogSink((line) => process.stdout.write(line)));

  async function run(monitor: Record<string, unknown> = {}): Promise<ResultRecord> {
    const configPath = join(dir, `monitors-${++configs}.json`);
    const m = {
      name: 'site-regions',
      type: 'speedtest',
      provider: 'scf-regions',
      url: 'https://www.example.com/',
      regions: REGIONS,
      nodeTimeoutMs: 4000,
      ...ACCOUNT,
      endpoint: cloud.endpoint('scf'),
      proxy: cloud.proxyUrl,
      ...monitor,
    };
    writeFileSync(configPath, JSON.stringify({ monitors: [m] }));
    const event = { Type: 'Timer', TriggerName: 'test', Time: new Date().toISOString(), Message: '' } as ScfEvent;
    const summary = await runFunction('speedTest', event, { time_limit_in_ms: 20_000 }, { configPath });
    const record = summary.results[0]!;
    const text = JSON.stringify(summary) + lines.join('');
    assert.ok(!text.includes(ACCOUNT.secretKey), 'the SecretKey never reaches a record or a log line');
    return record;
  }

  test('healthy from every region', async () => {
    const r = await run();
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(r.target, 'https://www.example.com/');
    assert.equal(r.speed!.provider, 'scf-regions');
    assert.equal(r.speed!.url, 'https://www.example.com/');
    assert.deepEqual(r.speed!.nodes.map((n) => n.node), REGIONS);
    assert.deepEqual(r.speed!.aggregates.byIsp, {});
    assert.deepEqual(Object.keys(r.speed!.aggregates.byProvince), REGIONS);
    assert.deepEqual(r.table!.columns, ['region', 'city', 'IP', 'total ms', 'result']);
    assert.deepEqual(r.stats.samples, 3);
    assert.deepEqual(r.hostList, ['127.0.0.1']);
  });

  test('down from most regions: LOW_SUCCESS_RATE counted in regions', async () => {
    scf.setFunction('ap-shanghai', 'probe', measures(`http://127.0.0.1:${refusedPort}/`));
    scf.setFunction('ap-beijing', 'probe', measures(web.url('/broken')));
    const r = await run();
    assert.equal(r.ok, false);
    assert.deepEqual(r.reasons.map((x) => x.code), ['LOW_SUCCESS_RATE', 'CONNECT_REFUSED', 'HTTP_STATUS']);
    assert.equal(r.reasons[0]!.message, '2 of 3 nodes failed in 2 regions (allowed: at most 50% of nodes)');
    assert.match(r.reasons[1]!.message, /^1 of 3 nodes: ap-shanghai: connection refused by 127\.0\.0\.1:\d+$/);
  });

  test('the probe missing everywhere: PROVIDER_ERROR naming the fix, not "down"', async () => {
    for (const region of REGIONS) scf.removeFunction(region, 'probe');
    const r = await run();
    assert.deepEqual(r.reasons.map((x) => x.code), ['PROVIDER_ERROR']);
    assert.match(r.reasons[0]!.message, /^none of the 3 nodes could run the check, so nothing is known about the target: 3 of 3 nodes: ap-guangzhou: no function probe in namespace default of ap-guangzhou: deploy the probe there/);
  });

  test('one region failing to run the probe leaves the verdict to the others', async () => {
    scf.setFunction('ap-beijing', 'probe', { error: 'out of memory' });
    const r = await run({ expect: { maxFailedNodes: 0 } });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(r.stats.samples, 2);
    assert.equal(r.speed!.aggregates.overall.providerErrors, 1);
    assert.deepEqual(r.table!.rows.at(-1), ['ap-beijing', '北京', '-', '-', 'PROVIDER_ERROR']);
  });
});
