/** The `sweep` monitor type (the sweep function). */
import { defineMonitor } from '../module';
import { runSweep, sweepTarget } from './run';
import { sweepMonitor, type SweepMonitor } from './schema';

/** Reading a list from a URL, and pushing to a Pushgateway, besides the probing itself. */
const OVERHEAD_MS = 30_000 + 5_000;

/** A list in a file or behind a URL is not read to validate the config: assume a shard's worth, or 10,000. */
function targetsPerInvocation(m: SweepMonitor): number {
  if (Array.isArray(m.targets)) return Math.min(m.targets.length * m.ports.length, m.fanout?.targetsPerShard ?? Infinity);
  return m.fanout?.targetsPerShard ?? 10_000;
}

export const sweep = defineMonitor({
  schema: sweepMonitor,
  run: runSweep,
  target: sweepTarget,
  // Per shard: the attempts of every target, concurrency at a time, each at worst a timeout.
  worstCaseHow: 'targets x attempts / concurrency x connectTimeoutMs, plus the list and Pushgateway',
  worstCaseMs: (m) => OVERHEAD_MS + Math.ceil((targetsPerInvocation(m) * m.attempts) / m.concurrency) * m.connectTimeoutMs,
  usesRoleCredentials: (m) => !!m.fanout && !m.fanout.secretId,
  advise: (m, env) => {
    if (!m.fanout || env.timerPeriodMs === undefined) return undefined;
    return {
      warning: false,
      text: `a fan-out sweep: set the function's timeout below ${Math.floor(env.timerPeriodMs / 2000)} s (half the timer period), so every shard reports before the next run judges the last one`,
    };
  },
});
