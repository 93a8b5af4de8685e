/** The speedtest record's detail (`speed`): every node's measurement and the aggregates over them. */
import type { Reason } from '../../report/codes';

/** A probe node a provider can run the check from: a chinaz node, an SCF region, a CAT node. */
export interface SpeedNode {
  /** The provider's id: chinaz's guid, the SCF region, CAT's node code. */
  id: string;
  /** As people read it: `江苏宿迁[电信]`, `ap-guangzhou`. */
  name: string;
  /** The province (chinaz) or the region (scf-regions): what `minProvinces` counts. */
  province: string;
  city?: string;
  /** 电信, 联通, 移动, 多线 (chinaz, cat); none for SCF regions. */
  isp?: string;
}

/**
 * One node's measurement. Times are in milliseconds; a time the provider did not report is
 * absent, never 0. `error` absent means the node fetched the site and it answered 2xx/3xx.
 * An error coded PROVIDER_ERROR (the node could not run the check) or DEADLINE (the run ended
 * first) says nothing about the target and counts neither for nor against it.
 */
export interface NodeResult {
  node: string;
  id: string;
  province: string;
  city?: string;
  isp?: string;
  /** The address the node reached the site at. */
  ip?: string;
  httpStatus?: number;
  totalMs?: number;
  dnsMs?: number;
  connectMs?: number;
  downloadMs?: number;
  downloadKBps?: number;
  error?: Reason;
}

/** Times over the nodes that answered; counts over the nodes that speak for the target. */
export interface Aggregate {
  /** Nodes whose result is about the target (answered, or failed to reach it). */
  nodes: number;
  /** Of those, the ones that failed to reach the site or got an error status. */
  failed: number;
  /** Nodes that could not run the check at all (not counted in `nodes`). */
  providerErrors: number;
  medianMs?: number;
  p90Ms?: number;
  worstMs?: number;
  worstNode?: string;
}

export interface SpeedAggregates {
  overall: Aggregate;
  byIsp: Record<string, Aggregate>;
  byProvince: Record<string, Aggregate>;
}

export interface SpeedDetail {
  provider: 'chinaz' | 'scf-regions' | 'cat';
  host?: string;
  url?: string;
  /** Nodes the provider offered, before `select`. */
  nodesListed: number;
  nodes: NodeResult[];
  aggregates: SpeedAggregates;
}

declare module '../../report/record' {
  interface ResultRecord {
    /** speedtest: the provider, every node's result and the aggregates. */
    speed?: SpeedDetail;
  }
}
