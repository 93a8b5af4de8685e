/** The `host` monitor type (heartbeatCheck; reports arrive through ingest). */
import { defineMonitor } from '../module';
import { runHost } from './run';
import { hostMonitor } from './schema';

export const host = defineMonitor({
  schema: hostMonitor,
  run: runHost,
  target: (m) => `/report/${m.name}`,
  // Two store operations.
  worstCaseMs: () => 1000,
});
