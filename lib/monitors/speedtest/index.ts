/** The `speedtest` monitor type (speedTest). */
import { defineMonitor } from '../module';
import { speedtestRunner } from './runner';
import { speedtestMonitor } from './schema';

export const speedtest = defineMonitor({
  schema: speedtestMonitor,
  ...speedtestRunner,
  worstCaseHow: 'rounds of concurrency nodes x nodeTimeoutMs, plus the node page for chinaz',
  worstCaseMs: (m) => {
    // chinaz reads its node page first (bounded by nodeTimeoutMs); scf-regions knows its nodes.
    // Then rounds of `concurrency` nodes, each bounded by nodeTimeoutMs, retries included.
    const nodes = m.select.maxNodes ?? (m.provider === 'scf-regions' ? m.regions.length : 100);
    return (m.provider === 'chinaz' ? m.nodeTimeoutMs : 0) + Math.ceil(nodes / m.concurrency) * m.nodeTimeoutMs;
  },
  usesRoleCredentials: (m) => m.provider === 'scf-regions' && !m.secretId,
});
