/** The `page` monitor type (pagePerf). */
import { redactUrl } from '../../report/redact';
import { defineMonitor } from '../module';
import { samplingWorstCaseMs } from '../sampling';
import { LAUNCH_TIMEOUT_MS, runPage } from './run';
import { pageMonitor } from './schema';

/** After `load`: reading the timings, the checks, a screenshot and closing the context, at their own timeouts. */
const AFTER_LOAD_MS = 15_000;

export const page = defineMonitor({
  schema: pageMonitor,
  run: runPage,
  target: (m) => redactUrl(m.url),
  // The launch, then every sample waiting out its load timeout and every step after it; the
  // close is bounded by the launch's budget too.
  worstCaseMs: (m) => 2 * LAUNCH_TIMEOUT_MS + samplingWorstCaseMs(m, m.loadTimeoutMs + AFTER_LOAD_MS),
  worstCaseHow: 'the browser launch and close, then samples x interval, each up to loadTimeoutMs + 15 s after load',
});
