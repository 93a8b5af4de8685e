/**
 * An HTTP function on a local port: each request becomes the function URL event SCF would
 * send (lower-case headers, x-scf-remote-addr, queryString, a UTF-8 body or base64 with
 * isBase64Encoded) and the handler's answer is written back. For the tests, the demo, and teams
 * that run ingest on their own host behind nginx.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpAnswer, HttpEvent } from './http';

/** SCF's limit on a synchronous request; larger bodies are refused before the handler runs. */
export const SERVE_MAX_BODY_BYTES = 6 * 1024 * 1024;

export type HttpHandler = (event: HttpEvent) => Promise<HttpAnswer>;

function eventOf(req: IncomingMessage, body: Buffer): HttpEvent {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const queryString: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    queryString[key] = all.length === 1 ? all[0]! : all;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  headers['x-scf-remote-addr'] = req.socket.remoteAddress ?? '';
  const text = body.toString('utf8');
  const utf8 = Buffer.byteLength(text, 'utf8') === body.length && !text.includes('\uFFFD');
  return {
    httpMethod: req.method ?? 'GET',
    path: url.pathname,
    queryString,
    headers,
    body: utf8 ? text : body.toString('base64'),
    ...(utf8 ? {} : { isBase64Encoded: true }),
  };
}

function write(res: ServerResponse, a: HttpAnswer, head: boolean): void {
  res.writeHead(a.statusCode, head ? a.headers : { ...a.headers, 'content-length': String(Buffer.byteLength(a.body)) });
  res.end(head ? undefined : a.body);
}

export function serveHttp(handler: HttpHandler, opts: { port: number; host?: string }): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > SERVE_MAX_BODY_BYTES) {
        if (!refused) {
          refused = true;
          res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
          res.end(JSON.stringify({ error: `the body is larger than ${SERVE_MAX_BODY_BYTES} bytes` }));
          req.destroy();
        }
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (refused) return;
      handler(eventOf(req, Buffer.concat(chunks))).then(
        (a) => write(res, a, req.method === 'HEAD'),
        () => write(res, { statusCode: 500, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"error":"internal error"}' }, req.method === 'HEAD'),
      );
    });
    req.on('error', () => res.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      const a = server.address() as AddressInfo;
      resolve({ server, url: `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}` });
    });
  });
}
