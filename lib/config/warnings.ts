/**
 * What `validate` and the build warn about in a config that is valid but will not do what its
 * author meant: channels nothing routes to, and secrets written into the file itself (which
 * the build copies into dist/monitors.json and so into the deployed code package).
 */
import type { PathKey, Problem } from './errors';

const isMapping = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Keys whose value is a credential wherever they appear. */
const SECRET_KEYS = new Set(['pass', 'password', 'secret', 'secretid', 'secretkey', 'sessiontoken', 'token']);
/** Header names that carry credentials. */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie)$|key|token|secret|auth/i;
/** Query parameters that are the credential of a webhook or ping URL. */
const SECRET_PARAM = /^(key|access_token|token|secret|sign|password|apikey|api_key)$/i;

/** A variable name for the advice: channels.ops-mail.pass -> OPS_MAIL_PASS, monitors[1].token -> <its name>_TOKEN. */
function envName(path: PathKey[], raw: Record<string, unknown>): string {
  const parts = path.map((k, i) => {
    if (typeof k !== 'number' || path[i - 1] !== 'monitors' || !Array.isArray(raw.monitors)) return k;
    const m = raw.monitors[k] as { name?: unknown } | undefined;
    return typeof m?.name === 'string' ? m.name : `MONITOR_${k}`;
  });
  return parts
    .filter((k) => typeof k === 'string' && !['channels', 'monitors', 'headers'].includes(k))
    .slice(-2)
    .join('_')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/** Why a literal string is a secret, or undefined; never the value itself. */
function secretIn(key: string, value: string, path: PathKey[]): string | undefined {
  if (value.includes('${') || value === '') return undefined;
  if (SECRET_KEYS.has(key.toLowerCase())) return 'a literal secret';
  if (path.includes('headers') && SECRET_HEADER.test(key)) return `a literal credential in header ${key}`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && URL.canParse(value)) {
    const u = new URL(value);
    if (u.password) return 'a URL with a literal password';
    const param = [...u.searchParams.keys()].find((p) => SECRET_PARAM.test(p));
    if (param) return `a URL with a literal ${param}=`;
    if (key === 'heartbeatUrl' || path[0] === 'heartbeatUrl') return 'a literal ping URL (the URL is the secret)';
  }
  return undefined;
}

export function configWarnings(raw: unknown): Problem[] {
  if (!isMapping(raw)) return [];
  const out: Problem[] = [];
  const visit = (node: unknown, path: PathKey[]) => {
    if (typeof node === 'string') {
      const key = String(path[path.length - 1] ?? '');
      const why = secretIn(key, node, path);
      if (why) {
        const name = envName(path, raw) || 'SECRET';
        out.push({
          path,
          message:
            `${why}: it would be written into dist/monitors.json and the deployed package; write "\${${name}}" ` +
            `and set ${name} in the environment (inputs.environments in serverless.yml)`,
        });
      }
      return;
    }
    if (Array.isArray(node)) node.forEach((x, i) => visit(x, [...path, i]));
    else if (isMapping(node)) for (const [k, x] of Object.entries(node)) visit(x, [...path, k]);
  };
  visit(raw, []);

  const channels = isMapping(raw.channels) ? Object.keys(raw.channels) : [];
  const alerts = isMapping(raw.alerts) ? raw.alerts : {};
  const routed = Array.isArray(alerts.channels) && alerts.channels.length > 0;
  const monitors = Array.isArray(raw.monitors) ? raw.monitors : [];
  const ownRoute = monitors.some((m) => isMapping(m) && isMapping(m.alert) && Array.isArray(m.alert.channels) && m.alert.channels.length > 0);
  if (channels.length && !routed && !ownRoute) {
    out.push({
      path: ['alerts', 'channels'],
      message: `channels are defined (${channels.join(', ')}) but no alert goes to any: set alerts: { channels: [${channels[0]}] } (or a monitor's alert.channels)`,
    });
  }
  return out;
}
