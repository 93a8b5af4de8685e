/** What may be printed of a config value. */

/** A URL as it may be printed: a password in it never reaches a log line. */
export function redactUrl(url: string): string {
  // No "@", no userinfo: most URLs need no parsing at all.
  if (!url.includes('@')) return url;
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.href;
  } catch {
    return url;
  }
}
