/**
 * A loopback stand-in of the chinaz speed test as the seed used it (2019-2021):
 *
 *   GET  /speedtest/<host>     the node page: one element per node whose id is the node's guid,
 *                              labelled like 江苏宿迁[电信], and the token in <input id="enkey">
 *   POST /iframe.ashx?t=ping   one check: form guid, host, ishost=1, encode=<token>, checktype=1,
 *                              with Referer (the node page) and X-Requested-With: XMLHttpRequest
 *
 * Replies are JavaScript object literals, `({state:1,msg:'',result:{...}})`. A check missing a
 * field, a header or the right token gets the site's refusal, `({state:0,msg:'...'})`; an
 * unknown guid likewise. Each node's behaviour (result fields, state:0 a number of times, a
 * raw reply, a delay, never answering, the wrapper) can be set per node and changed between
 * tests. The page can be switched to a "changed" layout without nodes or without a token.
 * Nothing here resolves a name or connects anywhere: it only listens on 127.0.0.1.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { httpServer, type Running } from './servers';

/** The fields of `result`, as the site sends them: times are strings of milliseconds. */
export interface ChinazResultFields {
  ip?: string;
  httpstate?: number | string;
  alltime?: string;
  dnstime?: string;
  conntime?: string;
  downtime?: string;
  filesize?: string;
  downspeed?: string;
  ipaddress?: string;
  headers?: string;
  pagehtml?: string;
}

export interface ChinazNodeBehaviour {
  /** Merged over a healthy 200 answer. */
  result?: ChinazResultFields;
  /** Answer `({state:0,msg:''})` to this many checks of the node first (Infinity: always). */
  state0?: number;
  /** Answer this text verbatim instead of a literal. */
  raw?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer: the request stays open until the client gives up or the stand-in closes. */
  hang?: boolean;
  /** `(...)` (the default), `callback(...)`, or the bare object. */
  wrap?: 'paren' | 'callback' | 'bare';
}

export interface ChinazNode {
  guid: string;
  /** e.g. 江苏宿迁[电信] */
  label: string;
  behaviour?: ChinazNodeBehaviour;
}

/** normal; the page without node elements, without #enkey, or without either; a 503. */
export type ChinazPageMode = 'normal' | 'no-nodes' | 'no-token' | 'changed' | 'error';

export interface ChinazStandInOptions {
  nodes: ChinazNode[];
  token?: string;
  page?: ChinazPageMode;
  /** Behaviour of nodes that set none. */
  defaults?: ChinazNodeBehaviour;
  /** Refuse checks that do not carry the session cookie the page set. */
  requireCookie?: boolean;
}

export interface ChinazCheck {
  guid: string | undefined;
  form: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Why the stand-in refused it, if it did. */
  refused?: string;
}

export interface ChinazStandIn {
  /** http://127.0.0.1:<port>: the `providerUrl`. */
  url: string;
  port: number;
  /** The token the page hands out and checks must carry. */
  readonly token: string;
  /** Hosts the node page was asked for, in order. */
  pageRequests: string[];
  checks: ChinazCheck[];
  /** Checks that reached the given node (accepted or not). */
  checksFor(guid: string): number;
  setNode(guid: string, behaviour: ChinazNodeBehaviour): void;
  setDefaults(behaviour: ChinazNodeBehaviour): void;
  setPage(mode: ChinazPageMode): void;
  /** The site rotates its token: checks carrying the old one are refused from now on. */
  setToken(token: string): void;
  /** Forget counted requests (and how often each node answered state:0). */
  reset(): void;
  close(): Promise<void>;
}

export const CHINAZ_TOKEN = 'ECvBP9vjbuXRi0CVhnXAbufDNPDryYzO';
const SESSION_COOKIE = 'ASP.NET_SessionId=standin0session0cookie';

/** Places across the country, for chinazNodes(). */
const PLACES = [
  '江苏宿迁', '广东佛山', '浙江嘉兴', '北京', '上海', '四川成都', '湖北武汉', '辽宁大连', '黑龙江哈尔滨', '内蒙古呼和浩特',
  '山东济南', '河南郑州', '福建厦门', '陕西西安', '安徽合肥', '湖南长沙', '广西南宁', '云南昆明', '重庆', '天津',
];
const ISPS = ['电信', '联通', '移动', '多线'];

function guidFor(i: number): string {
  const hex = (i + 1).toString(16).padStart(12, '0');
  return `5074fb13-4ab9-4f0a-87d9-${hex}`;
}

/** `n` nodes across provinces and ISPs, with stable guids; `behaviour` applies to each. */
export function chinazNodes(n: number, behaviour?: ChinazNodeBehaviour): ChinazNode[] {
  return Array.from({ length: n }, (_, i) => ({
    guid: guidFor(i),
    label: `${PLACES[i % PLACES.length]}[${ISPS[Math.floor(i / PLACES.length + i) % ISPS.length]}]`,
    ...(behaviour ? { behaviour } : {}),
  }));
}

/** A string as a single-quoted JS literal; `unicode` writes every UTF-16 unit as \uXXXX. */
function quote(s: string, unicode = false): string {
  if (unicode) {
    let out = '';
    for (let i = 0; i < s.length; i++) out += `\\u${s.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return `'${out}'`;
  }
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/** An object as the site writes it: unquoted keys, single-quoted strings, headers as \u escapes. */
export function toLiteral(v: unknown, key?: string): string {
  if (typeof v === 'string') return quote(v, key === 'headers');
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map((x) => toLiteral(x)).join(',')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}:${toLiteral(x, k)}`)
    .join(',')}}`;
}

export function wrapReply(body: string, wrap: ChinazNodeBehaviour['wrap'] = 'paren'): string {
  if (wrap === 'bare') return body;
  if (wrap === 'callback') return `callback(${body})`;
  return `(${body})`;
}

/** The healthy answer, from the seed's example. */
export function healthyResult(): Required<ChinazResultFields> {
  return {
    ip: '119.28.190.46',
    httpstate: 200,
    alltime: '212',
    dnstime: '18',
    conntime: '116',
    downtime: '78',
    filesize: '-',
    downspeed: '4.72',
    ipaddress: '新加坡新加坡',
    headers: 'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html',
    pagehtml: '',
  };
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function nodePage(host: string, nodes: ChinazNode[], token: string, mode: ChinazPageMode): string {
  const withNodes = mode === 'normal' || mode === 'no-token';
  const withToken = mode === 'normal' || mode === 'no-nodes';
  const rows = withNodes
    ? nodes
        .map(
          (n) => `
    <div class="row listw tc clearfix" id="${esc(n.guid)}">
      <div class="w14-0 SpeedName"><span>${esc(n.label)}</span></div>
      <div class="w15-0">-</div><div class="w13-0">-</div><div class="w13-0">-</div><div class="w13-0">-</div>
    </div>`,
        )
        .join('')
    : `
    <div class="row listw tc clearfix" id="speedtest-v2"><div class="node" data-node="jsxq-ct">江苏宿迁 电信</div></div>`;
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${esc(host)}_网站测速 - 站长工具</title></head>
<body>
  <div id="header"><a id="logo" href="/">站长工具</a></div>
  <form id="form1">${withToken ? `<input type="hidden" id="enkey" name="enkey" value="${esc(token)}" />` : ''}
    <input type="text" id="host" value="${esc(host)}" />
  </form>
  <div id="00000000-not-a-guid">${'广告[推广]'}</div>
  <div id="9c1c3a0e-0000-4000-8000-00000000ad00" class="ad"><img src="/ad.png" /></div>
  <div id="speedlist">${rows}
  </div>
</body></html>`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 64 * 1024) chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

export async function startChinaz(opts: ChinazStandInOptions): Promise<ChinazStandIn> {
  let token = opts.token ?? CHINAZ_TOKEN;
  const nodes = new Map(opts.nodes.map((n) => [n.guid, { ...n }]));
  let defaults: ChinazNodeBehaviour = opts.defaults ?? {};
  let page: ChinazPageMode = opts.page ?? 'normal';
  const pageRequests: string[] = [];
  const checks: ChinazCheck[] = [];
  const state0Sent = new Map<string, number>();
  let base = '';

  const send = (res: ServerResponse, status: number, body: string, type = 'text/html; charset=utf-8', extra: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
    res.end(body);
  };
  const refuse = (res: ServerResponse, check: ChinazCheck, why: string, msg: string) => {
    check.refused = why;
    send(res, 200, `({state:0,msg:${quote(msg)}})`, 'text/plain; charset=utf-8');
  };

  const onCheck = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const form = Object.fromEntries(new URLSearchParams(body));
    const check: ChinazCheck = { guid: form.guid, form, headers: req.headers };
    checks.push(check);
    if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) return refuse(res, check, 'content-type', '参数错误');
    if (req.headers['x-requested-with'] !== 'XMLHttpRequest') return refuse(res, check, 'x-requested-with', '非法请求');
    if (!(req.headers.referer ?? '').startsWith(`${base}/speedtest/`)) return refuse(res, check, 'referer', '非法请求');
    if (opts.requireCookie && !(req.headers.cookie ?? '').includes(SESSION_COOKIE)) return refuse(res, check, 'cookie', '会话已过期，请刷新页面');
    for (const field of ['guid', 'host', 'ishost', 'encode', 'checktype']) {
      if (!form[field]) return refuse(res, check, `missing ${field}`, '参数错误');
    }
    if (form.ishost !== '1' || form.checktype !== '1') return refuse(res, check, 'ishost/checktype', '参数错误');
    if (form.encode !== token) return refuse(res, check, 'token', '验证失败，请刷新页面重试');
    const node = nodes.get(form.guid!);
    if (!node) return refuse(res, check, 'unknown guid', '节点不存在');
    const b: ChinazNodeBehaviour = { ...defaults, ...node.behaviour };
    if (b.hang) return; // the socket stays open until the client gives up
    const sent = state0Sent.get(node.guid) ?? 0;
    const state0 = b.state0 !== undefined && sent < b.state0;
    if (state0) state0Sent.set(node.guid, sent + 1);
    // The reply is made before the delay, so a node answers after delayMs and not later.
    const reply = state0
      ? wrapReply(`{state:0,msg:''}`, b.wrap)
      : (b.raw ?? wrapReply(`{state:1,msg:'',result:${toLiteral({ ...healthyResult(), ...b.result })}}`, b.wrap));
    if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
    send(res, 200, reply, 'text/plain; charset=utf-8');
  };

  const server: Running = await httpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (req.method === 'GET' && url.pathname.startsWith('/speedtest/')) {
      const host = decodeURIComponent(url.pathname.slice('/speedtest/'.length));
      pageRequests.push(host);
      if (page === 'error') return send(res, 503, '<html><body>Service Unavailable</body></html>');
      return send(res, 200, nodePage(host, [...nodes.values()], token, page), 'text/html; charset=utf-8', {
        'Set-Cookie': `${SESSION_COOKIE}; path=/; HttpOnly`,
      });
    }
    if (req.method === 'POST' && url.pathname === '/iframe.ashx' && url.searchParams.get('t') === 'ping') {
      onCheck(req, res).catch(() => send(res, 500, 'stand-in error'));
      return;
    }
    send(res, 404, 'not found');
  });
  base = server.url('').replace(/\/$/, '');

  return {
    url: base,
    port: server.port,
    get token() {
      return token;
    },
    pageRequests,
    checks,
    checksFor: (guid) => checks.filter((c) => c.guid === guid).length,
    setNode(guid, behaviour) {
      const n = nodes.get(guid);
      if (!n) throw new Error(`no node ${guid}`);
      n.behaviour = behaviour;
    },
    setDefaults(behaviour) {
      defaults = behaviour;
    },
    setPage(mode) {
      page = mode;
    },
    setToken(next) {
      token = next;
    },
    reset() {
      pageRequests.length = 0;
      checks.length = 0;
      state0Sent.clear();
    },
    close: () => server.close(),
  };
}
