/**
 * The rows an alert shows under its reasons: the worst nodes, failed ones first (those that
 * speak for the target, then those that could not run the check), then the slowest.
 */
import type { DetailTable } from '../../report/record';
import { speaksForTarget } from './aggregate';
import type { NodeResult } from './types';

export const TABLE_ROWS = 10;

function cell(v: number | string | undefined): string {
  return v === undefined ? '-' : String(v);
}

export function worstNodesTable(results: readonly NodeResult[], areas: 'province' | 'region'): DetailTable {
  const targetFailed = results.filter((r) => r.error && speaksForTarget(r));
  const answered = results.filter((r) => !r.error).sort((a, b) => (b.totalMs ?? -1) - (a.totalMs ?? -1));
  const couldNotRun = results.filter((r) => r.error && !speaksForTarget(r));
  const rows = [...targetFailed, ...answered, ...couldNotRun].slice(0, TABLE_ROWS).map((r) => [
    r.node,
    cell(areas === 'region' ? r.city : r.isp),
    cell(r.ip),
    cell(r.totalMs),
    r.error ? r.error.code : `HTTP ${cell(r.httpStatus)}`,
  ]);
  return { columns: [areas === 'region' ? 'region' : 'node', areas === 'region' ? 'city' : 'ISP', 'IP', 'total ms', 'result'], rows };
}
