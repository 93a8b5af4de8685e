/** What every monitor run gets from the handler. */
export interface RunContext {
  functionName: string;
  /** Aborts at the function's deadline minus its margin. */
  signal: AbortSignal;
}

/** A URL as it may be printed: a password in it never reaches a log line. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.href;
  } catch {
    return url;
  }
}
