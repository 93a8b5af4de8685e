/**
 * The chinaz provider against the loopback stand-in (test/support/chinaz.ts), then whole
 * speedTest runs through runFunction with a JSON config. The site under test is only a host
 * name handed to the provider: nothing resolves or contacts it.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chinazProvider, REPLY_MAX_BYTES } from '../lib/monitors/speedtest/chinaz';
import { measureNodes } from '../lib/monitors/speedtest/measure';
import { ProviderError } from '../lib/monitors/speedtest/provider';
import type { NodeResult } from '../lib/monitors/speedtest/types';
import { runFunction } from '../lib/functions';
import { setLogSink } from '../lib/report/log';
import type { ResultRecord } from '../lib/report/record';
import type { ScfEvent } from '../lib/runtime/scf';
import { closedPort } from '../dev/standins/servers';
import { chinazNodes, startChinaz, type ChinazStandIn } from '../dev/standins/chinaz';

const HOST = 'www.example.com';
const never = new AbortController().signal;

function provider(s: ChinazStandIn, nodeTimeoutMs = 2000) {
  return chinazProvider({ baseUrl: s.url, host: HOST, nodeTimeoutMs, concurrency: 8, retryDelayMs: 5 });
}

/** Lists and measures every node, as the runner does. */
async function measureAll(s: ChinazStandIn, nodeTimeoutMs = 2000): Promise<NodeResult[]> {
  const p = provider(s, nodeTimeoutMs);
  try {
    const nodes = await p.listNodes(never);
    return await measureNodes(p, nodes, { concurrency: 8, nodeTimeoutMs, signal: never });
  } finally {
    p.close?.();
  }
}

describe('chinaz flow against the stand-in', () => {
  test('the page once, then one POST per node with the form, token, Referer, X-Requested-With and the session cookie', async () => {
    const s = await startChinaz({ nodes: chinazNodes(5), requireCookie: true });
    try {
      const rs = await measureAll(s);
      assert.deepEqual(s.pageRequests, [HOST]);
      assert.equal(s.checks.length, 5);
      for (const c of s.checks) {
        assert.equal(c.refused, undefined, `refused: ${c.refused}`);
        assert.deepEqual(Object.keys(c.form).sort(), ['checktype', 'encode', 'guid', 'host', 'ishost']);
        assert.equal(c.form.host, HOST);
        assert.equal(c.form.ishost, '1');
        assert.equal(c.form.checktype, '1');
        assert.equal(c.form.encode, s.token);
        assert.equal(c.headers['x-requested-with'], 'XMLHttpRequest');
        assert.equal(c.headers.referer, `${s.url}/speedtest/${HOST}`);
        assert.match(c.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded/);
      }
      assert.deepEqual(
        s.checks.map((c) => c.guid),
        chinazNodes(5).map((n) => n.guid),
      );
      assert.deepEqual(rs[0], {
        node: '江苏宿迁[电信]',
        id: chinazNodes(1)[0]!.guid,
        province: '江苏',
        city: '宿迁',
        isp: '电信',
        ip: '119.28.190.46',
        httpStatus: 200,
        totalMs: 212,
        dnsMs: 18,
        connectMs: 116,
        downloadMs: 78,
        downloadKBps: 4.72,
      });
      assert.deepEqual(
        rs.map((r) => `${r.province}/${r.city}/${r.isp}`),
        ['江苏/宿迁/电信', '广东/佛山/联通', '浙江/嘉兴/移动', '北京/北京/多线', '上海/上海/电信'],
      );
    } finally {
      await s.close();
    }
  });

  test("callback wrappers, bare objects, '<1' and '-' times", async () => {
    const nodes = chinazNodes(3);
    nodes[0]!.behaviour = { wrap: 'callback', result: { alltime: '<1', dnstime: '<1' } };
    nodes[1]!.behaviour = { wrap: 'bare', result: { downtime: '-', downspeed: '-', filesize: '-' } };
    nodes[2]!.behaviour = { raw: "jQuery17_1({state:1,msg:\"\",result:{ip:\"1.2.3.4\",httpstate:\"200\",alltime:\"95\",headers:'\\u0048\\u0054'}});" };
    const s = await startChinaz({ nodes });
    try {
      const [a, b, c] = await measureAll(s);
      assert.equal(a!.totalMs, 0.5);
      assert.equal(a!.dnsMs, 0.5);
      assert.equal(a!.error, undefined);
      assert.equal(b!.downloadMs, undefined);
      assert.equal(b!.downloadKBps, undefined);
      assert.equal(b!.totalMs, 212);
      assert.deepEqual([c!.ip, c!.httpStatus, c!.totalMs, c!.error], ['1.2.3.4', 200, 95, undefined]);
    } finally {
      await s.close();
    }
  });

  test('state:0 is asked twice more, then recorded as the provider failing', async () => {
    const nodes = chinazNodes(3);
    nodes[0]!.behaviour = { state0: 1 };
    nodes[1]!.behaviour = { state0: 2, wrap: 'callback' };
    nodes[2]!.behaviour = { state0: Infinity };
    const s = await startChinaz({ nodes });
    try {
      const rs = await measureAll(s);
      assert.deepEqual(nodes.map((n) => s.checksFor(n.guid)), [2, 3, 3]);
      assert.equal(rs[0]!.error, undefined);
      assert.equal(rs[1]!.error, undefined);
      assert.deepEqual(rs[2]!.error, { code: 'PROVIDER_ERROR', message: '浙江嘉兴[移动]: the node reported no result (state 0) in 3 attempts' });
    } finally {
      await s.close();
    }
  });

  test('a refused check (the token rotated) is the provider failing, not retried', async () => {
    const s = await startChinaz({ nodes: chinazNodes(2) });
    try {
      const p = provider(s);
      const nodes = await p.listNodes(never);
      s.setToken('rotated-token');
      const rs = await measureNodes(p, nodes, { concurrency: 2, nodeTimeoutMs: 2000, signal: never });
      p.close?.();
      assert.equal(s.checks.length, 2);
      assert.deepEqual(
        s.checks.map((c) => c.refused),
        ['token', 'token'],
      );
      assert.deepEqual(rs[0]!.error, { code: 'PROVIDER_ERROR', message: '江苏宿迁[电信]: the provider refused the check (state 0: 验证失败，请刷新页面重试)' });
    } finally {
      await s.close();
    }
  });

  test('the stand-in refuses checks missing a field, the header, the Referer or the token', async () => {
    const s = await startChinaz({ nodes: chinazNodes(1) });
    const guid = chinazNodes(1)[0]!.guid;
    const good = { guid, host: HOST, ishost: '1', encode: s.token, checktype: '1' };
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-requested-with': 'XMLHttpRequest', referer: `${s.url}/speedtest/${HOST}` };
    const post = async (form: Record<string, string>, h: Record<string, string> = headers) => {
      const res = await fetch(`${s.url}/iframe.ashx?t=ping`, { method: 'POST', headers: h, body: new URLSearchParams(form).toString() });
      return res.text();
    };
    try {
      assert.match(await post(good), /^\(\{state:1,msg:'',result:\{ip:'119\.28\.190\.46',httpstate:200,alltime:'212'.*headers:'\\u0048\\u0054\\u0054\\u0050/);
      const { encode: _drop, ...noToken } = good;
      assert.equal(await post(noToken), "({state:0,msg:'参数错误'})");
      assert.equal(await post({ ...good, encode: 'wrong' }), "({state:0,msg:'验证失败，请刷新页面重试'})");
      assert.equal(await post({ ...good, ishost: '0' }), "({state:0,msg:'参数错误'})");
      assert.equal(await post({ ...good, guid: '00000000-0000-0000-0000-000000000000' }), "({state:0,msg:'节点不存在'})");
      const { 'x-requested-with': _x, ...noXhr } = headers;
      assert.equal(await post(good, noXhr), "({state:0,msg:'非法请求'})");
      assert.equal(await post(good, { ...headers, referer: 'http://elsewhere.example/' }), "({state:0,msg:'非法请求'})");
      assert.deepEqual(
        s.checks.map((c) => c.refused ?? 'ok'),
        ['ok', 'missing encode', 'token', 'ishost/checktype', 'unknown guid', 'x-requested-with', 'referer'],
      );
    } finally {
      await s.close();
    }
  });

  test('a slow node within nodeTimeoutMs is measured; one past it, or one that never answers, is the provider failing', async () => {
    const nodes = chinazNodes(4);
    nodes[1]!.behaviour = { delayMs: 100 };
    nodes[2]!.behaviour = { delayMs: 1500 };
    nodes[3]!.behaviour = { hang: true };
    const s = await startChinaz({ nodes });
    try {
      const started = Date.now();
      const rs = await measureAll(s, 400);
      const took = Date.now() - started;
      assert.deepEqual(rs.map((r) => r.error?.code ?? 'ok'), ['ok', 'ok', 'PROVIDER_ERROR', 'PROVIDER_ERROR']);
      assert.equal(rs[3]!.error!.message, '北京[多线]: no report from the node within 400 ms (nodeTimeoutMs)');
      // Bounded by the node timeout, not by the node: generous, never asserted as a timing budget.
      assert.ok(took < 1400, `took ${took} ms`);
    } finally {
      await s.close();
    }
  });

  test('a changed page (no nodes, no token, neither) or an unreachable provider cannot list nodes', async () => {
    const s = await startChinaz({ nodes: chinazNodes(3) });
    const list = () => {
      const p = provider(s);
      return p.listNodes(never).finally(() => p.close?.());
    };
    try {
      s.setPage('no-nodes');
      await assert.rejects(list(), (err: ProviderError) => err instanceof ProviderError && /^the provider's page changed: no nodes at http:\/\/127\.0\.0\.1:\d+\/speedtest\/www\.example\.com;/.test(err.message));
      s.setPage('no-token');
      await assert.rejects(list(), /the provider's page changed: no token \(#enkey\)/);
      s.setPage('changed');
      await assert.rejects(list(), /the provider's page changed: no nodes and no token \(#enkey\)/);
      s.setPage('error');
      await assert.rejects(list(), /node page .* answered HTTP 503/);
      assert.equal(s.checks.length, 0, 'no node is checked without a node list');
    } finally {
      await s.close();
    }
    const port = await closedPort();
    const p = chinazProvider({ baseUrl: `http://127.0.0.1:${port}`, host: HOST, nodeTimeoutMs: 1000, concurrency: 1 });
    await assert.rejects(p.listNodes(never), /could not load the provider's node page .*ECONNREFUSED/);
    p.close?.();
  });

  test('oversized, unreadable or hostile replies are the provider failing', async () => {
    const nodes = chinazNodes(4);
    nodes[0]!.behaviour = { raw: `({state:1,msg:'${'x'.repeat(REPLY_MAX_BYTES)}'})` };
    nodes[1]!.behaviour = { raw: '<html><body>502 Bad Gateway</body></html>' };
    nodes[2]!.behaviour = { raw: "({state:1,msg:'',result:{httpstate:require('child_process').execSync('id')}})" };
    nodes[3]!.behaviour = { raw: '['.repeat(10_000) };
    const s = await startChinaz({ nodes });
    try {
      const rs = await measureAll(s);
      assert.deepEqual(rs.map((r) => r.error?.code), ['PROVIDER_ERROR', 'PROVIDER_ERROR', 'PROVIDER_ERROR', 'PROVIDER_ERROR']);
      assert.match(rs[0]!.error!.message, /the answer was larger than allowed/);
      assert.match(rs[1]!.error!.message, /not a readable object literal/);
      assert.match(rs[2]!.error!.message, /unexpected word "require"/);
      assert.match(rs[3]!.error!.message, /nested deeper than/);
    } finally {
      await s.close();
    }
  });
});

describe('speedTest runs with the chinaz provider', () => {
  let dir: string;
  let s: ChinazStandIn;
  let configs = 0;
  let lines: string[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scf-monitor-speedtest-'));
    s = await startChinaz({ nodes: chinazNodes(20) });
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    s.reset();
    s.setPage('normal');
    s.setDefaults({});
    for (const n of chinazNodes(20)) s.setNode(n.guid, {});
    lines = [];
    setLogSink((text) => lines.push(...text.split(/(?<=\n)/)));
  });
  afterEach(() => setLogSink((line) => process.stdout.write(line)));

  const timer = (): ScfEvent => ({ Type: 'Timer', TriggerName: 'test', Time: new Date().toISOString(), Message: '' }) as ScfEvent;

  async function run(monitor: Record<string, unknown>, timeLimitMs = 20_000): Promise<ResultRecord> {
    const configPath = join(dir, `monitors-${++configs}.json`);
    const config = { monitors: [{ name: 'site-speed', type: 'speedtest', provider: 'chinaz', providerUrl: s.url, host: HOST, nodeTimeoutMs: 2000, ...monitor }] };
    writeFileSync(configPath, JSON.stringify(config));
    const summary = await runFunction('speedTest', timer(), { time_limit_in_ms: timeLimitMs }, { configPath });
    assert.equal(summary.function, 'speedTest');
    assert.equal(summary.results.length, 1);
    const record = summary.results[0]!;
    assert.equal(summary.ok, record.ok);
    const logged = lines.map((l) => JSON.parse(l) as ResultRecord);
    assert.deepEqual(logged, [JSON.parse(JSON.stringify(record))], 'the record is logged as one JSON line');
    return record;
  }

  test('healthy: ok, every node in the detail, aggregates, the worst nodes as a table', async () => {
    const r = await run({});
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.deepEqual(r.reasons, []);
    assert.equal(r.type, 'speedtest');
    assert.equal(r.target, HOST);
    assert.deepEqual(r.stats, { samples: 20, successes: 20, successRate: 1, meanMs: 212, stdMs: 0, p95Ms: 212 });
    assert.deepEqual(r.hostList, ['119.28.190.46']);
    assert.equal(r.speed!.provider, 'chinaz');
    assert.equal(r.speed!.host, HOST);
    assert.equal(r.speed!.nodesListed, 20);
    assert.equal(r.speed!.nodes.length, 20);
    assert.deepEqual(r.speed!.aggregates.overall, { nodes: 20, failed: 0, providerErrors: 0, medianMs: 212, p90Ms: 212, worstMs: 212, worstNode: '江苏宿迁[电信]' });
    assert.deepEqual(Object.keys(r.speed!.aggregates.byIsp).sort(), ['多线', '电信', '移动', '联通'].sort());
    assert.equal(Object.keys(r.speed!.aggregates.byProvince).length, 20, 'one province per place');
    assert.equal(r.table!.rows.length, 10);
    assert.deepEqual(r.table!.columns, ['node', 'ISP', 'IP', 'total ms', 'result']);
    assert.equal(s.pageRequests.length, 1);
    assert.equal(s.checks.length, 20);
  });

  test('down from many provinces: LOW_SUCCESS_RATE with the failures grouped, failed nodes first in the table', async () => {
    const nodes = chinazNodes(20);
    nodes.slice(0, 10).forEach((n) => s.setNode(n.guid, { result: { httpstate: 0, ip: '119.28.190.46', conntime: '-', alltime: '-', downtime: '-' } }));
    nodes.slice(10, 14).forEach((n) => s.setNode(n.guid, { result: { httpstate: 502 } }));
    const r = await run({});
    assert.equal(r.ok, false);
    assert.equal(r.reasons[0]!.code, 'LOW_SUCCESS_RATE');
    assert.match(r.reasons[0]!.message, /^14 of 20 nodes failed in 14 provinces \(allowed: at most 50% of nodes\)$/);
    assert.equal(r.reasons[1]!.code, 'CONNECT_TIMEOUT');
    assert.match(r.reasons[1]!.message, /^10 of 20 nodes: 江苏宿迁\[电信\]: no connection to 119\.28\.190\.46 \(no connect time reported\);/);
    assert.equal(r.reasons[2]!.code, 'HTTP_STATUS');
    assert.match(r.reasons[2]!.message, /^4 of 20 nodes: .*answered HTTP 502 from 119\.28\.190\.46/);
    assert.equal(r.table!.rows[0]![4], 'CONNECT_TIMEOUT');
    assert.equal(r.speed!.aggregates.overall.failed, 14);
  });

  test('one node down is not an alert', async () => {
    s.setNode(chinazNodes(1)[0]!.guid, { result: { httpstate: 0, ip: '-', dnstime: '-', conntime: '-', alltime: '-' } });
    const r = await run({ expect: { maxFailedNodes: 1 } });
    assert.equal(r.ok, true);
    assert.equal(r.speed!.nodes[0]!.error!.code, 'DNS_ERROR');
    assert.deepEqual(r.table!.rows[0], ['江苏宿迁[电信]', '电信', '-', '-', 'DNS_ERROR']);
  });

  test('the page changed: PROVIDER_ERROR, never "the target is down"', async () => {
    for (const mode of ['no-nodes', 'no-token', 'changed'] as const) {
      s.setPage(mode);
      lines = [];
      const r = await run({});
      assert.equal(r.ok, false);
      assert.deepEqual(r.reasons.map((x) => x.code), ['PROVIDER_ERROR'], mode);
      assert.match(r.reasons[0]!.message, /^the provider's page changed: no (nodes|token)/);
      assert.deepEqual(r.speed!.nodes, []);
      assert.equal(r.table, undefined);
      assert.deepEqual(r.stats, { samples: 0, successes: 0, successRate: 0 });
    }
    assert.equal(s.checks.length, 0);
  });

  test('every node answering state:0: PROVIDER_ERROR after three asks each', async () => {
    s.setDefaults({ state0: Infinity });
    const r = await run({ select: { maxNodes: 4 } });
    assert.deepEqual(r.reasons.map((x) => x.code), ['PROVIDER_ERROR']);
    assert.match(r.reasons[0]!.message, /^none of the 4 nodes could run the check, so nothing is known about the target: 4 of 4 nodes: .*state 0\) in 3 attempts/);
    assert.equal(s.checks.length, 12);
    assert.equal(r.speed!.aggregates.overall.providerErrors, 4);
  });

  test('selection: only the chosen ISPs, provinces and number of nodes are checked', async () => {
    const r = await run({ select: { isps: ['电信', '联通'], maxNodes: 6 } });
    assert.equal(r.speed!.nodesListed, 20);
    assert.equal(r.speed!.nodes.length, 6);
    assert.ok(r.speed!.nodes.every((n) => n.isp === '电信' || n.isp === '联通'));
    assert.equal(new Set(r.speed!.nodes.map((n) => n.province)).size, 6, 'spread over provinces');
    assert.equal(s.checks.length, 6);
    lines = [];
    s.reset();
    const g = await run({ select: { provinces: ['广东', '江苏'] } });
    assert.deepEqual(g.speed!.nodes.map((n) => n.province), ['江苏', '广东']);
    const none = await (async () => {
      lines = [];
      return run({ select: { provinces: ['西藏'] } });
    })();
    assert.deepEqual(none.reasons, [{ code: 'PROVIDER_ERROR', message: 'none of the 20 nodes the provider lists matches provinces 西藏' }]);
  });

  test('slow from most nodes across provinces: SLOW_RESPONSE with the median', async () => {
    s.setDefaults({ result: { alltime: '4200' } });
    const r = await run({ expect: { maxTotalMs: 3000 } });
    assert.deepEqual(r.reasons, [
      { code: 'SLOW_RESPONSE', message: 'median total time 4200 ms over 20 answering nodes is above 3000 ms (20 slower than 3000 ms in 20 provinces)' },
    ]);
  });

  test('the deadline: nodes measured are kept, the rest are DEADLINE and left out', async () => {
    const nodes = chinazNodes(8);
    nodes.slice(4, 8).forEach((n) => s.setNode(n.guid, { hang: true }));
    const r = await run({ select: { maxNodes: 8 }, nodeTimeoutMs: 10_000, concurrency: 8 }, 2000);
    assert.equal(r.reasons[0]!.code, 'DEADLINE');
    assert.match(r.reasons[0]!.message, /^stopped at the function deadline with 4 of 8 nodes measured/);
    assert.equal(r.reasons.length, 1, JSON.stringify(r.reasons));
    assert.deepEqual(r.speed!.nodes.map((n) => n.error?.code ?? 'ok'), ['ok', 'ok', 'ok', 'ok', 'DEADLINE', 'DEADLINE', 'DEADLINE', 'DEADLINE']);
    assert.equal(r.stats.samples, 4);
  });
});
