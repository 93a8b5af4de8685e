/**
 * A sweep fanned out over shards: the timer's invocation invokes the sweep function through
 * the Tencent Cloud stand-in (the real SDK, signed TC3 requests, Invoke with InvocationType
 * Event), whose SCF service runs each shard's handler in this process after answering, as SCF
 * runs an async event on an instance of its own; the shards meet in a real redis-server. The
 * sums must be exact, exactly one invocation aggregates, a repeated event counts once, and a
 * lost shard is judged by the next timer run. Every probed address is in 127.0.0.0/8.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFunction } from '../lib/functions';
import { setLogSink } from '../lib/report/log';
import type { ResultRecord } from '../lib/report/record';
import type { ScfEvent } from '../lib/runtime/scf';
import type { Summary } from '../lib/runtime/summary';
import { runKey, type RunState } from '../lib/monitors/sweep/fanout';
import '../lib/monitors/sweep/types';
import { RedisStore } from '../lib/state/redis';
import { tencentClientConfig } from '../lib/tencent/client-config';
import { Client } from 'tencentcloud-sdk-nodejs-scf/tencentcloud/services/scf/v20180416/scf_client';
import { startTencentCloud, type TencentCloudStandIn } from '../dev/standins/tencent-cloud';
import { scfStandIn, type ScfStandIn } from '../dev/standins/tc-scf';
import { closedPort } from '../dev/standins/servers';
import { blackHole, type BlackHole } from './support/blackhole';
import { startRedis, type RunningRedis } from './support/redis';
import { anyListener, loopback, type AnyListener } from './support/sweep-targets';

const ACCOUNT = { secretId: 'AKIDsweepFanoutTest01', secretKey: 'swSK-never-in-a-log-4b1e' };
const REGION = 'ap-guangzhou';
const ENV = { SCFM_SW_ID: ACCOUNT.secretId, SCFM_SW_KEY: ACCOUNT.secretKey };

describe('sweep fan-out through SCF Invoke (Event) and Redis', () => {
  let redis: RunningRedis;
  let cloud: TencentCloudStandIn;
  let scf: ScfStandIn;
  let listener: AnyListener;
  let hole: BlackHole;
  let refused: number;
  let dir: string;
  const shardSummaries: Summary[] = [];
  /** Shards the stand-in's "SCF" loses: invoked, answered, never run. */
  const lose = new Set<number>();
  const logged: Record<string, unknown>[] = [];

  before(async () => {
    redis = await startRedis();
    listener = await anyListener();
    hole = await blackHole();
    refused = await closedPort();
    dir = mkdtempSync(join(tmpdir(), 'scf-monitor-sweep-fanout-'));
    scf = scfStandIn();
    cloud = await startTencentCloud({ accounts: [ACCOUNT], services: [scf.service] });
    scf.setFunction(REGION, 'sweep', {
      result: async (event) => {
        const shard = (event as { sweepShard?: { shard: number } }).sweepShard?.shard;
        if (shard !== undefined && lose.has(shard)) return null;
        shardSummaries.push(await invoke(event as ScfEvent));
        return null;
      },
    });
    setLogSink((line) => logged.push(...line.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)));
  });
  after(async () => {
    setLogSink((line) => process.stdout.write(line));
    await cloud.close();
    await listener.close();
    await hole.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const configPath = () => join(dir, 'monitors.json');
  /** 300 targets over 3 groups of known loss: answering, refused (reachable too), a third black-holed. */
  function writeConfig(keyPrefix: string) {
    const rows = [
      ...Array.from({ length: 120 }, (_, i) => `${loopback(10, i)}:${listener.port},广东,电信`),
      ...Array.from({ length: 120 }, (_, i) => `${loopback(11, i)}:${refused},江苏,联通`),
      ...Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? `127.0.0.1:${hole.port},北京,移动` : `${loopback(12, i)}:${listener.port},北京,移动`)),
    ];
    writeFileSync(join(dir, 'targets.csv'), rows.join('\n'));
    writeFileSync(
      configPath(),
      JSON.stringify({
        state: { type: 'redis', url: redis.url, keyPrefix },
        monitors: [
          {
            name: 'netsky',
            type: 'sweep',
            targets: { file: 'targets.csv' },
            attempts: 2,
            connectTimeoutMs: 300,
            fanout: {
              targetsPerShard: 50,
              functionName: 'sweep',
              region: REGION,
              secretId: '${SCFM_SW_ID}',
              secretKey: '${SCFM_SW_KEY}',
              endpoint: cloud.endpoint('scf'),
              proxy: cloud.proxyUrl,
            },
          },
        ],
      }),
    );
  }
  function invoke(event: ScfEvent): Promise<Summary> {
    return runFunction('sweep', event, { time_limit_in_ms: 30_000 }, { configPath: configPath(), env: { ...process.env, ...ENV } });
  }
  const timer = () => invoke({ Type: 'Timer', TriggerName: 't', Time: new Date().toISOString(), Message: '' } as ScfEvent);
  const groups = (results: readonly ResultRecord[]) => Object.fromEntries(results.filter((r) => r.subject).map((r) => [r.subject!, r.sweep!]));

  test('the stand-in answers an Event invoke before the function runs, as SCF does, and refuses an event over 128 KB', async () => {
    const { config } = tencentClientConfig({ secretId: ACCOUNT.secretId, secretKey: ACCOUNT.secretKey, endpoint: cloud.endpoint('scf'), proxy: cloud.proxyUrl, apiTimeoutMs: 5000 }, REGION);
    const client = new Client(config);
    let ran = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    scf.setFunction(REGION, 'slow', { result: async () => { await gate; ran = true; return 'done'; } });
    const res = await client.Invoke({ FunctionName: 'slow', InvocationType: 'Event', ClientContext: '{"a":1}' });
    assert.equal(ran, false, 'answered before the function finished');
    assert.match(res.Result!.FunctionRequestId!, /^[0-9a-f-]{36}$/);
    assert.deepEqual([res.Result!.RetMsg, res.Result!.ErrMsg, res.Result!.InvokeResult], ['', '', 0]);
    release();
    await scf.idle();
    assert.equal(ran, true);
    await assert.rejects(client.Invoke({ FunctionName: 'slow', InvocationType: 'Event', ClientContext: JSON.stringify({ pad: 'x'.repeat(128 * 1024) }) }), /limited to 128 KB/);
    scf.removeFunction(REGION, 'slow');
  });

  test('six shards: exact sums, one invocation aggregates, nothing but a shard number travels', async () => {
    writeConfig('fanout-a:');
    shardSummaries.length = 0;
    const from = scf.invocations.length;
    const coordinator = await timer();
    await scf.idle();
    assert.deepEqual(scf.backgroundErrors, []);
    const invocations = scf.invocations.slice(from);
    assert.equal(invocations.length, 5);
    for (const inv of invocations) {
      assert.equal(inv.invocationType, 'Event');
      const e = inv.event as Record<string, unknown>;
      assert.deepEqual(Object.keys(e).sort(), ['Message', 'sweepShard']);
      assert.deepEqual(Object.keys(e.sweepShard as object).sort(), ['run', 'shard']);
      assert.ok(JSON.stringify(e).length < 200);
    }
    assert.deepEqual(invocations.map((i) => (i.event as { sweepShard: { shard: number } }).sweepShard.shard).sort(), [1, 2, 3, 4, 5]);
    const all = [coordinator, ...shardSummaries];
    const aggregating = all.filter((s) => s.results.length > 0);
    assert.equal(aggregating.length, 1, 'exactly one invocation judges the run');
    const results = aggregating[0]!.results;
    const run = results.find((r) => !r.subject)!;
    assert.equal(run.ok, true, JSON.stringify(run.reasons));
    assert.deepEqual([run.sweepRun!.shards, run.sweepRun!.targets, run.sweepRun!.probed], [6, 300, 300]);
    const g = groups(results);
    assert.deepEqual([g['广东/电信']!.targets, g['广东/电信']!.attempts, g['广东/电信']!.answered, g['广东/电信']!.unreachable], [120, 240, 240, 0]);
    assert.deepEqual([g['江苏/联通']!.targets, g['江苏/联通']!.attempts, g['江苏/联通']!.answered, g['江苏/联通']!.lossPercent], [120, 240, 240, 0]);
    assert.deepEqual([g['北京/移动']!.targets, g['北京/移动']!.attempts, g['北京/移动']!.answered, g['北京/移动']!.unreachable], [60, 120, 80, 20]);
    assert.equal(g['北京/移动']!.lossPercent, 33.333);
    // Every shard logged what it added.
    const shardLines = logged.filter((l) => l.event === 'sweep-shard' && l.run === run.sweepRun!.run);
    assert.deepEqual(shardLines.map((l) => l.shard).sort(), [1, 2, 3, 4, 5]);

    // SCF may deliver an async event twice: the repeat is not counted.
    const repeat = await invoke(invocations[0]!.event as ScfEvent);
    assert.deepEqual(repeat.results, []);
    const store = new RedisStore({ type: 'redis', url: redis.url, keyPrefix: 'fanout-a:', connectTimeoutMs: 2000 });
    try {
      const state = (await store.get<RunState>(runKey('netsky')))!.value;
      assert.equal(state.aggregated, true);
      assert.equal(state.counters['广东/电信']!.attempts, 240);
    } finally {
      await store.close();
    }
  });

  test('a lost shard: the run stays open, and the next timer run judges it on the shards that came, naming the lost one', async () => {
    writeConfig('fanout-b:');
    shardSummaries.length = 0;
    lose.add(3);
    try {
      const first = await timer();
      await scf.idle();
      assert.deepEqual([first, ...shardSummaries].flatMap((s) => s.results), [], 'nobody completes a set with a shard missing');
      const second = await timer();
      await scf.idle();
      const judged = second.results;
      const run = judged.find((r) => !r.subject && r.sweepRun?.lostShards)!;
      assert.ok(run, 'the next timer run judged the open run');
      assert.equal(run.ok, false);
      assert.equal(run.reasons[0]!.code, 'SWEEP_INCOMPLETE');
      assert.match(run.reasons[0]!.message, /1 of 6 shards never reported: 3 \(no report before the next run\)/);
      assert.deepEqual(run.sweepRun!.lostShards, [{ shard: 3, why: 'no report before the next run' }]);
      // Shard 3 holds every 6th target from the 4th: 20 of 广东, 20 of 江苏, 10 of 北京 are missing.
      // Shard 3 is still lost in the new run, so only the old run's records are here.
      assert.equal(judged.length, 4);
      const g = groups(judged);
      assert.deepEqual([g['广东/电信']!.targets, g['江苏/联通']!.targets, g['北京/移动']!.targets], [100, 100, 50]);
      assert.equal(g['广东/电信']!.lossPercent, 0);
    } finally {
      lose.clear();
    }
  });

  test('an Invoke that fails is a shard that will not report: the set completes without it and says why', async () => {
    writeConfig('fanout-c:');
    shardSummaries.length = 0;
    cloud.failNext('Invoke', 'ResourceNotFound.FunctionName', 'The function does not exist', 1);
    await timer().then((s) => shardSummaries.push(s));
    await scf.idle();
    const aggregating = shardSummaries.filter((s) => s.results.length > 0);
    assert.equal(aggregating.length, 1);
    const run = aggregating[0]!.results.find((r) => !r.subject)!;
    assert.equal(run.reasons[0]!.code, 'SWEEP_INCOMPLETE');
    assert.match(run.reasons[0]!.message, /no function sweep in namespace default of ap-guangzhou \(ResourceNotFound\.FunctionName\)/);
    assert.equal(run.sweepRun!.lostShards!.length, 1);
    for (const r of cloud.requests) assert.ok(!r.body.includes(ACCOUNT.secretKey));
  });
});
