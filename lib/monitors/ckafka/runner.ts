/**
 * The ckafka monitor: for each consumer group of the instance (the named ones, or all of them),
 * read the offsets and the group's state, compute the lag, evaluate it against the group's
 * history and record this observation. Groups run a few at a time within the deadline; each
 * yields its own record, so a group that fails or runs out of time never costs the others
 * theirs.
 */
import type { CkafkaMonitor } from './schema';
import type { RunContext } from '../context';
import type { Runner } from '../module';
import type { ResultRecord } from '../../report/record';
import { runPool } from '../../util/pool';
import type { StateStore } from '../../state/types';
import { CkafkaStepError, ckafkaReader, type CkafkaReader } from './client';
import { assessGroup } from './assess';
import { failureReason, groupFailure, groupRecord, instanceRecord, instanceWide, type RecordBase } from './records';

/** Groups read at once: each is one DescribeGroupInfo and a few DescribeGroupOffsets pages. */
const GROUP_CONCURRENCY = 4;

const base = (ctx: RunContext): RecordBase => ({ timestamp: new Date().toISOString(), function: ctx.functionName, started: performance.now() });

interface GroupJob {
  m: CkafkaMonitor;
  ctx: RunContext;
  reader: CkafkaReader;
  store: StateStore | undefined;
  /** Why there is no store to keep history in, when opening it failed. */
  storeError?: string;
  named: boolean;
  /** Set by the first group that meets an error every group would meet (bad key, no such instance). */
  shared: { failure?: unknown };
}

async function runGroup(job: GroupJob, group: string): Promise<ResultRecord> {
  const { m, ctx, reader } = job;
  const b = base(ctx);
  if (job.shared.failure) return groupFailure(m, b, group, failureReason(m, job.shared.failure, ctx.signal));

  let fetched;
  try {
    fetched = await Promise.all([reader.groupInfo(group), reader.groupOffsets(group)]);
  } catch (err) {
    if (err instanceof CkafkaStepError && instanceWide(err.apiError)) job.shared.failure ??= err;
    return groupFailure(m, b, group, failureReason(m, err, ctx.signal));
  }
  const [info, offsets] = fetched;
  try {
    const { lag, reasons } = await assessGroup(
      m,
      { group, info, topics: offsets.topics, at: ctx.now?.() ?? Date.now() },
      { ...(job.store ? { store: job.store } : {}), ...(job.storeError ? { storeError: job.storeError } : {}), named: job.named },
    );
    return groupRecord(m, b, lag, reasons);
  } catch (err) {
    // A bug here must not cost the other groups (and monitors) their records.
    return groupFailure(m, b, group, { code: 'PROVIDER_ERROR', message: `evaluating group ${group} of ${m.instanceId} failed: ${(err as Error)?.message ?? String(err)}` });
  }
}

async function runCkafka(m: CkafkaMonitor, ctx: RunContext): Promise<ResultRecord[]> {
  const listing = base(ctx);
  const named = m.groups !== undefined;
  let reader: CkafkaReader;
  try {
    reader = ckafkaReader(m, ctx);
  } catch (err) {
    // No credentials: every group (or the instance, when none are named) says so.
    const reason = failureReason(m, err, ctx.signal);
    return m.groups ? m.groups.map((g) => groupFailure(m, base(ctx), g, reason)) : [instanceRecord(m, listing, reason)];
  }

  let groups = m.groups;
  const out: ResultRecord[] = [];
  if (!groups) {
    try {
      groups = await reader.listGroups();
    } catch (err) {
      return [instanceRecord(m, listing, failureReason(m, err, ctx.signal))];
    }
    out.push(instanceRecord(m, listing));
  }

  const job: GroupJob = { m, ctx, reader, store: undefined, named, shared: {} };
  try {
    job.store = ctx.store?.();
  } catch (err) {
    job.storeError = `history not read: ${(err as Error)?.message ?? String(err)}`;
  }
  const records = await runPool(
    groups,
    GROUP_CONCURRENCY,
    ctx.signal,
    (g) => runGroup(job, g),
    (g) => groupFailure(m, base(ctx), g, { code: 'DEADLINE', message: `stopped at the function deadline before group ${g} of ${m.instanceId} was read` }),
  );
  return [...out, ...records];
}

export const ckafkaRunner: Runner<CkafkaMonitor> = {
  run: runCkafka,
  target: (m) => `${m.region}/${m.instanceId}`,
};
