/** The `tcp` monitor type (statusCheck). */
import { defineMonitor } from '../module';
import { samplingWorstCaseMs } from '../sampling';
import { runTcp } from './run';
import { tcpMonitor } from './schema';

export const tcp = defineMonitor({
  schema: tcpMonitor,
  run: runTcp,
  target: (m) => `${m.host}:${m.port}`,
  worstCaseMs: (m) => samplingWorstCaseMs(m, m.attempts * m.connectTimeoutMs),
});
