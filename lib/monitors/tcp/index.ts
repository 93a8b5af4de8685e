/** The `tcp` monitor type (statusCheck). */
import { defineMonitor } from '../module';
import { samplingWorstCaseMs } from '../sampling';
import { runTcp } from './run';
import { tcpMonitor } from './schema';

export const tcp = defineMonitor({
  schema: tcpMonitor,
  run: runTcp,
  target: (m) => `${m.host}:${m.port}`,
  worstCaseHow: 'samples x interval, each sample attempts x connectTimeoutMs',
  worstCaseMs: (m) => samplingWorstCaseMs(m, m.attempts * m.connectTimeoutMs),
});
