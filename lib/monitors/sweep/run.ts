/**
 * A sweep run. The timer's invocation reads the list; a list that fits one invocation is
 * probed here and judged at once. A larger one opens a fan-out run, invokes the other shards
 * and probes shard 0 itself; whichever invocation completes the set (fanout.ts) judges every
 * group against its baseline and returns the records: one per group (`subject` the group,
 * so each group is its own incident) and one for the run.
 */
import { randomUUID } from 'node:crypto';
import { logJson } from '../../report/log';
import type { Reason } from '../../report/codes';
import type { DetailTable, ResultRecord } from '../../report/record';
import { roundMs } from '../../report/stats';
import type { RunContext } from '../context';
import { judgeAndRecord, type GroupVerdict } from './baseline';
import { groupStats, type Counters, type GroupStats } from './counters';
import { addShard, invokeShards, invokeTarget, missingShards, openRun, runKey, shardCount, shardEventOf, type RunState, type ShardEvent } from './fanout';
import { probeShard } from './prober';
import { pushGroups } from './prometheus';
import type { SweepMonitor } from './schema';
import { loadSource, readList, TargetListError, type ListSource, type ParsedList } from './targets';
import type { SweepRunDetail } from './types';

const LIST_FETCH_TIMEOUT_MS = 30_000;
const WORST_SHOWN = 5;

export function sweepTarget(m: SweepMonitor): string {
  const t = m.targets;
  if (Array.isArray(t)) return `${t.length} row${t.length === 1 ? '' : 's'}`;
  if ('file' in t) return t.file;
  const u = new URL(t.url);
  return `${u.origin}${u.pathname}`;
}

interface Aggregate {
  run?: string;
  startedAt: string;
  shards: number;
  total: number;
  counters: Counters;
  lost: { shard: number; why: string }[];
  cut: boolean;
  localErrors: Record<string, number>;
}

function base(m: SweepMonitor, ctx: RunContext, target: string, started: number): Omit<ResultRecord, 'ok' | 'reasons' | 'stats'> {
  return { timestamp: new Date().toISOString(), function: ctx.functionName, monitor: m.name, type: m.type, target, hostList: [], durationMs: roundMs(performance.now() - started), samples: [] };
}

function failure(m: SweepMonitor, ctx: RunContext, started: number, reason: Reason): ResultRecord {
  return { ...base(m, ctx, sweepTarget(m), started), ok: false, reasons: [reason], stats: { samples: 0, successes: 0, successRate: 0 } };
}

const pct = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(2)}`);
const msText = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(x < 10 ? 2 : 0));

/** The worst groups first: furthest above their baseline loss, then slowest against theirs. */
function worstTable(rows: readonly { s: GroupStats; v?: GroupVerdict }[]): DetailTable {
  const lossOver = (r: { s: GroupStats; v?: GroupVerdict }) => (r.s.lossPercent ?? 0) - (r.v?.baselineLossPercent ?? r.s.lossPercent ?? 0);
  const slower = (r: { s: GroupStats; v?: GroupVerdict }) => (r.s.medianMs ?? 0) / (r.v?.baselineMedianMs || r.s.medianMs || 1);
  const worst = [...rows].sort((a, b) => lossOver(b) - lossOver(a) || slower(b) - slower(a)).slice(0, WORST_SHOWN);
  return {
    columns: ['group', 'loss %', 'baseline loss %', 'median ms', 'baseline ms', 'p95 ms', 'unreachable'],
    rows: worst.map(({ s, v }) => [s.group, pct(s.lossPercent), pct(v?.baselineLossPercent), msText(s.medianMs), msText(v?.baselineMedianMs), msText(s.p95Ms), `${s.unreachable}/${s.probed}`]),
  };
}

function deviationReasons(m: SweepMonitor, s: GroupStats, v: GroupVerdict): Reason[] {
  const out: Reason[] = [];
  const runs = `${v.streak} run${v.streak === 1 ? '' : 's'} in a row`;
  if (v.lossDeviates) {
    out.push({
      code: 'LOSS_DEVIATION',
      message: `${s.group}: loss ${pct(s.lossPercent)}% against a baseline of ${pct(v.baselineLossPercent)}% (more than ${m.deviation.lossPoints} points above) for ${runs}; ${s.unreachable} of ${s.probed} targets unreachable`,
    });
  }
  if (v.latencyDeviates) {
    out.push({
      code: 'LATENCY_DEVIATION',
      message: `${s.group}: median connect ${msText(s.medianMs)} ms against a baseline of ${msText(v.baselineMedianMs)} ms (more than ${m.deviation.latencyFactor}×) for ${runs}`,
    });
  }
  return out;
}

/** Judges a completed (or given up) run: one record per group and one for the run. */
async function finish(m: SweepMonitor, ctx: RunContext, started: number, agg: Aggregate): Promise<ResultRecord[]> {
  const stats = Object.entries(agg.counters)
    .map(([g, c]) => groupStats(g, c))
    .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  const now = ctx.now?.() ?? Date.now();
  const verdicts = ctx.store ? await judgeAndRecord(ctx.store(), m.name, m, stats, now) : new Map<string, GroupVerdict>();
  const rows = stats.map((s) => ({ s, v: verdicts.get(s.group) }));
  const table = worstTable(rows);
  const groupRecords: ResultRecord[] = rows.map(({ s, v }) => {
    const reasons = v?.failing ? deviationReasons(m, s, v) : [];
    const { group: _group, ...figures } = s;
    return {
      ...base(m, ctx, s.group, started),
      subject: s.group,
      ok: reasons.length === 0,
      reasons,
      stats: { samples: s.attempts, successes: s.answered, successRate: s.attempts ? s.answered / s.attempts : 0, ...(s.p95Ms !== undefined ? { p95Ms: s.p95Ms } : {}) },
      sweep: { ...figures, ...(v ?? {}) },
      ...(reasons.length ? { table } : {}),
    };
  });
  const failingGroups = groupRecords.filter((r) => !r.ok).length;
  const reasons: Reason[] = [];
  if (agg.lost.length) {
    const shown = agg.lost.slice(0, 5).map((l) => `${l.shard} (${l.why})`).join(', ');
    reasons.push({
      code: 'SWEEP_INCOMPLETE',
      message: `${agg.lost.length} of ${agg.shards} shards never reported: ${shown}${agg.lost.length > 5 ? ', ...' : ''}; the groups are judged on the other shards' targets`,
    });
  }
  const totals = stats.reduce((t, s) => ({ attempts: t.attempts + s.attempts, answered: t.answered + s.answered, probed: t.probed + s.probed }), { attempts: 0, answered: 0, probed: 0 });
  const detail: SweepRunDetail = {
    ...(agg.run ? { run: agg.run } : {}),
    startedAt: agg.startedAt,
    shards: agg.shards,
    ...(agg.lost.length ? { lostShards: agg.lost } : {}),
    targets: agg.total,
    probed: totals.probed,
    groups: stats.length,
    failingGroups,
    ...(Object.keys(agg.localErrors).length ? { localErrors: agg.localErrors } : {}),
  };
  if (m.pushgateway) {
    const pushed = await pushGroups({ ...m.pushgateway, monitor: m.name, ...(ctx.deadlineAt !== undefined ? { deadlineAt: ctx.deadlineAt } : {}) }, rows.map(({ s, v }) => ({ stats: s, ...(v ? { verdict: v } : {}) })));
    detail.pushgateway = pushed;
    if (!pushed.ok) logJson({ event: 'pushgateway', function: ctx.functionName, monitor: m.name, ...pushed });
  }
  const runRecord: ResultRecord = {
    ...base(m, ctx, sweepTarget(m), started),
    ok: reasons.length === 0,
    reasons,
    stats: { samples: totals.attempts, successes: totals.answered, successRate: totals.attempts ? totals.answered / totals.attempts : 0 },
    sweepRun: detail,
    ...(agg.cut ? { cut: { code: 'DEADLINE', message: `the function deadline stopped the sweep after ${totals.probed} of ${agg.total} targets` } } : {}),
    ...(failingGroups || reasons.length ? { table } : {}),
  };
  return [runRecord, ...groupRecords];
}

function fromState(s: RunState, lostWhy: string): Aggregate {
  return {
    run: s.run,
    startedAt: s.startedAt,
    shards: s.shards,
    total: s.total,
    counters: s.counters,
    lost: [...Object.entries(s.failed).map(([shard, why]) => ({ shard: Number(shard), why })), ...missingShards(s).map((shard) => ({ shard, why: lostWhy }))].sort((a, b) => a.shard - b.shard),
    cut: false,
    localErrors: {},
  };
}

async function probeOne(m: SweepMonitor, ctx: RunContext, src: ListSource, shard: number, shards: number): Promise<{ list: ParsedList; counters: Counters; cut: boolean; localErrors: Record<string, number> }> {
  const list = readList(m, src, { shard: { shard, shards } });
  const r = await probeShard(list.shard!, list.groups, { attempts: m.attempts, timeoutMs: m.connectTimeoutMs, concurrency: m.concurrency, signal: ctx.signal });
  return { list, ...r };
}

function listError(err: unknown): Reason | undefined {
  return err instanceof TargetListError ? { code: 'TARGETS_UNREADABLE', message: err.message } : undefined;
}

async function load(m: SweepMonitor, ctx: RunContext): Promise<ListSource> {
  return loadSource(m, { ...(ctx.configDir ? { configDir: ctx.configDir } : {}), signal: ctx.signal, timeoutMs: LIST_FETCH_TIMEOUT_MS });
}

export async function runSweep(m: SweepMonitor, ctx: RunContext): Promise<ResultRecord[]> {
  const started = performance.now();
  const shardEvent = shardEventOf(ctx.event);
  if (shardEvent) return runShard(m, ctx, started, shardEvent);
  const startedAt = new Date().toISOString();
  let src: ListSource;
  let list: ParsedList;
  try {
    src = await load(m, ctx);
    list = readList(m, src);
  } catch (err) {
    const reason = listError(err);
    if (!reason) throw err;
    return [failure(m, ctx, started, reason)];
  }
  const shards = shardCount(m, list.total);
  if (shards === 1) {
    const own = await probeOne(m, ctx, src, 0, 1);
    return finish(m, ctx, started, { startedAt, shards: 1, total: list.total, counters: own.counters, lost: [], cut: own.cut, localErrors: own.localErrors });
  }

  const target = invokeTarget(m);
  if (typeof target === 'string') return [failure(m, ctx, started, { code: 'SWEEP_INCOMPLETE', message: `cannot fan out ${list.total} targets over ${shards} shards: ${target}` })];
  if (!ctx.store) throw new Error('a fan-out sweep needs the state store');
  const store = ctx.store();
  const run = randomUUID();
  const fresh: RunState = { run, listId: list.listId, total: list.total, shards, startedAt, done: [], failed: {}, counters: {}, aggregated: false };
  const out: ResultRecord[] = [];
  const previous = await openRun(store, m.name, fresh);
  // The previous run's missing shards are lost or late; either way it is judged on what it has.
  if (previous) out.push(...(await finish(m, ctx, started, fromState(previous, 'no report before the next run'))));

  const others = Array.from({ length: shards - 1 }, (_, i) => i + 1);
  const notStarted = await invokeShards(m, target, m.name, run, others, { signal: ctx.signal, ...(ctx.deadlineAt !== undefined ? { deadlineAt: ctx.deadlineAt } : {}) });
  const byWhy = new Map<string, number[]>();
  for (const [shard, why] of notStarted) byWhy.set(why, [...(byWhy.get(why) ?? []), shard]);
  for (const [why, list] of byWhy) await addShard(store, m.name, run, list, { failed: why });
  logJson({ event: 'sweep-fanout', function: ctx.functionName, monitor: m.name, run, shards, targets: list.total, invoked: shards - 1 - notStarted.size });

  const own = await probeOne(m, ctx, src, 0, shards);
  const added = await addShard(store, m.name, run, [0], { counters: own.counters });
  if (added.kind === 'complete') out.push(...(await finish(m, ctx, started, { ...fromState(added.state, ''), cut: own.cut, localErrors: own.localErrors })));
  return out;
}

async function runShard(m: SweepMonitor, ctx: RunContext, started: number, ev: ShardEvent): Promise<ResultRecord[]> {
  if (!ctx.store) throw new Error('a sweep shard needs the state store');
  const store = ctx.store();
  const cur = (await store.get<RunState>(runKey(m.name)))?.value;
  const say = (what: string, extra: Record<string, unknown> = {}) => logJson({ event: 'sweep-shard', function: ctx.functionName, monitor: m.name, run: ev.run, shard: ev.shard, what, ...extra });
  if (!cur || cur.run !== ev.run || cur.aggregated || !(ev.shard >= 0 && ev.shard < cur.shards)) {
    say('stale: the run is over or unknown');
    return [];
  }
  if (cur.done.includes(ev.shard)) {
    say('duplicate: already counted');
    return [];
  }
  let outcome;
  let cut = false;
  let localErrors: Record<string, number> = {};
  try {
    const src = await load(m, ctx);
    const own = await probeOne(m, ctx, src, ev.shard, cur.shards);
    cut = own.cut;
    localErrors = own.localErrors;
    if (own.list.listId !== cur.listId) outcome = await addShard(store, m.name, ev.run, [ev.shard], { failed: 'the target list changed after the run began' });
    else outcome = await addShard(store, m.name, ev.run, [ev.shard], { counters: own.counters });
    say(outcome.kind, { targets: own.list.shard!.count, cut });
  } catch (err) {
    const reason = listError(err);
    if (!reason) throw err;
    outcome = await addShard(store, m.name, ev.run, [ev.shard], { failed: reason.message });
    say(outcome.kind, { error: reason.message });
  }
  if (outcome.kind !== 'complete') return [];
  return finish(m, ctx, started, { ...fromState(outcome.state, ''), cut, localErrors });
}


