/**
 * A speed-test provider: it lists the nodes that can test a site and runs the check from one
 * of them. One file per provider (chinaz.ts, scf-regions.ts, cat.ts); the runner knows only this.
 */
import type { NodeResult, SpeedNode } from './types';

export interface SpeedProvider {
  readonly name: 'chinaz' | 'scf-regions' | 'cat';
  /** Throws ProviderError when the provider cannot say which nodes exist. */
  listNodes(signal: AbortSignal): Promise<SpeedNode[]>;
  /**
   * Once per run, with the selected nodes, before any probe: a provider whose nodes measure on
   * their own schedule (cat) finds or creates its task and reads their results here. Throws
   * ProviderError when it cannot.
   */
  prepare?(nodes: readonly SpeedNode[], signal: AbortSignal): Promise<void>;
  /**
   * One node's measurement. Never throws: what the node saw comes back in `error`, and a node
   * that could not run the check at all has a PROVIDER_ERROR. Stops when `signal` aborts.
   */
  probe(node: SpeedNode, signal: AbortSignal): Promise<NodeResult>;
  /** Frees sockets kept for the run. */
  close?(): void;
}

/** The provider could not list its nodes (unreachable, page changed, API refused): never "the target is down". */
export class ProviderError extends Error {
  readonly code = 'PROVIDER_ERROR';
  constructor(message: string) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** A NodeResult carrying only the node's identity, to fill in. */
export function blankResult(node: SpeedNode): NodeResult {
  const r: NodeResult = { node: node.name, id: node.id, province: node.province };
  if (node.city !== undefined) r.city = node.city;
  if (node.isp !== undefined) r.isp = node.isp;
  return r;
}

export function providerFailure(node: SpeedNode, message: string): NodeResult {
  return { ...blankResult(node), error: { code: 'PROVIDER_ERROR', message: `${node.name}: ${message}` } };
}
