/**
 * The ckafka monitor against the Tencent Cloud stand-in (test/support/tencent-cloud.ts with
 * tc-ckafka.ts): the real SDK, signed requests and X-TC-Region checked by the stand-in, paging,
 * -1 offsets, Empty and Dead groups, error envelopes and retries, "all groups" mode, the
 * deadline, and whole kafkaLag runs from a config file whose history builds up until a status
 * fires, alerts through WeCom, and recovers. Everything stays on 127.0.0.1.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { ckafkaMonitor, type CkafkaMonitor } from '../lib/monitors/ckafka/schema';
import { ckafkaRunner } from '../lib/monitors/ckafka/runner';
import { historyKey } from '../lib/monitors/ckafka/history';
import type { RunContext } from '../lib/monitors/context';
import type { ResultRecord } from '../lib/report/record';
import type { Summary } from '../lib/runtime/summary';
import { setLogSink } from '../lib/report/log';
import { runFunction } from '../lib/functions';
import type { ScfEvent } from '../lib/runtime/scf';
import { FileStore, fileName } from '../lib/state/file';
import type { StateStore } from '../lib/state/types';
import { startTencentCloud, type TcRecorded, type TencentCloudStandIn } from '../dev/standins/tencent-cloud';
import { ckafkaService, type CkafkaStandIn } from '../dev/standins/tc-ckafka';
import { WECOM_PATH, wecomStandIn, type WecomStandIn } from './support/wecom';

const ACCOUNT = { secretId: 'AKIDckafkaMonitorTest01', secretKey: 'ckSK-never-in-a-log-7f3a9d2c' };
const REGION = 'ap-guangzhou';

let cloud: TencentCloudStandIn;
let ck: CkafkaStandIn;
let dir: string;
let storeCount = 0;

before(async () => {
  ck = ckafkaService();
  cloud = await startTencentCloud({ accounts: [ACCOUNT], services: [ck.service] });
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-kafka-'));
});
after(async () => {
  await cloud.close();
  rmSync(dir, { recursive: true, force: true });
});

function monitor(instanceId: string, over: Record<string, unknown> = {}): CkafkaMonitor {
  return v.parse(ckafkaMonitor, {
    name: 'orders-lag',
    type: 'ckafka',
    region: REGION,
    instanceId,
    endpoint: cloud.endpoint('ckafka'),
    proxy: cloud.proxyUrl,
    secretId: ACCOUNT.secretId,
    secretKey: ACCOUNT.secretKey,
    ...over,
  });
}

const newStore = () => new FileStore(join(dir, `store-${++storeCount}`));

function context(store?: StateStore, signal: AbortSignal = new AbortController().signal): RunContext {
  return { functionName: 'kafkaLag', signal, deadlineAt: Date.now() + 30_000, ...(store ? { store: () => store } : {}) };
}

async function run(m: CkafkaMonitor, ctx: RunContext = context()): Promise<ResultRecord[]> {
  const out = await ckafkaRunner.run(m, ctx);
  return Array.isArray(out) ? out : [out];
}

async function one(m: CkafkaMonitor, ctx?: RunContext): Promise<ResultRecord> {
  const records = await run(m, ctx);
  assert.equal(records.length, 1, JSON.stringify(records));
  return records[0]!;
}

/** Requests of `instanceId` (by body) recorded from index `from` on. */
function requestsFor(instanceId: string, from = 0): TcRecorded[] {
  return cloud.requests.slice(from).filter((r) => r.body.includes(`"${instanceId}"`));
}

/** A small instance: topic `orders` with 3 partitions at log end 1000, group `g` committed as given. */
function smallInstance(id: string, offsets: number[], state: 'Stable' | 'Empty' | 'Dead' = 'Stable', members = 2): void {
  ck.addInstance(id, REGION);
  ck.addTopic(id, 'orders', 3, 1000);
  ck.addGroup(id, 'g', { state, members, offsets: { orders: offsets } });
}

describe('requests as CKafka sees them', () => {
  test('signed TC3 requests to ckafka 2019-08-19 with X-TC-Region, through the proxy tunnel', async () => {
    smallInstance('ckafka-sig00001', [900, 950, 1000]);
    const from = cloud.requests.length;
    const r = await one(monitor('ckafka-sig00001', { groups: ['g'] }));
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    const reqs = requestsFor('ckafka-sig00001', from);
    assert.deepEqual(reqs.map((q) => q.action).sort(), ['DescribeGroupInfo', 'DescribeGroupOffsets']);
    for (const q of reqs) {
      assert.equal(q.errorCode, undefined);
      assert.equal(q.service, 'ckafka');
      assert.equal(q.host, 'ckafka.tencentcloudapi.com');
      assert.equal(q.version, '2019-08-19');
      assert.equal(q.region, REGION);
      assert.equal(q.secretId, ACCOUNT.secretId);
      assert.ok(!q.body.includes(ACCOUNT.secretKey), 'the key signs, it never travels');
    }
    assert.ok(cloud.tunnels.includes('ckafka.tencentcloudapi.com:80'));
    assert.equal(r.subject, 'g');
    assert.equal(r.target, `${REGION}/ckafka-sig00001/g`);
    assert.equal(r.type, 'ckafka');
    assert.deepEqual(r.stats, { samples: 1, successes: 1, successRate: 1 });
    assert.deepEqual(r.hostList, []);
    assert.deepEqual(r.samples, []);
    assert.equal(r.lag?.totalLag, 150);
    assert.equal(r.lag?.state, 'Stable');
    assert.equal(r.lag?.members, 2);
    assert.equal(r.lag?.status, 'WARMING_UP');
  });

  test('a wrong SecretKey: AuthFailure.SignatureFailure, permanent, naming the instance, key not echoed', async () => {
    smallInstance('ckafka-sig00002', [1, 1, 1]);
    const from = cloud.requests.length;
    const r = await one(monitor('ckafka-sig00002', { groups: ['g'], secretKey: 'wrong-key-123' }));
    assert.equal(r.ok, false);
    assert.equal(r.reasons.length, 1);
    assert.equal(r.reasons[0]!.code, 'PROVIDER_ERROR');
    assert.match(r.reasons[0]!.message, /^credentials rejected by CKafka for ckafka-sig00002: .*AuthFailure\.SignatureFailure.*\(check secretKey\)$/);
    assert.ok(!r.reasons[0]!.message.includes('wrong-key-123'));
    assert.equal(r.lag, undefined, 'no lag from a failed read');
    const reqs = requestsFor('ckafka-sig00002', from);
    assert.ok(reqs.length <= 2, `not retried: ${reqs.length} requests`);
    assert.ok(reqs.every((q) => q.errorCode === 'AuthFailure.SignatureFailure'));
  });

  test('an unknown SecretId: AuthFailure.SecretIdNotFound', async () => {
    smallInstance('ckafka-sig00003', [1, 1, 1]);
    const r = await one(monitor('ckafka-sig00003', { groups: ['g'], secretId: 'AKIDnobodyKnowsThis' }));
    assert.match(r.reasons[0]!.message, /credentials rejected by CKafka for ckafka-sig00003: .*AuthFailure\.SecretIdNotFound.*check secretId/);
  });

  test('an instance in another region: InvalidParameterValue.InstanceNotExist, permanent, clear', async () => {
    ck.addInstance('ckafka-shanghai1', 'ap-shanghai');
    ck.addTopic('ckafka-shanghai1', 'orders', 1, 10);
    ck.addGroup('ckafka-shanghai1', 'g', { offsets: { orders: [5] } });
    const from = cloud.requests.length;
    const r = await one(monitor('ckafka-shanghai1', { groups: ['g'] }));
    assert.equal(r.reasons[0]!.code, 'PROVIDER_ERROR');
    assert.match(r.reasons[0]!.message, /^CKafka instance ckafka-shanghai1 does not exist in ap-guangzhou \(check instanceId and region\): .*InvalidParameterValue\.InstanceNotExist/);
    assert.ok(requestsFor('ckafka-shanghai1', from).length <= 2, 'not retried');
    // The same instance in its own region reads fine.
    const ok = await one(monitor('ckafka-shanghai1', { groups: ['g'], region: 'ap-shanghai' }));
    assert.equal(ok.ok, true);
  });

  test('an instance-wide error is met once, not once per group', async () => {
    ck.addInstance('ckafka-manygrp1', REGION);
    ck.addTopic('ckafka-manygrp1', 'orders', 1, 10);
    const groups = Array.from({ length: 12 }, (_, i) => `g${i}`);
    for (const g of groups) ck.addGroup('ckafka-manygrp1', g, { offsets: { orders: [10] } });
    const from = cloud.requests.length;
    const records = await run(monitor('ckafka-manygrp1', { groups, secretKey: 'bad' }));
    assert.equal(records.length, 12);
    assert.deepEqual(records.map((r) => r.subject), groups);
    assert.ok(records.every((r) => !r.ok && r.reasons[0]!.message.includes('AuthFailure.SignatureFailure')));
    assert.ok(requestsFor('ckafka-manygrp1', from).length <= 8, 'groups after the first failure take it over');
  });
});

describe('offsets', () => {
  test('more than 50 topics: DescribeGroupOffsets paged by 50 until TotalCount, three pages, topic sums exact', async () => {
    const id = 'ckafka-pages001';
    ck.addInstance(id, REGION);
    const offsets: Record<string, number[]> = {};
    const expected: Record<string, number> = {};
    let total = 0;
    let uncommitted = 0;
    for (let t = 0; t < 130; t++) {
      const topic = `topic-${String(t).padStart(3, '0')}`;
      const parts = (t % 5) + 1;
      const ends = Array.from({ length: parts }, (_, p) => 1_000_000 + t * 1000 + p * 17);
      ck.addTopic(id, topic, parts, ends);
      // Every 7th topic leaves its last partition uncommitted (-1): not counted.
      offsets[topic] = ends.map((end, p) => (t % 7 === 0 && p === parts - 1 ? -1 : end - (t * 3 + p)));
      expected[topic] = 0;
      offsets[topic].forEach((c, p) => {
        if (c < 0) {
          uncommitted++;
          return;
        }
        expected[topic]! += ends[p]! - c;
      });
      total += expected[topic]!;
    }
    ck.addGroup(id, 'big', { offsets, members: 4 });
    const from = cloud.requests.length;
    const r = await one(monitor(id, { groups: ['big'] }));
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    const pages = requestsFor(id, from).filter((q) => q.action === 'DescribeGroupOffsets');
    assert.deepEqual(pages.map((q) => q.params?.Offset).sort((a, b) => Number(a) - Number(b)), [0, 50, 100]);
    assert.ok(pages.every((q) => q.params?.Limit === 50 && q.params?.Group === 'big' && q.region === REGION));
    assert.deepEqual(r.lag!.topicLag, expected);
    assert.equal(r.lag!.totalLag, total);
    assert.equal(r.lag!.topics, 130);
    assert.equal(r.lag!.uncommittedPartitions, uncommitted);
    assert.equal(r.lag!.partitions, Object.values(offsets).reduce((s, o) => s + o.length, 0));
    const lags = Object.values(r.lag!.topicLag);
    assert.deepEqual(lags, [...lags].sort((a, b) => b - a), 'largest first');
    assert.equal(r.lag!.worst.length, 10);
    assert.equal(r.lag!.worst[0]!.topic, 'topic-129');
  });

  test('-1 offsets are reported and never summed, although the API says Lag = LogEndOffset + 1', async () => {
    smallInstance('ckafka-minus001', [990, -1, -1]);
    const r = await one(monitor('ckafka-minus001', { groups: ['g'], expect: { maxLag: 100 } }));
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(r.lag!.totalLag, 10);
    assert.equal(r.lag!.uncommittedPartitions, 2);
    assert.deepEqual(r.lag!.topicLag, { orders: 10 });
  });

  test('a negative lag (log end below the commit) is reported and counted as 0', async () => {
    smallInstance('ckafka-negat001', [1000, 1000, 1005]);
    const r = await one(monitor('ckafka-negat001', { groups: ['g'] }));
    assert.equal(r.lag!.totalLag, 0);
    assert.equal(r.lag!.negativeLagPartitions, 1);
  });
});

describe('group states', () => {
  test('Empty with lag and offsets that stay put: WARMING_UP on the first run, then STOP with the worst partitions as the alert table', async () => {
    smallInstance('ckafka-empty001', [100, 500, 1000], 'Empty', 0);
    const m = monitor('ckafka-empty001', { groups: ['g'], window: 2 });
    const store = newStore();
    const first = await one(m, context(store));
    assert.equal(first.lag!.status, 'WARMING_UP', 'one Empty poll says nothing about whether the offsets move');
    assert.equal(first.ok, true);
    const r = await one(m, context(store));
    assert.equal(r.ok, false);
    assert.match(r.reasons[0]!.message, /^group g has no members \(Empty\) and its committed offsets have not moved for 2 observations \(\d+ s\) while 1,400 messages are waiting$/);
    assert.deepEqual(r.reasons.map((x) => x.code), ['STOP']);
    assert.equal(r.lag!.status, 'STOP');
    assert.equal(r.lag!.state, 'Empty');
    assert.equal(r.lag!.members, 0);
    assert.deepEqual(r.table, {
      columns: ['topic', 'partition', 'lag', 'committed', 'log end'],
      rows: [
        ['orders', '0', '900', '100', '1,000'],
        ['orders', '1', '500', '500', '1,000'],
      ],
    });
  });

  test('Dead with lag: STOP', async () => {
    smallInstance('ckafka-dead0001', [700, 700, 700], 'Dead', 0);
    const m = monitor('ckafka-dead0001', { groups: ['g'], window: 2 });
    const store = newStore();
    await one(m, context(store));
    const r = await one(m, context(store));
    assert.deepEqual(r.reasons.map((x) => x.code), ['STOP']);
    assert.match(r.reasons[0]!.message, /group g is Dead \(no members\) and its committed offsets have not moved for 2 observations .* while 900 messages are waiting/);
  });

  test('a named group the instance does not know: Dead, no offsets, STOP saying to check the name', async () => {
    smallInstance('ckafka-nogrp001', [1000, 1000, 1000]);
    const r = await one(monitor('ckafka-nogrp001', { groups: ['orders-consumr'] }));
    assert.equal(r.ok, false);
    assert.match(r.reasons[0]!.message, /group orders-consumr does not exist on ckafka-nogrp001 .*check the group name/);
  });

  test('a group of another protocol (connect) is Stable without listed members and is not called stopped', async () => {
    ck.addInstance('ckafka-connect1', REGION);
    ck.addTopic('ckafka-connect1', 'orders', 1, 100);
    ck.addGroup('ckafka-connect1', 'connect-sink', { offsets: { orders: [50] }, protocolType: 'connect', members: 2 });
    const r = await one(monitor('ckafka-connect1', { groups: ['connect-sink'] }));
    assert.equal(r.ok, true);
    assert.equal(r.lag!.state, 'Stable');
  });
});

describe('error envelopes that are retried', () => {
  test('RequestLimitExceeded on a page, then success', async () => {
    smallInstance('ckafka-retry001', [1000, 1000, 1000]);
    cloud.failNext('DescribeGroupOffsets', 'RequestLimitExceeded', 'Your current request times equals to `101` in a second, which exceeds the frequency limit `100` for a second. Please reduce the frequency of calls.');
    const from = cloud.requests.length;
    const r = await one(monitor('ckafka-retry001', { groups: ['g'] }));
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    const offs = cloud.requests.slice(from).filter((q) => q.action === 'DescribeGroupOffsets');
    assert.deepEqual(offs.map((q) => q.errorCode), ['RequestLimitExceeded', undefined]);
  });

  test('InternalError twice on DescribeGroupInfo, then success', async () => {
    smallInstance('ckafka-retry002', [1000, 1000, 1000]);
    cloud.failNext('DescribeGroupInfo', 'InternalError', 'internal error', 2);
    const from = cloud.requests.length;
    const r = await one(monitor('ckafka-retry002', { groups: ['g'] }));
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    const infos = cloud.requests.slice(from).filter((q) => q.action === 'DescribeGroupInfo');
    assert.deepEqual(infos.map((q) => q.errorCode), ['InternalError', 'InternalError', undefined]);
  });

  test('InternalError that does not go away: PROVIDER_ERROR after the retries, and no history written', async () => {
    smallInstance('ckafka-retry003', [1000, 1000, 1000]);
    // callApiWithRetry makes 4 attempts: exactly that many faults, so none is left for other tests.
    cloud.failNext('DescribeGroupOffsets', 'InternalError', 'internal error', 4);
    const store = newStore();
    const from = cloud.requests.length;
    const r = await one(monitor('ckafka-retry003', { groups: ['g'] }), context(store));
    assert.equal(r.ok, false);
    assert.match(r.reasons[0]!.message, /^reading the offsets of group g \(page 1\) of ckafka-retry003 failed: .*InternalError/);
    assert.equal(cloud.requests.slice(from).filter((q) => q.action === 'DescribeGroupOffsets').length, 4);
    assert.deepEqual(await store.list(historyKey('orders-lag', 'ckafka-retry003', 'g')), []);
  });
});

describe('all groups of an instance', () => {
  test('DescribeGroup is paged; one record per group plus the instance', async () => {
    const id = 'ckafka-allgrp01';
    ck.addInstance(id, REGION);
    ck.addTopic(id, 'orders', 2, 100);
    const names = Array.from({ length: 23 }, (_, i) => `group-${String(i).padStart(2, '0')}`);
    for (const g of names) ck.addGroup(id, g, { offsets: { orders: [100, 100] } });
    ck.setState(id, 'group-07', 'Empty');
    ck.commit(id, 'group-07', 'orders', 0, 40);
    const store = newStore();
    await run(monitor(id, { window: 2 }), context(store));
    const from = cloud.requests.length;
    const records = await run(monitor(id, { window: 2 }), context(store));
    const listing = requestsFor(id, from).filter((q) => q.action === 'DescribeGroup');
    assert.deepEqual(listing.map((q) => [q.params?.Offset, q.params?.Limit]), [[0, 20], [20, 20]]);
    assert.equal(records.length, 24);
    assert.equal(records[0]!.subject, undefined);
    assert.equal(records[0]!.target, `${REGION}/${id}`);
    assert.equal(records[0]!.ok, true);
    assert.deepEqual(records.slice(1).map((r) => r.subject), names);
    const bad = records.filter((r) => !r.ok);
    assert.deepEqual(bad.map((r) => [r.subject, r.reasons[0]!.code]), [['group-07', 'STOP']]);
  });

  test('an instance whose groups cannot be listed: one instance record with the reason', async () => {
    const r = await one(monitor('ckafka-missing1'));
    assert.equal(r.subject, undefined);
    assert.equal(r.ok, false);
    assert.match(r.reasons[0]!.message, /CKafka instance ckafka-missing1 does not exist in ap-guangzhou/);
  });
});

describe('deadline', () => {
  test('no time left: DEADLINE for every group, nothing asked, nothing written', async () => {
    smallInstance('ckafka-late0001', [1, 1, 1]);
    const ac = new AbortController();
    ac.abort();
    const store = newStore();
    const from = cloud.requests.length;
    const records = await run(monitor('ckafka-late0001', { groups: ['g', 'h'] }), context(store, ac.signal));
    assert.deepEqual(records.map((r) => [r.subject, r.reasons[0]!.code]), [['g', 'DEADLINE'], ['h', 'DEADLINE']]);
    assert.equal(requestsFor('ckafka-late0001', from).length, 0);
    assert.deepEqual(await store.list(historyKey('orders-lag', 'ckafka-late0001', 'g')), []);
  });

  test('the deadline while a page is on its way: DEADLINE naming the page, finished groups kept', async () => {
    const id = 'ckafka-late0002';
    ck.addInstance(id, REGION);
    for (let t = 0; t < 60; t++) ck.addTopic(id, `t${t}`, 1, 10);
    const offsets = Object.fromEntries(Array.from({ length: 60 }, (_, t) => [`t${t}`, [5]]));
    ck.addGroup(id, 'slow', { offsets });
    ck.addGroup(id, 'quick', { offsets: { t0: [10] } });
    const ac = new AbortController();
    const action = ck.service.actions.DescribeGroupOffsets!;
    const original = action.handle;
    action.handle = async (params, ctx) => {
      // The second page of `slow` takes longer than the run has left.
      if (params.Group === 'slow' && params.Offset === 50) {
        await new Promise((r) => setTimeout(r, 100)); // `quick` has long been answered
        ac.abort();
        await new Promise((r) => setTimeout(r, 300));
      }
      return original(params, ctx);
    };
    const store = newStore();
    try {
      const records = await run(monitor(id, { groups: ['quick', 'slow'] }), context(store, ac.signal));
      const [quick, slow] = records;
      assert.equal(quick!.ok, true);
      assert.equal(slow!.ok, false);
      assert.deepEqual(slow!.reasons.map((r) => r.code), ['DEADLINE']);
      assert.match(slow!.reasons[0]!.message, /^stopped at the function deadline while reading the offsets of group slow \(page 2 of 2\) of ckafka-late0002$/);
      assert.deepEqual(await store.list(historyKey('orders-lag', id, 'slow')), [], 'a cut-short read is not history');
    } finally {
      action.handle = original;
    }
  });
});

describe('history', () => {
  test('kept per group, trimmed to the window', async () => {
    smallInstance('ckafka-hist0001', [1000, 1000, 1000]);
    const store = newStore();
    const m = monitor('ckafka-hist0001', { groups: ['g'], window: 3 });
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) {
      ck.produce('ckafka-hist0001', 'orders', 10);
      ck.consume('ckafka-hist0001', 'g', 'orders', 10);
      statuses.push((await one(m, context(store))).lag!.status);
    }
    assert.deepEqual(statuses, ['WARMING_UP', 'WARMING_UP', 'OK', 'OK', 'OK']);
    const kept = await store.list<{ at: number }>(historyKey('orders-lag', 'ckafka-hist0001', 'g'));
    assert.equal(kept.length, 3);
  });

  test('an unreadable history is kept aside and starts again, instead of failing every run', async () => {
    smallInstance('ckafka-hist0002', [1000, 1000, 1000]);
    const sub = join(dir, `store-${++storeCount}`);
    mkdirSync(sub, { recursive: true });
    const key = historyKey('orders-lag', 'ckafka-hist0002', 'g');
    writeFileSync(join(sub, `${fileName(key)}.json`), '{"items": [{"at": 1, "tot');
    const store = new FileStore(sub);
    const m = monitor('ckafka-hist0002', { groups: ['g'], window: 3 });
    const first = await one(m, context(store));
    assert.match(first.lag!.historyError ?? '', /history was unreadable \(not valid JSON\); kept at .*unreadable-.*, starting afresh/);
    assert.equal((await store.list(key)).length, 1, 'this observation starts the new history');
    const second = await one(m, context(store));
    assert.equal(second.lag!.historyError, undefined);
    assert.equal((await store.list(key)).length, 2);
  });
});

describe('kafkaLag end to end', () => {
  const ENV = { SCFM_CK_ID: ACCOUNT.secretId, SCFM_CK_KEY: ACCOUNT.secretKey, SCFM_CK_WECOM: 'wecom-key-kafka-1' };
  const id = 'ckafka-e2e00001';
  let wecom: WecomStandIn;
  let lines: string[] = [];

  before(async () => {
    wecom = await wecomStandIn(ENV.SCFM_CK_WECOM);
    ck.addInstance(id, REGION);
    ck.addTopic(id, 'orders', 3, 0);
    ck.addTopic(id, 'audit', 2, 0);
    ck.addGroup(id, 'orders-consumer', { members: 2, offsets: { orders: [0, 0, 0], audit: [0, 0] } });
  });
  after(() => wecom.close());
  beforeEach(() => {
    lines = [];
    setLogSink((text) => lines.push(...text.split(/(?<=\n)/)));
  });
  afterEach(() => setLogSink((line) => process.stdout.write(line)));

  function writeConfig(secretKey = '${SCFM_CK_KEY}'): string {
    const path = join(dir, `kafka-${++storeCount}.json`);
    const config = {
      state: { type: 'file', path: join(dir, 'e2e-state') },
      channels: { 'ops-wecom': { type: 'wecom', webhook: `http://127.0.0.1:${wecom.port}${WECOM_PATH}?key=` + '${SCFM_CK_WECOM}' } },
      alerts: { channels: ['ops-wecom'] },
      monitors: [
        {
          name: 'orders-lag',
          type: 'ckafka',
          region: REGION,
          instanceId: id,
          groups: ['orders-consumer'],
          window: 3,
          expect: { maxLag: 1500, topicMaxLag: { audit: 1000 } },
          endpoint: cloud.endpoint('ckafka'),
          proxy: cloud.proxyUrl,
          secretId: '${SCFM_CK_ID}',
          secretKey,
        },
      ],
    };
    writeFileSync(path, JSON.stringify(config, null, 2));
    return path;
  }

  const timer = (): ScfEvent => ({ Type: 'Timer', TriggerName: 'kafka', Time: new Date().toISOString(), Message: '' }) as ScfEvent;
  const invoke = (configPath: string): Promise<Summary> => runFunction('kafkaLag', timer(), { time_limit_in_ms: 30_000 }, { configPath, env: { ...process.env, ...ENV } });

  function noSecrets(summary: Summary): void {
    const all = JSON.stringify(summary) + lines.join('');
    assert.ok(!all.includes(ACCOUNT.secretKey), 'SecretKey in the summary or the log');
    for (const r of wecom.received) assert.ok(!r.raw.includes(ACCOUNT.secretKey), 'SecretKey in an alert');
  }

  test('history builds up, STALL fires and alerts with the worst partitions, then resolves', async () => {
    const configPath = writeConfig();
    const statuses: string[] = [];
    const alerts: string[][] = [];
    const step = async () => {
      lines = [];
      const s = await invoke(configPath);
      noSecrets(s);
      assert.equal(s.results.length, 1);
      const r = s.results[0]!;
      assert.equal(r.function, 'kafkaLag');
      assert.equal(r.subject, 'orders-consumer');
      statuses.push(r.lag?.status ?? `no lag: ${JSON.stringify(r.reasons)}`);
      alerts.push(s.alerts.map((a) => `${a.monitor} ${a.kind}`));
      // One log line per record, with the lag detail.
      const logged = lines.map((l) => JSON.parse(l) as ResultRecord & { event?: string }).filter((l) => l.event === undefined);
      assert.equal(logged.length, 1, lines.join(''));
      assert.equal(logged[0]!.lag?.status, r.lag?.status);
      return s;
    };
    // Runs 1-3: the consumer keeps up.
    for (let i = 0; i < 3; i++) {
      ck.produce(id, 'orders', 100);
      ck.consume(id, 'orders-consumer', 'orders', 100);
      await step();
    }
    // Runs 4-6: producers go on, the consumer commits nothing more.
    for (let i = 0; i < 3; i++) {
      ck.produce(id, 'orders', 200);
      await step();
    }
    // Run 7: still nothing committed.
    ck.produce(id, 'orders', 200);
    const stalled = await invoke(configPath).then((s) => {
      noSecrets(s);
      return s;
    });
    statuses.push(stalled.results[0]!.lag!.status);
    alerts.push(stalled.alerts.map((a) => `${a.monitor} ${a.kind}`));
    // Run 8: the consumer catches up.
    ck.consume(id, 'orders-consumer', 'orders', 10_000);
    const recovered = await step();

    assert.deepEqual(statuses, ['WARMING_UP', 'WARMING_UP', 'OK', 'OK', 'OK', 'STALL', 'STALL', 'OK']);
    const r6 = stalled.results[0]!;
    assert.equal(r6.ok, false);
    assert.deepEqual(r6.reasons.map((x) => x.code), ['STALL', 'LAG_THRESHOLD']);
    assert.match(r6.reasons[0]!.message, /^group orders-consumer: committed offsets of 3 partitions \(orders\/0, orders\/1, orders\/2\) have not moved for 3 observations \(\d+ s\) while lag is 2,400$/);
    assert.equal(r6.reasons[1]!.message, 'group orders-consumer lag 2,400 > 1,500 (orders 2,400)');
    assert.equal(r6.lag!.totalLag, 2400);
    assert.equal(r6.table!.rows.length, 3);
    assert.equal(recovered.ok, true);
    // Alerts: opened at the first STALL (run 6), resolved at run 8.
    assert.deepEqual(alerts, [[], [], [], [], [], ['orders-lag/orders-consumer alert'], [], ['orders-lag/orders-consumer resolved']]);
    const texts = wecom.received.map((r) => (r.json as { markdown: { content: string } }).markdown.content);
    assert.equal(texts.length, 2);
    assert.match(texts[0]!, /committed offsets of 3 partitions/);
    assert.match(texts[0]!, /orders · 0 · 600 · 300 · 900/, 'the worst partitions in the alert');
  });

  test('an open incident that gets worse (LAG_THRESHOLD -> STALL) sends an update; the resolution quotes what was announced', async () => {
    ck.addTopic(id, 'billing', 1, 0);
    ck.addGroup(id, 'billing-consumer', { members: 1, offsets: { billing: [0] } });
    const path = join(dir, `kafka-${++storeCount}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        state: { type: 'file', path: join(dir, 'e2e-state-worse') },
        channels: { 'ops-wecom': { type: 'wecom', webhook: `http://127.0.0.1:${wecom.port}${WECOM_PATH}?key=` + '${SCFM_CK_WECOM}' } },
        alerts: { channels: ['ops-wecom'] },
        monitors: [
          { name: 'billing-lag', type: 'ckafka', region: REGION, instanceId: id, groups: ['billing-consumer'], window: 3, expect: { maxLag: 1500 },
            endpoint: cloud.endpoint('ckafka'), proxy: cloud.proxyUrl, secretId: '${SCFM_CK_ID}', secretKey: '${SCFM_CK_KEY}' },
        ],
      }),
    );
    const from = wecom.received.length;
    const seen: { status: string; alerts: string[] }[] = [];
    const step = async () => {
      const s = await invoke(path);
      noSecrets(s);
      seen.push({ status: s.results[0]!.lag!.status, alerts: s.alerts.map((a) => `${a.kind}${a.worseThan ? ` worse than ${a.worseThan.join('+')}` : ''}`) });
    };
    for (let i = 0; i < 3; i++) {
      ck.produce(id, 'billing', 100);
      ck.consume(id, 'billing-consumer', 'billing', 100);
      await step();
    }
    // Far behind, still consuming: over maxLag.
    ck.produce(id, 'billing', 3000);
    ck.consume(id, 'billing-consumer', 'billing', 100);
    await step();
    // Then the consumer stops committing: STALL once the window holds no movement.
    for (let i = 0; i < 3; i++) {
      ck.produce(id, 'billing', 100);
      await step();
    }
    ck.consume(id, 'billing-consumer', 'billing', 100_000);
    await step();

    const opened = seen.findIndex((x) => x.alerts.some((a) => a === 'alert'));
    const worse = seen.findIndex((x) => x.alerts.some((a) => a.startsWith('alert worse than')));
    assert.ok(opened >= 0 && seen[opened]!.status !== 'STALL', JSON.stringify(seen));
    assert.ok(worse > opened, `an update after the alert: ${JSON.stringify(seen)}`);
    assert.equal(seen[worse]!.status, 'STALL');
    assert.ok(!seen[worse]!.alerts[0]!.includes('STALL'), 'worse than what was announced before');
    assert.deepEqual(seen.at(-1)!.alerts, ['resolved']);
    assert.equal(seen.flatMap((x) => x.alerts).length, 3, `alert, update, resolved: ${JSON.stringify(seen)}`);
    const texts = wecom.received.slice(from).map((r) => (r.json as { markdown: { content: string } }).markdown.content);
    assert.equal(texts.length, 3);
    assert.match(texts[1]!, /告警升级 billing-lag\/billing-consumer/);
    assert.match(texts[1]!, /STALL/);
    assert.match(texts[1]!, /此前/);
    assert.match(texts[2]!, /已恢复 billing-lag/);
    assert.match(texts[2]!, /STALL/, 'the resolution quotes the status people were told of last');
  });

  test('a rejected key: PROVIDER_ERROR in the summary, and the key is nowhere', async () => {
    const s = await invoke(writeConfig('${SCFM_CK_ID}'));
    noSecrets(s);
    assert.equal(s.ok, false);
    assert.match(s.results[0]!.reasons[0]!.message, /^credentials rejected by CKafka for ckafka-e2e00001: /);
  });
});
