/** The run's secrets from its config (see lib/report/secrets.ts for why and how they are blanked). */
import { BODY_HEADERS, forms, headerParts, PLAIN_HEADERS, urlPassword, usable } from '../report/secrets';
import type { Config, MonitorConfig } from './schema';

/**
 * The run-wide set, built once per config load: every value taken from `${ENV}`, every header
 * value a monitor sends (but the plain ones), URL passwords. Longest first, so a secret that
 * contains another is blanked whole.
 */
export function collectSecrets(config: Config, envValues: readonly string[]): string[] {
  const out = new Set<string>();
  for (const v of envValues) forms(v, out);
  // Whatever the type: a monitor's `url` may carry a password, its `headers` credentials.
  for (const m of config.monitors as (MonitorConfig & { url?: unknown; headers?: unknown })[]) {
    if (typeof m.url === 'string') urlPassword(m.url, out);
    if (m.headers === null || typeof m.headers !== 'object') continue;
    for (const [k, v] of Object.entries(m.headers as Record<string, unknown>)) {
      if (typeof v !== 'string') continue;
      const name = k.toLowerCase();
      if (!PLAIN_HEADERS.has(name) && !BODY_HEADERS.has(name)) headerParts(name, v, out);
    }
  }
  if (config.state.type === 'redis') urlPassword(config.state.url, out);
  return usable(out);
}

