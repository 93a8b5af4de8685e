/** The `dns` monitor type (statusCheck). */
import { defineMonitor } from '../module';
import { dnsTarget, runDns } from './run';
import { dnsMonitor } from './schema';

export const dns = defineMonitor({
  schema: dnsMonitor,
  run: runDns,
  target: dnsTarget,
  // Servers are asked in parallel; each may use every attempt.
  worstCaseHow: 'attempts x timeoutMs, all servers at once',
  worstCaseMs: (m) => m.attempts * m.timeoutMs,
});
