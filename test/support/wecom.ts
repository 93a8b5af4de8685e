/**
 * A strict loopback stand-in for the WeCom group robot (`POST /cgi-bin/webhook/send?key=`),
 * answering with WeCom's own errcodes, plus the switchable fault modes the robot stand-ins
 * share (dingtalk.ts builds on `robotStandIn`). Errcodes as WeCom returns them in the wild:
 * 93000 "invalid webhook url", 40008 "invalid message type", 44004 "empty content",
 * 40058 "markdown.content exceed max length 4096", 45009 "api freq out of limit".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Answer {
  errcode: number;
  errmsg: string;
}

/** `refuse` stops listening; `hang` takes the request and never answers. */
export type Mode = 'ok' | 'refuse' | 'hang' | 'http500' | 'rateLimited' | 'permanent' | Answer;

export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string;
  raw: string;
  json?: unknown;
  /** What the stand-in answered; absent while hanging. */
  status?: number;
  answer?: Answer;
}

export interface RobotStandIn {
  port: number;
  /** http://127.0.0.1:<port><pathAndQuery> */
  url: (pathAndQuery: string) => string;
  received: Received[];
  setMode: (mode: Mode) => Promise<void>;
  close: () => Promise<void>;
}

export interface RobotRules {
  /** The only path the robot answers on; any other gets HTTP 404. */
  path: string;
  /** The verdict on a request in `ok` mode. */
  check: (r: Received, req: IncomingMessage) => Answer;
  rateLimited: Answer;
  permanent: Answer;
}

const MAX_REQUEST_BYTES = 1024 * 1024;

export async function robotStandIn(rules: RobotRules): Promise<RobotStandIn> {
  let mode: Mode = 'ok';
  let server: Server | undefined;
  let port = 0;
  const sockets = new Set<Socket>();
  const received: Received[] = [];

  const reply = (res: ServerResponse, r: Received, status: number, answer?: Answer) => {
    r.status = status;
    if (answer) r.answer = answer;
    res.writeHead(status, { 'content-type': answer ? 'application/json; charset=UTF-8' : 'text/plain' });
    res.end(answer ? JSON.stringify(answer) : `HTTP ${status}`);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const raw = Buffer.concat(chunks).toString('utf8');
      const r: Received = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        contentType: String(req.headers['content-type'] ?? ''),
        raw,
      };
      try {
        r.json = JSON.parse(raw);
      } catch {
        // left undefined: the rules answer for it
      }
      received.push(r);
      if (mode === 'hang') return;
      if (mode === 'http500') return reply(res, r, 500);
      if (mode === 'rateLimited') return reply(res, r, 200, rules.rateLimited);
      if (mode === 'permanent') return reply(res, r, 200, rules.permanent);
      if (typeof mode === 'object') return reply(res, r, 200, mode);
      if (r.path !== rules.path) return reply(res, r, 404);
      if (r.method !== 'POST') return reply(res, r, 405);
      reply(res, r, 200, rules.check(r, req));
    });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(handle);
      s.on('connection', (sock: Socket) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        port = (s.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      for (const sock of sockets) sock.destroy();
      if (!s) return resolve();
      s.close(() => resolve());
    });

  await listen();
  return {
    port,
    url: (pathAndQuery) => `http://127.0.0.1:${port}${pathAndQuery}`,
    received,
    setMode: async (m) => {
      mode = m;
      if (m === 'refuse') await stop();
      else if (!server) await listen();
    },
    close: stop,
  };
}

export const WECOM_PATH = '/cgi-bin/webhook/send';
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export interface WecomStandIn extends RobotStandIn {
  key: string;
  /** The full webhook URL with the right key. */
  webhook: string;
}

export async function wecomStandIn(key: string): Promise<WecomStandIn> {
  const robot = await robotStandIn({
    rateLimited: { errcode: 45009, errmsg: 'api freq out of limit' },
    permanent: { errcode: 93000, errmsg: 'invalid webhook url' },
    path: WECOM_PATH,
    check: (r) => {
      if (r.query.get('key') !== key) return { errcode: 93000, errmsg: 'invalid webhook url' };
      // WeCom itself tolerates other content types; the stand-in insists on the right one.
      if (!/^application\/json\b/i.test(r.contentType)) return { errcode: 40058, errmsg: 'content-type is not application/json' };
      const body = r.json as { msgtype?: unknown; markdown?: { content?: unknown } } | undefined;
      if (!body || typeof body !== 'object') return { errcode: 40058, errmsg: 'Warning: wrong json format.' };
      if (body.msgtype !== 'markdown') return { errcode: 40008, errmsg: 'invalid message type' };
      const content = body.markdown?.content;
      if (typeof content !== 'string' || content.length === 0) return { errcode: 44004, errmsg: 'empty content' };
      if (bytes(content) > 4096) return { errcode: 40058, errmsg: 'markdown.content exceed max length 4096. invalid Request Parameter' };
      return { errcode: 0, errmsg: 'ok' };
    },
  });
  return { ...robot, key, webhook: robot.url(`${WECOM_PATH}?key=${encodeURIComponent(key)}`) };
}
