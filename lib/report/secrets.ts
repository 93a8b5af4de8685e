/**
 * What we sent must not come back through what we quote. A target or a peer can echo a
 * request: a WAF page whose <title> repeats the Authorization header, an SMTP server quoting
 * our AUTH line, an API error repeating the signature. Records, log lines, the state, alerts
 * and dead letters all quote what they said, so the run blanks every secret from a record as
 * it is made and from every channel's answer as it arrives: everything downstream (incidents,
 * the outbox, messages, the summary) only ever sees the blanked text.
 */

export type Secrets = readonly string[];

/**
 * Shorter values are left alone: blanking "on" or "80" out of every message would make the
 * messages unreadable and protect nothing a guess would not find.
 */
const MIN_SECRET_LENGTH = 4;

/**
 * Request settings, not credentials: their values are not blanked, and they alone follow a
 * redirect to another origin (besides the body's own Content-Type and Content-Length).
 */
export const PLAIN_HEADERS: ReadonlySet<string> = new Set(['user-agent', 'accept', 'accept-language', 'accept-encoding']);
export const BODY_HEADERS: ReadonlySet<string> = new Set(['content-type', 'content-length']);

/** May this header go on to another origin? */
export function followsCrossOrigin(lowerName: string): boolean {
  return PLAIN_HEADERS.has(lowerName) || BODY_HEADERS.has(lowerName);
}

/** A TC3 Authorization header's signature, as a peer may echo it back in an error. */
const TC3_SIGNATURE = /Signature=[0-9A-Fa-f]{16,}/g;

/** The forms a value can come back in: as sent, URL-encoded, or inside a JSON string. */
export function forms(value: string, out: Set<string>): void {
  out.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) out.add(encoded);
  const json = JSON.stringify(value).slice(1, -1);
  if (json !== value) out.add(json);
}

/** A header value and the parts of it a peer might quote alone (the token, the password). */
export function headerParts(name: string, value: string, out: Set<string>): void {
  forms(value, out);
  if (name === 'authorization' || name === 'proxy-authorization') {
    const m = /^(\S+)\s+(.+)$/.exec(value.trim());
    if (m) {
      forms(m[2]!, out);
      if (m[1]!.toLowerCase() === 'basic') {
        const plain = Buffer.from(m[2]!, 'base64').toString('utf8');
        forms(plain, out);
        const colon = plain.indexOf(':');
        if (colon >= 0) forms(plain.slice(colon + 1), out);
      }
    }
  } else if (name === 'cookie') {
    for (const pair of value.split(';')) {
      const eq = pair.indexOf('=');
      if (eq >= 0) forms(pair.slice(eq + 1).trim(), out);
    }
  }
}

export function urlPassword(url: string, out: Set<string>): void {
  if (!url.includes('@')) return;
  try {
    const u = new URL(url);
    if (u.password) {
      forms(decodeURIComponent(u.password), out);
      forms(u.password, out);
    }
  } catch {
    // not a URL: nothing to take from it
  }
}

/** The environment's values alone, for messages about a config that did not validate. */
export function envSecrets(envValues: readonly string[]): string[] {
  const out = new Set<string>();
  for (const v of envValues) forms(v, out);
  return usable(out);
}

export function usable(all: Set<string>): string[] {
  return [...all].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

export function scrubText(text: string, secrets: Secrets): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  if (out.includes('Signature=')) out = out.replace(TC3_SIGNATURE, 'Signature=***');
  return out;
}

/**
 * Whether a record's JSON text may hold something to blank. A string holding a secret shows
 * in the JSON as the secret's JSON form, which `forms` put in the list too; so a false answer
 * means the walk of scrubDeep would change nothing, and a record is checked with a few
 * `includes` on the line it is logged as instead of a walk over every field.
 */
export function mayHoldSecret(json: string, secrets: Secrets): boolean {
  for (const s of secrets) if (json.includes(s)) return true;
  return json.includes('Signature=');
}

/**
 * Every string inside `value` blanked. Copy on write: a record with nothing to blank (nearly
 * all of them) is returned as it is, without a copy.
 */
export function scrubDeep<T>(value: T, secrets: Secrets): T {
  if (typeof value === 'string') return scrubText(value, secrets) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = scrubDeep(value[i], secrets);
      if (next !== value[i]) (copy ??= value.slice())[i] = next;
    }
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    const next = scrubDeep(item, secrets);
    if (next !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = next;
  }
  return (copy ?? value) as T;
}
