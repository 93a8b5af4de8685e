/**
 * The `cat` speed-test provider (Tencent Cloud Automated Testing) against the strict CAT service
 * of the Tencent Cloud stand-in (TC3-signed, over the loopback CONNECT proxy): node selection,
 * the task found by name through DescribeProbeTasks' pages or created once, the latest result
 * per node through DescribeDetailedSingleProbeData's pages, nodes without data, throttling, and
 * the whole monitor through speedTest's handler.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTencentCloud, type TencentCloudStandIn } from '../dev/standins/tencent-cloud';
import { catNodes, catStandIn, type CatResult, type CatStandIn } from '../dev/standins/tc-cat';
import { catProvider, catTaskName, ispOf, nodesFrom, RESULTS_PAGE, shortProvince } from '../lib/monitors/speedtest/cat';
import { measureNodes } from '../lib/monitors/speedtest/measure';
import { selectNodes } from '../lib/monitors/speedtest/select';
import { judgeNodes } from '../lib/monitors/speedtest/quorum';
import type { NodeResult, SpeedNode } from '../lib/monitors/speedtest/types';
import { runFunction } from '../lib/functions';
import { localContext, timerEvent } from '../lib/runtime/scf';
import { setLogSink } from '../lib/report/log';

const ACCOUNT = { secretId: 'AKID-cat-speedtest-test-id', secretKey: 'cat-secret-key-never-logged-5678' };
const URL_ = 'https://www.example.com/';
const never = new AbortController().signal;

test('CAT nodes as speed-test nodes: short province and ISP names; offline, IPv6 and mobile nodes left out; one node per place', () => {
  const base = catNodes(3);
  const nodes = nodesFrom([
    ...base,
    { ...base[0]!, Code: '20001', Type: 2 },
    { ...base[1]!, Code: '20002', NodeDefineStatus: 2, City: '其他市' },
    { ...base[1]!, Code: '20003', IPType: 2, City: '别处市' },
    { ...base[1]!, Code: '20004', Type: 3, City: '手机市' },
    { Code: '20005', Name: '广西-南宁市-中国联通[IDC]', Type: 1, NetService: '中国联通', District: '广西壮族自治区', City: '南宁市', IPType: 1, NodeDefineStatus: 1 },
  ]);
  assert.deepEqual(
    nodes.map((n) => [n.id, n.province, n.city, n.isp]),
    [
      ['10001', '北京', '北京', '电信'],
      ['10002', '北京', '北京', '联通'],
      ['10003', '北京', '北京', '移动'],
      ['20005', '广西', '南宁', '联通'],
    ],
  );
  assert.equal(ispOf('中国移动'), '移动');
  assert.equal(ispOf('教育网'), '教育网');
  assert.equal(shortProvince('广东省'), '广东');
  assert.equal(catTaskName('site'), 'scfm-site');
  const long = catTaskName('a-very-long-monitor-name-that-goes-on-and-on');
  assert.equal([...long].length, 32);
  assert.notEqual(long, catTaskName('a-very-long-monitor-name-that-goes-on-and-ON'));
});

describe('cat against the Tencent Cloud stand-in', () => {
  let cloud: TencentCloudStandIn;
  let cat: CatStandIn;
  let clock = Date.parse('2026-11-21T04:00:00.000Z');
  beforeEach(async () => {
    cat = catStandIn({ nodes: catNodes(30) });
    cloud = await startTencentCloud({ accounts: [ACCOUNT], services: [cat.service] });
  });
  afterEach(() => cloud.close());

  const api = () => ({ ...ACCOUNT, endpoint: cloud.endpoint('cat'), proxy: cloud.proxyUrl, apiTimeoutMs: 5000 });
  const provider = (name = 'site-cat', intervalMinutes = 5) => catProvider({ api: api(), monitorName: name, url: URL_, intervalMinutes, now: () => clock });

  async function runOnce(p = provider(), select: Parameters<typeof selectNodes>[1] = {}): Promise<{ nodes: SpeedNode[]; results: NodeResult[] }> {
    const nodes = selectNodes(await p.listNodes(never), select);
    await p.prepare!(nodes, never);
    const results = await measureNodes(p, nodes, { concurrency: 10, nodeTimeoutMs: 2000, signal: never });
    return { nodes, results };
  }
  const ok = (node: string, at: number, totalMs = 120): CatResult => ({ node, at, totalMs, dnsMs: 10, connectMs: 20, downloadMs: 30, statusCode: 200, targetIp: '203.0.113.7' });

  test('the first run creates the task, named after the monitor, with the selected nodes; its nodes have no data yet, a PROVIDER_ERROR each', async () => {
    const { nodes, results } = await runOnce(provider(), { isps: ['电信'], provinces: ['广东', '北京'] });
    assert.deepEqual(nodes.map((n) => n.name), ['北京-北京市-中国电信[IDC]', '广东-广州市-中国电信[IDC]', '广东-深圳市-中国电信[IDC]']);
    assert.equal(cat.tasks.length, 1);
    const task = cat.tasks[0]!;
    assert.equal(task.Name, 'scfm-site-cat');
    assert.equal(task.TargetAddress, URL_);
    assert.equal(task.TaskType, 1);
    assert.equal(task.TaskCategory, 1);
    assert.equal(task.Interval, 5);
    assert.deepEqual(task.Nodes, nodes.map((n) => n.id));
    assert.ok(results.every((r) => r.error?.code === 'PROVIDER_ERROR' && /created by this run/.test(r.error.message)));
    const verdict = judgeNodes(results, { minProvinces: 2 }, 'province');
    assert.deepEqual(verdict.reasons.map((r) => r.code), ['PROVIDER_ERROR'], 'nothing is known about the site');
    for (const r of cloud.requests) {
      assert.equal(r.errorCode, undefined, `${r.action}: ${r.errorCode}`);
      assert.equal(r.host, 'cat.tencentcloudapi.com');
      assert.equal(r.version, '2018-04-09');
    }

    // The next run finds the task and creates nothing; results arrived for two of the three nodes.
    cat.addResults(task.TaskId, [ok(nodes[0]!.id, clock - 60_000, 150), ok(nodes[1]!.id, clock - 120_000, 90)]);
    const again = await runOnce(provider(), { isps: ['电信'], provinces: ['广东', '北京'] });
    assert.equal(cat.tasks.length, 1, 'created once');
    assert.equal(cat.calls.filter((c) => c.action === 'CreateProbeTasks').length, 1);
    assert.deepEqual(
      again.results.map((r) => [r.node, r.totalMs, r.dnsMs, r.connectMs, r.downloadMs, r.httpStatus, r.ip, r.error?.code]),
      [
        ['北京-北京市-中国电信[IDC]', 150, 10, 20, 30, 200, '203.0.113.7', undefined],
        ['广东-广州市-中国电信[IDC]', 90, 10, 20, 30, 200, '203.0.113.7', undefined],
        ['广东-深圳市-中国电信[IDC]', undefined, undefined, undefined, undefined, undefined, undefined, 'PROVIDER_ERROR'],
      ],
    );
    assert.match(again.results[2]!.error!.message, /no result from CAT task scfm-site-cat \(task-[0-9a-f]+\) in the last 12 min/);
    assert.equal(judgeNodes(again.results, { minProvinces: 2 }, 'province').ok, true, 'a node without data counts neither way');
  });

  test('the latest result of each node wins, read page by page (newest first) until every node has one; an old result is out of the window', async () => {
    const p = provider();
    const first = await runOnce(p, { provinces: ['北京', '上海'] });
    const id = cat.tasks[0]!.TaskId;
    const [a, b] = [first.nodes[0]!.id, first.nodes[5]!.id];
    const rows: CatResult[] = [];
    // Many fresh results of node a push node b's latest beyond the first page.
    for (let i = 0; i < RESULTS_PAGE + 30; i++) rows.push(ok(a, clock - 1000 - i * 100, 100 + (i % 7)));
    rows.push({ node: b, at: clock - 4 * 60_000, errorId: 613, dnsMs: 12, statusCode: 502, targetIp: '203.0.113.9' });
    rows.push(ok(b, clock - 5 * 60_000, 80));
    rows.push(ok(first.nodes[1]!.id, clock - 30 * 60_000, 70));
    cat.addResults(id, rows);
    cat.calls.length = 0;
    const { results } = await runOnce(provider(), { provinces: ['北京', '上海'] });
    const byId = new Map(results.map((r) => [r.id, r]));
    assert.equal(byId.get(a)!.totalMs, 100, 'the newest of node a');
    assert.equal(byId.get(b)!.error?.code, 'HTTP_STATUS', "node b's newest run: 502, not its older success");
    assert.match(byId.get(b)!.error!.message, /HTTP 502 from 203\.0\.113\.9 \(CAT ErrorId 613\)/);
    assert.equal(byId.get(first.nodes[1]!.id)!.error?.code, 'PROVIDER_ERROR', '30 minutes old is older than two intervals');
    const reads = cat.calls.filter((c) => c.action === 'DescribeDetailedSingleProbeData');
    assert.deepEqual(reads.map((c) => c.params.Offset), [0, RESULTS_PAGE], 'a second page, and no more once the rows ran out');
    for (const c of reads) {
      assert.equal(c.params.TaskType, 'AnalyzeTaskType_Browse');
      assert.equal(c.params.SortField, 'ProbeTime');
      assert.equal(c.params.Ascending, false);
      assert.deepEqual(c.params.TaskID, [id]);
      assert.equal(c.params.EndTime, clock);
      assert.equal(c.params.BeginTime, clock - 12 * 60_000);
    }
  });

  test('the task is found by its exact name through every page of DescribeProbeTasks', async () => {
    // 150 tasks whose names contain the monitor's task name, the real one last.
    for (let i = 0; i < 150; i++) {
      cat.tasks.push({ ...cat.tasks[0]!, ...fakeTask(`scfm-site-cat-${i}`) });
    }
    await runOnce(provider(), { maxNodes: 3 });
    assert.equal(cat.tasks.at(-1)!.Name, 'scfm-site-cat', 'not found among the others, so it was created');
    cat.calls.length = 0;
    await runOnce(provider(), { maxNodes: 3 });
    const pages = cat.calls.filter((c) => c.action === 'DescribeProbeTasks');
    assert.deepEqual(pages.map((c) => [c.params.Offset, c.params.Limit, c.params.TaskName]), [
      [0, 100, 'scfm-site-cat'],
      [100, 100, 'scfm-site-cat'],
    ]);
    assert.equal(cat.calls.filter((c) => c.action === 'CreateProbeTasks').length, 0);
  });

  test('nodes selected later than the task was made: a PROVIDER_ERROR that says how to get them measured', async () => {
    await runOnce(provider(), { provinces: ['北京'] });
    const { results } = await runOnce(provider(), { provinces: ['北京', '上海'] });
    const shanghai = results.filter((r) => r.province === '上海');
    assert.equal(shanghai.length, 3);
    for (const r of shanghai) assert.match(r.error!.message, /not a node of CAT task scfm-site-cat, which was created with other nodes/);
  });

  test('throttled: RequestLimitExceeded is retried and the run goes on; refusals are PROVIDER_ERRORs that name the CAM action or the account', async () => {
    await runOnce(provider(), { maxNodes: 2 });
    cloud.failNext('DescribeDetailedSingleProbeData', 'RequestLimitExceeded', 'Your current request times exceeds the limit.', 1);
    const before = cloud.requests.length;
    await runOnce(provider(), { maxNodes: 2 });
    const seen = cloud.requests.slice(before).filter((r) => r.action === 'DescribeDetailedSingleProbeData');
    assert.deepEqual(seen.map((r) => r.errorCode), ['RequestLimitExceeded', undefined]);

    cloud.failNext('DescribeProbeNodes', 'UnauthorizedOperation', 'no permission', 1);
    await assert.rejects(provider().listNodes(never), /grant the CAM action cat:DescribeProbeNodes/);
    const fresh = provider('other-site');
    const nodes = selectNodes(await fresh.listNodes(never), { maxNodes: 2 });
    cat.setTrialExceeded(true);
    await assert.rejects(fresh.prepare!(nodes, never), /trial's task quota is used up \(FailedOperation\.TrialTaskExceed\)/);
    cloud.failNext('DescribeProbeTasks', 'RequestLimitExceeded', 'throttled', 4);
    await assert.rejects(provider().prepare!(nodes, never), /CAT throttled DescribeProbeTasks/);
  });

  test('the stand-in is strict: an undocumented parameter, a missing one, a bad type, a Limit over 100 are refused', async () => {
    const { CommonClient } = await import('tencentcloud-sdk-nodejs-common/tencentcloud/common/common_client');
    const c = new CommonClient('cat.tencentcloudapi.com', '2018-04-09', {
      credential: ACCOUNT,
      profile: { signMethod: 'TC3-HMAC-SHA256', httpProfile: { endpoint: 'cat.tencentcloudapi.com', protocol: 'http://', proxy: cloud.proxyUrl } },
    });
    await assert.rejects(c.request('DescribeProbeNodes', { Nodes: 1 }), /UnknownParameter|not recognized/);
    await assert.rejects(c.request('DescribeProbeTasks', { Limit: 101 }), /Limit must be between 1 and 100/);
    await assert.rejects(c.request('CreateProbeTasks', { BatchTasks: [] }), /MissingParameter|missing a required parameter/);
    await assert.rejects(c.request('DescribeProbeNodes', { NodeType: '1' }), /value type of parameter `NodeType`/);
    const wrong = new CommonClient('cat.tencentcloudapi.com', '2018-04-09', {
      credential: { ...ACCOUNT, secretKey: 'not-the-key' },
      profile: { signMethod: 'TC3-HMAC-SHA256', httpProfile: { endpoint: 'cat.tencentcloudapi.com', protocol: 'http://', proxy: cloud.proxyUrl } },
    });
    await assert.rejects(wrong.request('DescribeProbeNodes', {}), /AuthFailure\.SignatureFailure|signature/i);
  });

  function fakeTask(name: string) {
    return { Name: name, TaskId: `task-${name}`, TaskType: 1, Nodes: ['10001'], Interval: 5, Parameters: '{}', Status: 2, TargetAddress: URL_, PayMode: 1, OrderState: 1, TaskCategory: 1, CreatedAt: '', Cron: null, CronState: null, TagInfoList: [] };
  }
});

describe('speedTest with provider cat, through the handler', () => {
  let cloud: TencentCloudStandIn;
  let cat: CatStandIn;
  let dir: string;
  let lines: string[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scf-monitor-speedtest-cat-'));
    cat = catStandIn({ nodes: catNodes(30) });
    cloud = await startTencentCloud({ accounts: [ACCOUNT], services: [cat.service] });
    setLogSink((text) => lines.push(...text.split(/(?<=\n)/)));
  });
  after(async () => {
    setLogSink((line) => process.stdout.write(line));
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the same record shape and quorum verdict as the other providers; the SecretKey never reaches a record or a log line', async () => {
    const configPath = join(dir, 'monitors.json');
    const monitor = {
      name: 'site-cat',
      type: 'speedtest',
      provider: 'cat',
      url: URL_,
      select: { isps: ['电信', '联通'], maxNodes: 8 },
      expect: { minProvinces: 2 },
      ...ACCOUNT,
      endpoint: cloud.endpoint('cat'),
      proxy: cloud.proxyUrl,
    };
    writeFileSync(configPath, JSON.stringify({ monitors: [monitor] }));
    const run = () => runFunction('speedTest', timerEvent(), localContext('speedTest', 20_000), { configPath });
    const first = (await run()).results[0]!;
    assert.equal(first.ok, false);
    assert.deepEqual(first.reasons.map((r) => r.code), ['PROVIDER_ERROR']);
    assert.equal(first.speed!.provider, 'cat');
    assert.equal(first.speed!.nodes.length, 8);
    const task = cat.tasks[0]!;
    const now = Date.now();
    // Five nodes, each in its own province, cannot connect; the others answer.
    cat.addResults(
      task.TaskId,
      task.Nodes.map((code, i) => (i < 5 ? { node: code, at: now - 30_000, errorId: 400, dnsMs: 5 } : { node: code, at: now - 30_000, totalMs: 200 + i, dnsMs: 5, connectMs: 9, statusCode: 200 })),
    );
    const second = (await run()).results[0]!;
    assert.equal(second.ok, false);
    assert.deepEqual(second.reasons.map((r) => r.code), ['LOW_SUCCESS_RATE', 'CONNECT_TIMEOUT']);
    assert.equal(second.speed!.aggregates.overall.nodes, 8);
    assert.equal(second.speed!.aggregates.overall.failed, 5);
    assert.ok(second.table!.rows.length > 0);
    const text = JSON.stringify([first, second]) + lines.join('');
    assert.ok(!text.includes(ACCOUNT.secretKey));
  });
});
