/**
 * The little HTTP the chinaz provider needs, on node:http directly: keep-alive sockets (at most
 * the run's concurrency), a total timeout, the run's AbortSignal, a cap on the decoded answer,
 * gzip/deflate/br, and redirects for the node page only. This replaced axios, whose per-request
 * work (config merging, header objects, interceptor and transform chains, the follow-redirects
 * wrapper) cost 100 nodes at concurrency 20 about 12% over bare node:http against a 1.2x budget
 * (bench/speedtest-bench.ts); none of its other features (proxies from the environment, JSON,
 * form serialisation, browser adapters) was used.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';

export class TextRequestError extends Error {
  constructor(
    /** ECONNREFUSED, ETIMEDOUT, TOO_LARGE, ABORTED, REDIRECT ... */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TextRequestError';
  }
}

export interface TextResponse {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

export interface TextRequest {
  method: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  signal: AbortSignal;
  maxBytes: number;
  /** GET only; 0 answers a redirect as it is. */
  maxRedirects: number;
}

export interface TextClientOptions {
  timeoutMs: number;
  /** Sockets kept per host: the run's node concurrency. */
  concurrency: number;
  headers: Record<string, string>;
}

export interface TextClient {
  request(url: string | URL, r: TextRequest): Promise<TextResponse>;
  close(): void;
}

function decoded(res: IncomingMessage): Readable {
  switch (String(res.headers['content-encoding'] ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return res.pipe(createGunzip());
    case 'deflate':
      return res.pipe(createInflate());
    case 'br':
      return res.pipe(createBrotliDecompress());
    default:
      return res;
  }
}

export function textClient(opts: TextClientOptions): TextClient {
  const http = new HttpAgent({ keepAlive: true, maxSockets: opts.concurrency });
  const https = new HttpsAgent({ keepAlive: true, maxSockets: opts.concurrency });
  const base: OutgoingHttpHeaders = { 'Accept-Encoding': 'gzip, deflate, br', ...opts.headers };

  const once = (url: URL, r: TextRequest): Promise<TextResponse & { location?: string }> =>
    new Promise((resolve, reject) => {
      if (r.signal.aborted) return reject(new TextRequestError('ABORTED', 'stopped'));
      const headers: OutgoingHttpHeaders = r.headers ? { ...base, ...r.headers } : { ...base };
      if (r.body !== undefined) headers['Content-Length'] = Buffer.byteLength(r.body);
      const secure = url.protocol === 'https:';
      const req = (secure ? httpsRequest : httpRequest)(url, { method: r.method, headers, agent: secure ? https : http });
      let settled = false;
      const fail = (e: TextRequestError) => {
        if (settled) return;
        settled = true;
        cleanup();
        req.destroy();
        reject(e);
      };
      const timer = setTimeout(() => fail(new TextRequestError('ETIMEDOUT', `timeout of ${opts.timeoutMs} ms exceeded`)), opts.timeoutMs);
      const onAbort = () => fail(new TextRequestError('ABORTED', 'stopped'));
      r.signal.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        r.signal.removeEventListener('abort', onAbort);
      };
      req.on('error', (e: NodeJS.ErrnoException) => fail(new TextRequestError(e.code ?? 'ERROR', e.code ? `${e.code}: ${e.message}` : e.message)));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location && r.maxRedirects > 0) {
          // The body of a redirect is not read: the socket goes back to the pool.
          res.resume();
          res.on('end', () => {
            if (settled) return;
            settled = true;
            cleanup();
            resolve({ status, headers: res.headers, text: '', location });
          });
          return;
        }
        const body = decoded(res);
        const chunks: Buffer[] = [];
        let bytes = 0;
        body.on('data', (c: Buffer) => {
          bytes += c.length;
          if (bytes > r.maxBytes) return fail(new TextRequestError('TOO_LARGE', 'the answer was larger than allowed'));
          chunks.push(c);
        });
        body.on('error', (e: NodeJS.ErrnoException) => fail(new TextRequestError(e.code ?? 'ERROR', `the answer could not be read: ${e.message}`)));
        body.on('end', () => {
          if (settled) return;
          settled = true;
          cleanup();
          resolve({ status, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end(r.body);
    });

  return {
    async request(url, r) {
      let at = typeof url === 'string' ? new URL(url) : url;
      for (let hops = 0; ; hops++) {
        const res = await once(at, { ...r, maxRedirects: r.maxRedirects - hops });
        // Past maxRedirects the last redirect itself is the answer (its status says so).
        if (res.location === undefined) return res;
        at = new URL(res.location, at);
        if (at.protocol !== 'http:' && at.protocol !== 'https:') throw new TextRequestError('REDIRECT', `a redirect to ${at.protocol} is not followed`);
      }
    },
    close() {
      http.destroy();
      https.destroy();
    },
  };
}
