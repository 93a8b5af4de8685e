/**
 * One POST of a report to ingest. Redirects are not followed: the token would go along to
 * wherever the Location points. Every failure comes back as a kind and a sentence; none of
 * them ever holds the token, even when the server quotes it back.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { contextWithCa } from '../util/trust';
import { onAbort } from '../util/abort';

export interface SendOptions {
  token: string;
  userAgent: string;
  timeoutMs?: number;
  insecure?: boolean;
  /** PEM of a private CA to trust besides the public roots. */
  ca?: string;
  signal?: AbortSignal;
}

export type FailureKind = 'refused' | 'timeout' | 'tls' | 'dns' | 'network' | 'http' | 'stopped';

export type SendResult =
  | { ok: true; status: number; text: string }
  | { ok: false; kind: FailureKind; status?: number; message: string };

/** Enough for ingest's `{"error": "..."}`; a proxy's HTML error page is cut here. */
const MAX_BODY = 4096;
const MAX_TEXT = 200;

/** The URL as the agent prints it: no query string (it may carry `?token=`), no userinfo. */
export function printableUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function isTls(err: NodeJS.ErrnoException): boolean {
  const code = err.code ?? '';
  return /^ERR_(TLS|SSL)_|CERT|_SIGNED|UNABLE_TO_|SELF_SIGNED|HOSTNAME_MISMATCH/.test(code) || (code === 'EPROTO' && /SSL|TLS/i.test(err.message));
}

/** The server's own words, short and on one line; JSON `error` when it sent one. */
export function serverText(body: string, token: string): string {
  let text = body.trim();
  try {
    const j = JSON.parse(text) as unknown;
    if (j && typeof j === 'object' && typeof (j as { error?: unknown }).error === 'string') text = (j as { error: string }).error;
  } catch {
    // not JSON: quote it as it came
  }
  return scrub(text, token).replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, MAX_TEXT);
}

/** A token in text we are about to print, replaced; short tokens too, since a log line is forever. */
export function scrub(text: string, token: string): string {
  return token ? text.split(token).join('***') : text;
}

export function sendReport(url: URL, body: string, o: SendOptions): Promise<SendResult> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const where = printableUrl(url);
  const secure = url.protocol === 'https:';
  return new Promise((resolve) => {
    let settled = false;
    let stopWaiting = () => {};
    const done = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopWaiting();
      req.destroy();
      resolve(r.ok ? r : { ...r, message: scrub(r.message, o.token) });
    };
    const options: https.RequestOptions & Pick<ConnectionOptions, 'secureContext'> = {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${o.token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'user-agent': o.userAgent,
        accept: 'application/json',
        connection: 'close',
      },
    };
    if (secure) {
      options.rejectUnauthorized = !o.insecure;
      if (o.ca) options.secureContext = contextWithCa(o.ca);
    }
    const req = (secure ? https : http).request(url, options);
    let answered = false;
    const timer = setTimeout(() => {
      done({
        ok: false,
        kind: 'timeout',
        message: answered ? `${where}: answer not complete within ${timeoutMs} ms` : `no answer from ${where} within ${timeoutMs} ms`,
      });
    }, timeoutMs);

    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (code === 'ECONNREFUSED') return done({ ok: false, kind: 'refused', message: `connection refused by ${url.host}` });
      if (code === 'ENOTFOUND' || code.startsWith('EAI_')) return done({ ok: false, kind: 'dns', message: `cannot resolve ${url.hostname} (${code})` });
      if (isTls(err)) {
        const hint = o.ca ? '' : ' (--ca FILE for a private CA)';
        return done({ ok: false, kind: 'tls', message: `TLS with ${url.host} failed: ${err.message}${hint}` });
      }
      done({ ok: false, kind: 'network', message: `${where}: ${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}` });
    });

    req.on('response', (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY) chunks.push(c.subarray(0, MAX_BODY - size));
        size += c.length;
      });
      res.on('end', () => {
        const text = serverText(Buffer.concat(chunks).toString('utf8'), o.token);
        if (status >= 200 && status < 300) return done({ ok: true, status, text });
        if (status >= 300 && status < 400) {
          let to = '';
          try {
            if (res.headers.location) to = ` to ${printableUrl(new URL(res.headers.location, url))}`;
          } catch {
            // an unparsable Location says nothing worth printing
          }
          return done({ ok: false, kind: 'http', status, message: `${where} answered ${status}, a redirect${to}; not followed (give the final URL)` });
        }
        done({ ok: false, kind: 'http', status, message: `${where} answered ${status}${text ? `: ${text}` : ''}` });
      });
      res.on('error', (err) => done({ ok: false, kind: 'network', status, message: `${where}: ${err.message}` }));
    });

    if (o.signal) stopWaiting = onAbort(o.signal, () => done({ ok: false, kind: 'stopped', message: 'stopped' }));
    if (!settled) req.end(body);
  });
}
