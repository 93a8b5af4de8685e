/**
 * Fan-out: a list one invocation cannot finish is split into shards, and the timer's
 * invocation starts the others through SCF's Invoke API with InvocationType Event (SCF queues
 * them and runs them on its own instances: SCF is the distributed engine). An event carries
 * only the run's id and a shard number (async events are limited to 128 KB); every shard reads
 * the same list and keeps every S-th target from its own number, so each shard holds a
 * sample of every group.
 *
 * The run's record in the store holds the shards done and the group counters summed so far.
 * A shard adds its counters and marks itself done in one compare-and-set, so the sums are
 * exact however the shards race, and a shard SCF delivers twice is counted once. The
 * compare-and-set that completes the set also claims the aggregation: exactly one invocation
 * judges and alerts. A shard that never reports (lost, crashed, timed out) leaves the run
 * open; the next timer run then aggregates what arrived, names the missing shards
 * (SWEEP_INCOMPLETE), and starts its own run.
 */
import { Client } from 'tencentcloud-sdk-nodejs-scf/tencentcloud/services/scf/v20180416/scf_client';
import type { InvokeRequest, InvokeResponse } from 'tencentcloud-sdk-nodejs-scf/tencentcloud/services/scf/v20180416/scf_models';
import { isTencentApiError } from '../../tencent/api-error';
import { callApiWithRetry, type ApiClient } from '../../tencent/call';
import { tencentClientConfig } from '../../tencent/client-config';
import type { StateStore } from '../../state/types';
import { update } from '../../state/types';
import { mergeCounters, type Counters } from './counters';
import type { SweepMonitor } from './schema';

/** What the event of a shard's invocation carries besides the Message naming the monitor. */
export interface ShardEvent {
  run: string;
  shard: number;
}

export const SHARD_EVENT_KEY = 'sweepShard';
/** SCF's limit on an asynchronous invocation's event. */
export const ASYNC_EVENT_LIMIT_BYTES = 128 * 1024;
const INVOKE_CONCURRENCY = 16;

export interface RunState {
  run: string;
  listId: string;
  total: number;
  shards: number;
  startedAt: string;
  done: number[];
  /** Shards that will never report, and why (the invoke failed, the list changed). */
  failed: Record<string, string>;
  counters: Counters;
  /** Set by the invocation that claimed the aggregation. */
  aggregated: boolean;
}

export const runKey = (monitor: string) => `sweep/${monitor}/run`;

export function shardEventOf(event: Readonly<Record<string, unknown>> | undefined): ShardEvent | undefined {
  const e = event?.[SHARD_EVENT_KEY] as Partial<ShardEvent> | undefined;
  if (!e || typeof e !== 'object' || typeof e.run !== 'string' || !Number.isInteger(e.shard)) return undefined;
  return { run: e.run, shard: e.shard! };
}

export function shardCount(m: SweepMonitor, total: number): number {
  if (!m.fanout) return 1;
  return Math.min(m.fanout.maxShards, Math.max(1, Math.ceil(total / m.fanout.targetsPerShard)));
}

export function missingShards(s: RunState): number[] {
  const seen = new Set([...s.done, ...Object.keys(s.failed).map(Number)]);
  const out: number[] = [];
  for (let i = 0; i < s.shards; i++) if (!seen.has(i)) out.push(i);
  return out;
}

const complete = (s: RunState) => missingShards(s).length === 0;

/**
 * Opens a new run. An earlier run still open is claimed for aggregation and returned (its
 * shards are lost or late: the new run replaces it either way).
 */
export async function openRun(store: StateStore, monitor: string, fresh: RunState): Promise<RunState | undefined> {
  return update<RunState, RunState | undefined>(store, runKey(monitor), (cur) => ({
    value: fresh,
    result: cur && !cur.aggregated ? cur : undefined,
  }));
}

export type AddOutcome =
  /** This shard completed the set: the caller aggregates `state`. */
  | { kind: 'complete'; state: RunState }
  | { kind: 'added' }
  /** Not this run's any more (a newer run replaced it, or the set was complete), or a repeat delivery. */
  | { kind: 'stale' | 'duplicate' };

/** Adds a shard's counters (or its failure) to the run, and claims the aggregation if it completes the set. */
export async function addShard(store: StateStore, monitor: string, run: string, shards: number[], add: { counters?: Counters; failed?: string }): Promise<AddOutcome> {
  // Nothing to add to (and nothing to write: an update would create the key).
  if (!(await store.get<RunState>(runKey(monitor)))) return { kind: 'stale' };
  return update<RunState, AddOutcome>(store, runKey(monitor), (cur) => {
    if (!cur || cur.run !== run || cur.aggregated) return { value: cur!, result: { kind: 'stale' } };
    const fresh = shards.filter((s) => !cur.done.includes(s) && cur.failed[String(s)] === undefined);
    if (!fresh.length) return { value: cur, result: { kind: 'duplicate' } };
    const next: RunState = { ...cur, done: [...cur.done], failed: { ...cur.failed }, counters: structuredClone(cur.counters) };
    for (const s of fresh) {
      if (add.failed !== undefined) next.failed[String(s)] = add.failed;
      else next.done.push(s);
    }
    if (add.counters) mergeCounters(next.counters, add.counters);
    if (!complete(next)) return { value: next, result: { kind: 'added' } };
    next.aggregated = true;
    return { value: next, result: { kind: 'complete', state: next } };
  });
}

export interface InvokeTarget {
  functionName: string;
  namespace: string;
  region: string;
}

export function invokeTarget(m: SweepMonitor, env: NodeJS.ProcessEnv = process.env): InvokeTarget | string {
  const f = m.fanout!;
  const functionName = f.functionName ?? env.SCF_FUNCTIONNAME;
  const region = f.region ?? env.TENCENTCLOUD_REGION;
  if (!functionName) return 'fanout.functionName is not set and SCF_FUNCTIONNAME is not in the environment (it is on SCF)';
  if (!region) return 'fanout.region is not set and TENCENTCLOUD_REGION is not in the environment (it is on SCF)';
  return { functionName, region, namespace: f.namespace ?? env.SCF_NAMESPACE ?? 'default' };
}

/**
 * Invokes shards asynchronously; resolves with the shards that could not be started, and why.
 * Each call is retried on throttling and transport failures while the deadline allows: a shard
 * started twice is counted once.
 */
export async function invokeShards(
  m: SweepMonitor,
  target: InvokeTarget,
  monitorName: string,
  run: string,
  shards: readonly number[],
  opts: { signal: AbortSignal; deadlineAt?: number },
): Promise<Map<number, string>> {
  const failed = new Map<number, string>();
  const f = m.fanout!;
  let client: ApiClient;
  let secrets: string[];
  try {
    const setup = tencentClientConfig(f, target.region);
    client = new Client(setup.config) as unknown as ApiClient;
    secrets = setup.secrets;
  } catch (err) {
    for (const s of shards) failed.set(s, `cannot call SCF: ${(err as Error).message}`);
    return failed;
  }
  const host = f.endpoint ? new URL(f.endpoint).host : 'scf.tencentcloudapi.com';
  let next = 0;
  const worker = async () => {
    while (next < shards.length) {
      const shard = shards[next++]!;
      if (opts.signal.aborted) {
        failed.set(shard, 'not started: the function deadline came first');
        continue;
      }
      const event = { Message: JSON.stringify({ monitors: [monitorName] }), [SHARD_EVENT_KEY]: { run, shard } satisfies ShardEvent };
      const req: InvokeRequest = { FunctionName: target.functionName, Namespace: target.namespace, InvocationType: 'Event', ClientContext: JSON.stringify(event) };
      try {
        const res = await callApiWithRetry<InvokeResponse>(client, 'Invoke', req, {
          signal: opts.signal,
          host,
          secrets,
          maxAttempts: 3,
          ...(opts.deadlineAt !== undefined ? { deadlineAt: opts.deadlineAt } : {}),
        });
        if (!res?.Result?.FunctionRequestId) failed.set(shard, 'Invoke answered without a FunctionRequestId');
      } catch (err) {
        const where = `${target.functionName} in namespace ${target.namespace} of ${target.region}`;
        if (!isTencentApiError(err)) failed.set(shard, `Invoke failed: ${(err as Error)?.message ?? String(err)}`);
        else if (/^ResourceNotFound|^InvalidParameterValue.FunctionName/.test(err.code)) failed.set(shard, `no function ${where} (${err.code})`);
        else failed.set(shard, `Invoke of ${where}: ${err.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(INVOKE_CONCURRENCY, shards.length) }, worker));
  return failed;
}
