/**
 * The crash gap: at-least-once delivery can repeat a confirmed message only if the process
 * dies between the channel's answer and the commit that takes the entry out of the outbox.
 * This measures that window, ms from the moment the (loopback) WeCom robot writes its errcode 0
 * answer to the moment the settling compare-and-set has returned, for the real wecom channel
 * through processAlerts, on the file store (fsync'd write and rename) and on a real
 * redis-server. A script, not a test: `npx tsx bench/crash-gap.ts [reps]`. Loopback only.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { validateFullConfig } from '../lib/functions';
import { processAlerts } from '../lib/alerting/process';
import { loadChannel } from '../lib/channels/load';
import type { FunctionState } from '../lib/alerting/outbox';
import type { ResultRecord } from '../lib/report/record';
import { setLogSink } from '../lib/report/log';
import { FileStore } from '../lib/state/file';
import { RedisStore } from '../lib/state/redis';
import type { Append, StateStore } from '../lib/state/types';
import { PassThroughStore } from '../test/support/pass-through-store';
import { startRedis } from '../test/support/redis';
import { median, percentile } from './util';

const REPS = Number(process.argv[2] ?? 41);

/** Notes when a commit left the outbox without any of the entries that were in it before. */
class Timed extends PassThroughStore {
  committedAt: number | undefined;
  override async compareAndSet<T>(key: string, expected: string | undefined, value: T, appends?: readonly Append[]) {
    const ok = await this.inner.compareAndSet(key, expected, value, appends);
    const v = value as unknown as FunctionState;
    if (ok && Array.isArray(v?.outbox) && v.outbox.length === 0 && this.committedAt === undefined) this.committedAt = performance.now();
    return ok;
  }
}

async function main() {
  setLogSink(() => {});
  let answeredAt: number | undefined;
  const robot = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      answeredAt = performance.now();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((r) => robot.listen(0, '127.0.0.1', r));
  const port = (robot.address() as AddressInfo).port;
  const { config, problems } = validateFullConfig({
    channels: { ops: { type: 'wecom', webhook: `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=bench` } },
    alerts: { channels: ['ops'] },
    monitors: [{ name: 'web', type: 'http', url: 'http://127.0.0.1:9/' }],
  });
  if (problems.length) throw new Error(JSON.stringify(problems));
  const redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'scf-crash-gap-'));
  const stores: Record<string, () => StateStore> = {
    file: () => new FileStore(join(dir, randomUUID())),
    redis: () => new RedisStore({ type: 'redis', url: redis.url, keyPrefix: `gap-${randomUUID()}:`, connectTimeoutMs: 3000 }),
  };
  const out: string[] = [];
  for (const [name, open] of Object.entries(stores)) {
    const gaps: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const store = new Timed(open());
      answeredAt = undefined;
      const at = new Date().toISOString();
      const failing: ResultRecord = {
        timestamp: at, function: 'statusCheck', monitor: 'web', type: 'http', target: 'http://127.0.0.1:9/', ok: false,
        reasons: [{ code: 'HTTP_STATUS', message: 'answered 502' }], stats: { samples: 1, successes: 0, successRate: 0 },
        hostList: ['127.0.0.1'], durationMs: 1, samples: [],
      };
      const s = await processAlerts({ fn: 'statusCheck', config: config!, results: [failing], signal: new AbortController().signal, deadlineAt: Date.now() + 20_000, store, loadChannel });
      await store.close();
      if (!s.deliveries[0]?.ok || answeredAt === undefined || store.committedAt === undefined) throw new Error(`rep ${i}: ${JSON.stringify(s)}`);
      // The first reps warm the JIT and the connection; they are not what a steady function sees.
      if (i >= 3) gaps.push(store.committedAt - answeredAt);
    }
    const f = (n: number) => n.toFixed(2);
    out.push(`${name}: crash gap over ${gaps.length} deliveries: median ${f(median(gaps))} ms, p95 ${f(percentile(gaps, 95))} ms, max ${f(Math.max(...gaps))} ms`);
  }
  robot.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
