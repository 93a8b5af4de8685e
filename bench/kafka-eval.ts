/**
 * kafkaLag's own cost beyond the API calls (issue 7's budget: under 50 ms of CPU): for a
 * group of 200 topics x 12 partitions (four DescribeGroupOffsets pages of 50 topics, already
 * fetched), the lag per partition and per topic, the history read from and appended to a file
 * store in a temp dir (window 5, so five observations of 2,400 partitions are parsed and
 * written each time), the evaluation, and the record. Offsets move between repetitions as a
 * live consumer's would. Prints the median and spread of CPU (process.cpuUsage, user + system)
 * and wall time (hrtime); asserts nothing.
 *
 *   npx tsx bench/kafka-eval.ts [repetitions]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import type { GroupInfoResponse, GroupOffsetTopic } from 'tencentcloud-sdk-nodejs-ckafka/tencentcloud/services/ckafka/v20190819/ckafka_models';
import { ckafkaMonitor } from '../lib/monitors/ckafka/schema';
import { assessGroup } from '../lib/monitors/ckafka/assess';
import { historyKey } from '../lib/monitors/ckafka/history';
import { groupRecord } from '../lib/monitors/ckafka/records';
import { parseDuration } from '../lib/monitors/ckafka/window';
import { fileName, FileStore } from '../lib/state/file';
import { median, percentile } from './util';

const TOPICS = 200;
const PARTITIONS = 12;
const REPS = Number(process.argv[2] ?? 21);
const MIN = 60_000;
/** `npx tsx bench/kafka-eval.ts 21 10m`: the window as a count (default 5) or a duration. */
const WINDOW: number | string = process.argv[3] === undefined ? 5 : /^\d+$/.test(process.argv[3]) ? Number(process.argv[3]) : process.argv[3];
/** Observations a full window holds at one poll a minute. */
const FILL = typeof WINDOW === 'number' ? WINDOW : Math.ceil((parseDuration(WINDOW) ?? MIN) / MIN) + 1;

const m = v.parse(ckafkaMonitor, {
  name: 'bench-lag',
  type: 'ckafka',
  region: 'ap-guangzhou',
  instanceId: 'ckafka-bench001',
  groups: ['orders-consumer'],
  window: WINDOW,
  expect: { maxLag: 10_000_000, topicMaxLag: { 'topic-007': 50_000 }, maxLagSeconds: 3600 },
});

const info: GroupInfoResponse = {
  ErrorCode: '0',
  State: 'Stable',
  ProtocolType: 'consumer',
  Protocol: 'range',
  Group: 'orders-consumer',
  Members: Array.from({ length: 12 }, (_, i) => ({ MemberId: `consumer-${i}`, ClientId: `consumer-${i}`, ClientHost: `/10.0.0.${i + 10}` })),
};

/** Run `i`'s answer: every partition grows and is consumed a little slower than it grows; a few never committed. */
function answer(i: number): GroupOffsetTopic[] {
  return Array.from({ length: TOPICS }, (_, t) => ({
    Topic: `topic-${String(t).padStart(3, '0')}`,
    Partitions: Array.from({ length: PARTITIONS }, (_, p) => {
      const logEnd = 50_000_000 + t * 10_000 + p * 100 + i * 6000;
      const committed = t % 50 === 0 && p === 11 ? -1 : logEnd - 2000 - i * 50 - ((t * 7 + p) % 300);
      return { Partition: p, Offset: committed, Metadata: '', ErrorCode: 0, LogEndOffset: logEnd, Lag: committed < 0 ? logEnd + 1 : logEnd - committed };
    }),
  }));
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-bench-kafka-'));
  const store = new FileStore(dir);
  const t0 = Date.parse('2026-01-05T06:00:00Z');
  try {
    // Fill the window first, so every timed repetition reads and evaluates a full history.
    for (let i = 0; i < FILL; i++) {
      await assessGroup(m, { group: 'orders-consumer', info, topics: answer(i), at: t0 + i * MIN }, { store, named: true });
    }
    const cpu: number[] = [];
    const wall: number[] = [];
    let status = '';
    for (let r = 0; r < REPS; r++) {
      const i = FILL + r;
      // The answer as the four pages would have arrived: built outside the timing.
      const topics = answer(i);
      const c = process.cpuUsage();
      const w = process.hrtime.bigint();
      const { lag, reasons } = await assessGroup(m, { group: 'orders-consumer', info, topics, at: t0 + i * MIN }, { store, named: true });
      const rec = groupRecord(m, { timestamp: new Date().toISOString(), function: 'kafkaLag', started: performance.now() }, lag, reasons);
      JSON.stringify(rec); // the log line
      wall.push(Number(process.hrtime.bigint() - w) / 1e6);
      cpu.push(cpuMs(process.cpuUsage(c)));
      status = `${lag.status}, ${lag.observations} observations, total lag ${lag.totalLag}, ${reasons.length} reasons`;
    }
    const file = join(dir, `${fileName(historyKey(m.name, m.instanceId, 'orders-consumer'))}.json`);
    const line = (label: string, xs: number[]) =>
      `${label.padEnd(6)} median ${median(xs).toFixed(1)} ms   p90 ${percentile(xs, 90).toFixed(1)} ms   min ${Math.min(...xs).toFixed(1)} ms   max ${Math.max(...xs).toFixed(1)} ms`;
    console.log(`kafkaLag evaluation beyond the API calls: ${TOPICS} topics x ${PARTITIONS} partitions (${TOPICS * PARTITIONS} partitions, ${Math.ceil(TOPICS / 50)} pages), window ${WINDOW}, file store, ${REPS} repetitions`);
    console.log(line('CPU', cpu));
    console.log(line('wall', wall));
    console.log(`budget: < 50 ms CPU -> ${median(cpu) < 50 ? 'within' : 'OVER'}`);
    console.log(`history file: ${(statSync(file).size / 1024).toFixed(1)} KiB for ${FILL} observations; last result: ${status}`);
    console.log(`heap used after: ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(1)} MiB`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
