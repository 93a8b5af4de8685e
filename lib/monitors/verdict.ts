/**
 * Turns samples into the record's stats and reasons, the same way for every sampled type:
 * success rate against `minSuccessRate`, mean response time against `maxMeanMs`, and the
 * failed samples grouped by code so a message reads "3 of 10 samples: ...".
 */
import type { FailureCode, Reason } from '../report/codes';
import type { Stats } from '../report/record';
import { mean, percentile, roundMs, roundRatio, std } from '../report/stats';
import type { Cut } from './sampling';

export interface Judged {
  ok: boolean;
  error?: Reason;
  /** Response time, for samples that got an answer from the target. */
  timeMs?: number;
  remoteAddress?: string;
}

export interface Verdict {
  ok: boolean;
  reasons: Reason[];
  stats: Stats;
  hostList: string[];
  /** The deadline stopped the monitor after some samples: it is judged on those (see record.ts). */
  cut?: Reason;
}

export function judge(
  judged: readonly Judged[],
  expect: { minSuccessRate: number; maxMeanMs: number },
  planned: number,
  cut: Cut,
  extra: Reason[] = [],
): Verdict {
  // Plain loops: this runs for every monitor of every run, a thousand at a time.
  const n = judged.length;
  let successes = 0;
  const times: number[] = [];
  const hostList: string[] = [];
  for (const s of judged) {
    if (s.ok) successes++;
    if (s.timeMs !== undefined) times.push(s.timeMs);
    if (s.remoteAddress && !hostList.includes(s.remoteAddress)) hostList.push(s.remoteAddress);
  }
  const m = mean(times);
  const stats: Stats = { samples: n, successes, successRate: n ? roundRatio(successes / n) : 0 };
  if (m !== undefined) {
    stats.meanMs = roundMs(m);
    stats.stdMs = roundMs(std(times)!);
    stats.p95Ms = roundMs(percentile(times, 95)!);
  }

  const reasons: Reason[] = [];
  let deadline: Reason | undefined;
  if (cut === 'during') {
    deadline = {
      code: 'DEADLINE',
      message:
        `stopped at the function deadline while sample ${n + 1} of ${planned} was still waiting on the target` +
        (n ? ` (${n} sample${n === 1 ? '' : 's'} kept)` : ''),
    };
  } else if (cut === 'between') {
    deadline = {
      code: 'DEADLINE',
      message:
        n === 0
          ? `not run: the function reached its deadline first (raise the timeout or lower samples/concurrency)`
          : `stopped at the function deadline after ${n} of ${planned} samples`,
    };
  }
  // The deadline is our limit, not the target's failure: with samples in hand the monitor is
  // judged on them and the cut is only noted; with none it is not judged at all (a DEADLINE
  // record with no samples, which moves no incident).
  if (deadline && n === 0) reasons.push(deadline);
  if (n > 0 && successes / n < expect.minSuccessRate) {
    if (successes > 0) {
      reasons.push({
        code: 'LOW_SUCCESS_RATE',
        message: `success rate ${stats.successRate} (${successes} of ${n} samples) is below ${expect.minSuccessRate}`,
      });
    }
    reasons.push(...groupFailures(judged));
  }
  if (m !== undefined && m > expect.maxMeanMs) {
    reasons.push({
      code: 'SLOW_RESPONSE',
      message: `mean response time ${roundMs(m)} ms over ${times.length} samples is above ${expect.maxMeanMs} ms`,
    });
  }
  reasons.push(...extra);
  const verdict: Verdict = { ok: reasons.length === 0, reasons, stats, hostList };
  if (deadline && n > 0) verdict.cut = { code: 'DEADLINE', message: `${deadline.message}; judged on ${n === 1 ? 'that one' : `those ${n}`}` };
  return verdict;
}

function groupFailures(judged: readonly Judged[]): Reason[] {
  const groups = new Map<FailureCode, string[]>();
  for (const s of judged) {
    if (s.ok || !s.error) continue;
    const list = groups.get(s.error.code) ?? [];
    list.push(s.error.message);
    groups.set(s.error.code, list);
  }
  return [...groups.entries()]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([code, messages]) => {
      const distinct = [...new Set(messages)];
      const shown = distinct.slice(0, 3).join('; ');
      const more = distinct.length > 3 ? `; and ${distinct.length - 3} other messages` : '';
      return { code, message: `${messages.length} of ${judged.length} samples: ${shown}${more}` };
    });
}
