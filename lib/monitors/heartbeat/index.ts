/** The `heartbeat` monitor type (heartbeatCheck; pings arrive through ingest). */
import { defineMonitor } from '../module';
import { runHeartbeat } from './run';
import { heartbeatMonitor } from './schema';

export const heartbeat = defineMonitor({
  schema: heartbeatMonitor,
  run: runHeartbeat,
  target: (m) => `/ping/${m.name}`,
  // Two store operations.
  worstCaseMs: () => 1000,
});
