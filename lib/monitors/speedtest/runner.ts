/**
 * The `speedtest` monitor: the provider's nodes -> selection -> measurements (bounded
 * concurrency, per-node timeout, the run's deadline) -> quorum verdict -> one record with the
 * nodes, their aggregates and the worst of them as a table for alerts.
 */
import type { SpeedtestMonitor } from './schema';
import type { RunContext } from '../context';
import type { Runner } from '../module';
import type { Reason } from '../../report/codes';
import type { ResultRecord } from '../../report/record';
import { redactUrl } from '../../report/redact';
import { roundMs } from '../../report/stats';
import { aggregate } from './aggregate';
import { measureNodes } from './measure';
import { ProviderError, type SpeedProvider } from './provider';
import { judgeNodes, type QuorumVerdict } from './quorum';
import { selectNodes } from './select';
import { worstNodesTable } from './table';
import type { NodeResult, SpeedNode } from './types';

/** chinaz tests a host: the URL's, when only a URL is given. */
export function siteHost(m: SpeedtestMonitor): string {
  return m.host ?? new URL(m.url!).hostname.replace(/^\[|\]$/g, '');
}

/** scf-regions fetches a URL: https://<host>/ when only a host is given. */
export function siteUrl(m: SpeedtestMonitor): string {
  return m.url ?? `https://${m.host}/`;
}

// Each provider is loaded on first use, so a bundle's cold start pays for neither cheerio nor
// the SCF SDK and CAT's CommonClient until a monitor needs them. require, not import(): the CLI runs the
// sources through tsx's CommonJS hook, and esbuild still defers the module's evaluation.
async function openProvider(m: SpeedtestMonitor, ctx: RunContext): Promise<SpeedProvider> {
  if (m.provider === 'chinaz') {
    const { chinazProvider } = require('./chinaz') as typeof import('./chinaz');
    return chinazProvider({ baseUrl: m.providerUrl, host: siteHost(m), nodeTimeoutMs: m.nodeTimeoutMs, concurrency: m.concurrency });
  }
  if (m.provider === 'cat') {
    const { catProvider } = require('./cat') as typeof import('./cat');
    return catProvider({
      api: m,
      monitorName: m.name,
      url: siteUrl(m),
      intervalMinutes: m.catIntervalMinutes,
      ...(ctx.deadlineAt !== undefined ? { deadlineAt: ctx.deadlineAt } : {}),
    });
  }
  const { scfRegionsProvider } = require('./scf-regions') as typeof import('./scf-regions');
  return scfRegionsProvider({
    api: m,
    regions: m.regions,
    functionName: m.probeFunction,
    namespace: m.namespace,
    url: siteUrl(m),
    nodeTimeoutMs: m.nodeTimeoutMs,
    ...(ctx.deadlineAt !== undefined ? { deadlineAt: ctx.deadlineAt } : {}),
  });
}

/** One provider step within nodeTimeoutMs and the deadline; a failure is a Reason, never a throw. */
async function step<T>(what: string, m: SpeedtestMonitor, ctx: RunContext, run: (signal: AbortSignal) => Promise<T>): Promise<T | Reason> {
  const timeout = AbortSignal.timeout(m.nodeTimeoutMs);
  try {
    return await run(AbortSignal.any([ctx.signal, timeout]));
  } catch (err) {
    if (ctx.signal.aborted) return { code: 'DEADLINE', message: `stopped at the function deadline while reading the ${what}` };
    if (timeout.aborted) return { code: 'PROVIDER_ERROR', message: `the ${m.provider} ${what} did not arrive within ${m.nodeTimeoutMs} ms (nodeTimeoutMs)` };
    if (err instanceof ProviderError) return { code: 'PROVIDER_ERROR', message: err.message };
    return { code: 'PROVIDER_ERROR', message: `the ${m.provider} provider failed: ${(err as Error)?.message ?? String(err)}` };
  }
}

function failedVerdict(reason: Reason): QuorumVerdict {
  return { ok: false, reasons: [reason], stats: { samples: 0, successes: 0, successRate: 0 }, hostList: [] };
}

function selectionText(m: SpeedtestMonitor): string {
  const parts = [
    m.select.isps?.length ? `isps ${m.select.isps.join(', ')}` : '',
    m.select.provinces?.length ? `provinces ${m.select.provinces.join(', ')}` : '',
  ].filter(Boolean);
  return parts.join(' and ') || 'the selection';
}

async function runSpeedtest(m: SpeedtestMonitor, ctx: RunContext): Promise<ResultRecord> {
  const timestamp = new Date().toISOString();
  const started = performance.now();
  const areas = m.provider === 'scf-regions' ? 'region' : 'province';
  let listed = 0;
  let results: NodeResult[] = [];
  let verdict: QuorumVerdict;

  const provider = await openProvider(m, ctx);
  try {
    const nodes = await step('node list', m, ctx, (signal) => provider.listNodes(signal));
    if (!Array.isArray(nodes)) verdict = failedVerdict(nodes);
    else {
      listed = nodes.length;
      const chosen = selectNodes(nodes, m.select);
      if (chosen.length === 0) {
        verdict = failedVerdict({ code: 'PROVIDER_ERROR', message: `none of the ${listed} nodes the provider lists matches ${selectionText(m)}` });
      } else {
        const prepared = provider.prepare ? await step('task and its results', m, ctx, (signal) => provider.prepare!(chosen, signal)) : undefined;
        if (prepared) verdict = failedVerdict(prepared);
        else {
          results = await measureNodes(provider, chosen, { concurrency: m.concurrency, nodeTimeoutMs: m.nodeTimeoutMs, signal: ctx.signal });
          verdict = judgeNodes(results, m.expect, areas);
        }
      }
    }
  } finally {
    provider.close?.();
  }

  const record: ResultRecord = {
    timestamp,
    function: ctx.functionName,
    monitor: m.name,
    type: m.type,
    target: speedtestRunner.target(m),
    ...verdict,
    durationMs: roundMs(performance.now() - started),
    speed: {
      provider: m.provider,
      ...(m.provider === 'chinaz' ? { host: siteHost(m) } : { url: redactUrl(siteUrl(m)) }),
      nodesListed: listed,
      nodes: results,
      aggregates: aggregate(results),
    },
    samples: [],
  };
  if (results.length) record.table = worstNodesTable(results, areas);
  return record;
}

export const speedtestRunner: Runner<SpeedtestMonitor> = {
  run: runSpeedtest,
  target: (m) => (m.url ? redactUrl(m.url) : (m.host ?? '')),
};
