/** The `http` monitor type (statusCheck). */
import { redactUrl } from '../../report/redact';
import { defineMonitor } from '../module';
import { samplingWorstCaseMs } from '../sampling';
import { runHttp } from './run';
import { httpMonitor } from './schema';

export const http = defineMonitor({
  schema: httpMonitor,
  run: runHttp,
  target: (m) => redactUrl(m.url),
  // Every attempt times out connecting, then the answer takes the whole read timeout.
  worstCaseHow: 'samples x interval, each sample attempts x connectTimeoutMs + readTimeoutMs',
  worstCaseMs: (m) => samplingWorstCaseMs(m, m.attempts * m.connectTimeoutMs + m.readTimeoutMs),
});
