/** The `host` monitor type (heartbeatCheck; reports arrive through ingest). */
import { defineMonitor } from '../module';
import { runHost } from './run';
import { hostMonitor } from './schema';

export const host = defineMonitor({
  schema: hostMonitor,
  run: runHost,
  target: (m) => `/report/${m.name}`,
  // Two store operations.
  worstCaseHow: 'state-store reads',
  worstCaseMs: () => 1000,
  advise: (m, env) =>
    m.token || env.config.ingest.token
      ? undefined
      : { warning: true, text: 'has no token and ingest.token is not set: ingest refuses its reports (403); set token: "${ENV_VAR}" on it, or ingest.token' },
});
