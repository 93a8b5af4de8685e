/**
 * Which of the provider's nodes run the check: `select.isps`, `select.provinces`, then at most
 * `select.maxNodes`, taken in turns across provinces (and within a province across ISPs) so that
 * a small sample still covers the country instead of the first page of Guangdong nodes.
 */
import type { SpeedNode } from './types';

export interface Selection {
  isps?: readonly string[] | undefined;
  provinces?: readonly string[] | undefined;
  maxNodes?: number | undefined;
}

function matchesProvince(node: SpeedNode, provinces: readonly string[]): boolean {
  // "广东" picks 广东深圳; a full label ("广东深圳") or an SCF region picks itself.
  return provinces.some((p) => node.province === p || node.name.startsWith(p) || node.id === p);
}

/** Takes one item from each group in turn until `n` are taken; each group keeps its order. */
function inTurns<T>(groups: T[][], n: number): T[] {
  const out: T[] = [];
  for (let round = 0; out.length < n; round++) {
    let took = false;
    for (const g of groups) {
      if (round < g.length && out.length < n) {
        out.push(g[round]!);
        took = true;
      }
    }
    if (!took) break;
  }
  return out;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const g = groups.get(k);
    if (g) g.push(it);
    else groups.set(k, [it]);
  }
  return [...groups.values()];
}

export function selectNodes(nodes: readonly SpeedNode[], sel: Selection): SpeedNode[] {
  let picked = nodes.filter(
    (n) => (!sel.isps?.length || (n.isp !== undefined && sel.isps.includes(n.isp))) && (!sel.provinces?.length || matchesProvince(n, sel.provinces)),
  );
  if (sel.maxNodes !== undefined && picked.length > sel.maxNodes) {
    const byProvince = groupBy(picked, (n) => n.province).map((g) => inTurns(groupBy(g, (n) => n.isp ?? ''), g.length));
    const chosen = new Set(inTurns(byProvince, sel.maxNodes));
    // Back in the provider's order, so runs and tables read the same way each time.
    picked = picked.filter((n) => chosen.has(n));
  }
  return picked;
}
