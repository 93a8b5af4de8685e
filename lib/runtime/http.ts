/**
 * Every HTTP function sits behind a function URL (API Gateway triggers are retired). Tencent's
 * function URL document gives the event as `{ httpMethod, path, queryString, headers, body }`
 * with lower-case header names and `x-scf-remote-addr`, and takes `{ statusCode, headers,
 * body }` back. `isBase64Encoded` is honoured when present (the document's apigw-compatible
 * example drops it), and a repeated query key may arrive as a list: both are read either way.
 * One adapter for every HTTP function, so `scf-monitor serve` runs the same handler.
 */
export interface HttpEvent {
  httpMethod: string;
  path: string;
  queryString?: Record<string, string | string[] | undefined>;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpRequest {
  method: string;
  path: string;
  query: Map<string, string>;
  /** Lower-case names. */
  headers: Map<string, string>;
  body: Buffer;
  remoteAddress?: string;
}

export function isHttpEvent(e: unknown): e is HttpEvent {
  const x = e as Partial<HttpEvent> | null;
  return typeof x === 'object' && x !== null && typeof x.httpMethod === 'string' && typeof x.path === 'string';
}

export function requestOf(e: HttpEvent): HttpRequest {
  const query = new Map<string, string>();
  for (const [k, v] of Object.entries(e.queryString ?? {})) {
    const value = Array.isArray(v) ? v[v.length - 1] : v;
    if (typeof value === 'string') query.set(k, value);
  }
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(e.headers ?? {})) if (typeof v === 'string') headers.set(k.toLowerCase(), v);
  const body = e.body === undefined || e.body === null ? Buffer.alloc(0) : Buffer.from(e.body, e.isBase64Encoded ? 'base64' : 'utf8');
  const remote = headers.get('x-scf-remote-addr');
  return { method: e.httpMethod.toUpperCase(), path: e.path, query, headers, body, ...(remote ? { remoteAddress: remote } : {}) };
}

/** A JSON answer; error answers are `{ "error": "..." }`, never a stack trace. */
export function json(statusCode: number, value: unknown, headers: Record<string, string> = {}): HttpAnswer {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

export const error = (statusCode: number, message: string, headers: Record<string, string> = {}): HttpAnswer => json(statusCode, { error: message }, headers);
