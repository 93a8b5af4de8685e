/** The `speedtest` monitor type (speedTest). */
import { defineMonitor } from '../module';
import { speedtestRunner } from './runner';
import { speedtestMonitor } from './schema';

export const speedtest = defineMonitor({
  schema: speedtestMonitor,
  ...speedtestRunner,
  worstCaseHow: 'rounds of concurrency nodes x nodeTimeoutMs, plus the node page for chinaz',
  worstCaseMs: (m) => {
    // chinaz reads its node page first (bounded by nodeTimeoutMs); scf-regions knows its nodes;
    // cat lists its nodes and then reads its task's results (each bounded by nodeTimeoutMs) and
    // its probes answer from what it read. Otherwise rounds of `concurrency` nodes, each
    // bounded by nodeTimeoutMs, retries included.
    if (m.provider === 'cat') return 2 * m.nodeTimeoutMs;
    const nodes = m.select.maxNodes ?? (m.provider === 'scf-regions' ? m.regions.length : 100);
    return (m.provider === 'chinaz' ? m.nodeTimeoutMs : 0) + Math.ceil(nodes / m.concurrency) * m.nodeTimeoutMs;
  },
  usesRoleCredentials: (m) => (m.provider === 'scf-regions' || m.provider === 'cat') && !m.secretId,
});
