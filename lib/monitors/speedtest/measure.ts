/**
 * Runs the selected nodes through a provider: at most `concurrency` at once, each within
 * `nodeTimeoutMs` and all within the run's deadline. The timeout is enforced here, not trusted
 * to the provider: a node that never reports costs its slot `nodeTimeoutMs` and no more.
 */
import { onAbort } from '../../util/abort';
import { runPool } from '../../util/pool';
import { blankResult, type SpeedProvider } from './provider';
import type { NodeResult, SpeedNode } from './types';

export interface MeasureOptions {
  concurrency: number;
  nodeTimeoutMs: number;
  /** The run's deadline. */
  signal: AbortSignal;
}

function cutByDeadline(node: SpeedNode, started: boolean): NodeResult {
  return {
    ...blankResult(node),
    error: {
      code: 'DEADLINE',
      message: started ? `${node.name}: stopped at the function deadline before the node reported` : `${node.name}: not run, the function reached its deadline first`,
    },
  };
}

async function measureOne(provider: SpeedProvider, node: SpeedNode, opts: MeasureOptions): Promise<NodeResult> {
  const nodeAbort = new AbortController();
  const timer = setTimeout(() => nodeAbort.abort(), opts.nodeTimeoutMs);
  const stopWaiting = onAbort(opts.signal, () => nodeAbort.abort());
  let gaveUp: () => void = () => {};
  const cut = new Promise<undefined>((resolve) => {
    gaveUp = onAbort(nodeAbort.signal, () => resolve(undefined));
  });
  try {
    // Whether the node was stopped is read when its result arrives: a failure it reported on
    // its own stands even if the deadline passes a moment later.
    const reported = provider.probe(node, nodeAbort.signal).then(
      (r) => ({ r, stopped: nodeAbort.signal.aborted }),
      (err: unknown) => ({
        r: { ...blankResult(node), error: { code: 'PROVIDER_ERROR' as const, message: `${node.name}: ${(err as Error)?.message ?? String(err)}` } },
        stopped: nodeAbort.signal.aborted,
      }),
    );
    // A provider that ignores the signal still loses the race.
    const outcome = await Promise.race([reported, cut]);
    if (outcome && (!outcome.stopped || !outcome.r.error)) return outcome.r;
    if (opts.signal.aborted) return cutByDeadline(node, true);
    return {
      ...blankResult(node),
      error: { code: 'PROVIDER_ERROR', message: `${node.name}: no report from the node within ${opts.nodeTimeoutMs} ms (nodeTimeoutMs)` },
    };
  } finally {
    clearTimeout(timer);
    stopWaiting();
    gaveUp();
  }
}

export function measureNodes(provider: SpeedProvider, nodes: readonly SpeedNode[], opts: MeasureOptions): Promise<NodeResult[]> {
  return runPool(
    nodes,
    opts.concurrency,
    opts.signal,
    (node) => measureOne(provider, node, opts),
    (node) => cutByDeadline(node, false),
  );
}
