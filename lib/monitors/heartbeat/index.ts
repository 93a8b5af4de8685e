/** The `heartbeat` monitor type (heartbeatCheck; pings arrive through ingest). */
import { defineMonitor } from '../module';
import { runHeartbeat } from './run';
import { heartbeatMonitor } from './schema';

export const heartbeat = defineMonitor({
  schema: heartbeatMonitor,
  run: runHeartbeat,
  target: (m) => `/ping/${m.name}`,
  // Two store operations.
  worstCaseHow: 'state-store reads',
  worstCaseMs: () => 1000,
  advise: (m, env) =>
    m.token || env.config.ingest.token
      ? undefined
      : { warning: true, text: 'has no token and ingest.token is not set: ingest refuses its pings (403); set token: "${ENV_VAR}" on it, or ingest.token' },
});
