/**
 * One HTTP(S) measurement: connection attempts, redirects, a bounded body read, and
 * blackbox_exporter's phases taken from socket events (lookup callback, 'connect',
 * 'secureConnect', the first 'data' on the socket, the body's end), not from a wall clock
 * around a library call.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { connect as netConnect, isIP, type Socket, type TcpNetConnectOpts } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsConnectOptions, type TLSSocket } from 'node:tls';
import * as zlib from 'node:zlib';
import { CONNECT_PHASE_CODES } from '../report/codes';
import { classifyError, type Phase } from './classify';
import { timedLookup, type LookupMarks } from './lookup';
import type { DnsServerAddress } from './dns';
import { now, type Failure, type Prober } from './types';
import { redactUrl } from '../report/redact';
import { followsCrossOrigin } from '../report/secrets';
import { contextWithCa } from '../util/trust';
import { onAbort as whenAborted } from '../util/abort';
import { acquireBrotliSlot } from './brotli-slots';
import { roundMs } from '../report/stats';

export interface HttpTarget {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  attempts: number;
  followRedirects: boolean;
  maxRedirects: number;
  maxBodyBytes: number;
  insecure: boolean;
  /** PEM of extra CAs to trust besides the public roots. */
  ca?: string;
  /** Keep the (decoded, bounded) body for keyword checks; otherwise only its first 2 KiB. */
  keepBody: boolean;
  /** Resolve host names through these servers instead of the system resolver. */
  dnsServers?: DnsServerAddress[];
}

export interface HttpTimings {
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
  ttfbMs: number;
  downloadMs: number;
  totalMs: number;
}

/** The timings at the 0.1 ms precision records carry. */
export function roundTimings(t: HttpTimings): HttpTimings {
  return {
    dnsMs: roundMs(t.dnsMs),
    connectMs: roundMs(t.connectMs),
    tlsMs: roundMs(t.tlsMs),
    ttfbMs: roundMs(t.ttfbMs),
    downloadMs: roundMs(t.downloadMs),
    totalMs: roundMs(t.totalMs),
  };
}

export interface CertInfo {
  host: string;
  validTo: string;
  daysLeft: number;
}

export interface HttpObservation {
  statusCode?: number;
  remoteAddress?: string;
  attempts: number;
  redirects: number;
  finalUrl: string;
  timings: HttpTimings;
  bodyBytes: number;
  bodyTruncated: boolean;
  /** The decoded body, when `keepBody`. */
  body?: string;
  /** Otherwise the body's first 2 KiB, undecoded (see decodeBody). */
  head?: { bytes: Buffer; charset?: string };
  /** The certificate closest to expiry among the HTTPS hops. */
  cert?: CertInfo;
  error?: Failure;
}

/** Kept of every body, so a failure can quote the page (a WAF block page's title, say). */
const HEAD_BYTES = 2048;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DEFAULT_HEADERS = {
  'user-agent': 'scf-monitor/0.1 (+uptime check)',
  accept: '*/*',
  // Not br: a brotli decoder costs up to 17 MB whatever the body's size (see brotli-slots.ts).
  'accept-encoding': 'gzip, deflate',
};

interface Hop {
  statusCode?: number;
  location?: string;
  remoteAddress?: string;
  bodyBytes: number;
  bodyTruncated: boolean;
  chunks?: Buffer[];
  charset?: string;
  cert?: CertInfo;
  error?: Failure;
  secure: boolean;
  t0: number;
  marks: LookupMarks & { connect?: number; secure?: number; wrote?: number; firstByte?: number; end?: number };
}

interface HopRequest {
  url: URL;
  /** The URL as records may show it (no password). */
  printable: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** What each exchange of this request needs from the URL, worked out once (see `parts`). */
  parts?: RequestParts;
}

interface RequestParts {
  host: string;
  secure: boolean;
  port: number;
  /** isIP(host): 0, 4 or 6. */
  literal: number;
  path: string;
  auth?: string;
  servername?: string;
}

function partsOf(req: HopRequest): RequestParts {
  if (req.parts) return req.parts;
  const { url } = req;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const secure = url.protocol === 'https:';
  const parts: RequestParts = { host, secure, port: Number(url.port) || (secure ? 443 : 80), literal: isIP(host), path: `${url.pathname}${url.search}` };
  if (url.username || url.password) parts.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  if (secure) parts.servername = serverName(host, req.headers.host);
  req.parts = parts;
  return parts;
}

/**
 * A target's first request, parsed once: a monitor's samples, and a warm instance's next runs
 * (the config and its targets are reused), share it. Never changed (its `parts` are only worked
 * out once, on first use): redirects make new ones.
 */
const firstRequests = new WeakMap<HttpTarget, HopRequest>();
function firstRequest(t: HttpTarget): HopRequest {
  let req = firstRequests.get(t);
  if (!req) {
    req = {
      url: new URL(t.url),
      printable: redactUrl(t.url),
      method: t.method,
      headers: { ...DEFAULT_HEADERS, ...lowerKeys(t.headers) },
      body: t.body,
    };
    firstRequests.set(t, req);
  }
  return req;
}

function isBrotli(encoding: string | undefined): encoding is string {
  return (encoding ?? '').trim().toLowerCase() === 'br';
}

function decoderFor(encoding: string | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/**
 * The TLS server name, as node's https Agent picks it: the URL's host, or for an IP address
 * the Host header's name when the monitor sets one (checking one backend of a site by its
 * address); never an IP address.
 */
function serverName(host: string, hostHeader: string | undefined): string | undefined {
  let name = host;
  if (isIP(host) && hostHeader) {
    if (hostHeader.startsWith('[')) {
      const close = hostHeader.indexOf(']');
      name = close === -1 ? hostHeader : hostHeader.slice(1, close);
    } else name = hostHeader.split(':', 1)[0]!;
  }
  return isIP(name) ? undefined : name;
}

/**
 * One request and its answer. The state is an object and the listeners are the functions
 * below, shared by every exchange, finding theirs on the emitter: a closure per listener and
 * timer (twenty of them per check) cost more under a 128 MB function's 2 MB young generation
 * than anything else the prober adds to node's client (bench/results.md).
 */
const EXCHANGE = Symbol('exchange');
type Carrier = { [EXCHANGE]?: Exchange };
const ofEmitter = (e: unknown): Exchange => (e as Carrier)[EXCHANGE]!;

class Exchange {
  readonly hop: Hop;
  readonly m: Hop['marks'];
  phase: Phase = 'connect';
  settled = false;
  /** The whole body arrived and nothing failed: no need to tear the connection down. */
  complete = false;
  connectTimer: NodeJS.Timeout | undefined;
  readTimer: NodeJS.Timeout | undefined;
  decoder: ReturnType<typeof decoderFor>;
  releaseBrotli: (() => void) | undefined;
  stopWaiting: (() => void) | undefined;
  request!: http.ClientRequest;
  res: http.IncomingMessage | undefined;
  socket: Socket | undefined;
  connectOpts!: TcpNetConnectOpts & TlsConnectOptions;
  kept = 0;
  rawBytes = 0;
  keep: number;

  constructor(
    readonly req: HopRequest,
    readonly t: HttpTarget,
    readonly parts: RequestParts,
    private readonly resolve: (hop: Hop) => void,
  ) {
    this.hop = { t0: now(), secure: parts.secure, marks: {}, bodyBytes: 0, bodyTruncated: false };
    this.m = this.hop.marks;
    this.keep = t.keepBody ? Infinity : HEAD_BYTES;
  }

  addr(): string {
    const { host, port } = this.parts;
    return this.hop.remoteAddress ? `${this.hop.remoteAddress}:${port}` : `${host}:${port}`;
  }

  finish(error?: Failure): void {
    if (this.settled) return;
    this.settled = true;
    this.m.end ??= now();
    if (error) this.hop.error = error;
    clearTimeout(this.connectTimer);
    clearTimeout(this.readTimer);
    this.stopWaiting?.();
    this.decoder?.destroy();
    this.releaseBrotli?.();
    // A complete answer leaves the socket to node, which ends it gracefully (the request says
    // Connection: close); tearing it down here costs several times more per check.
    if (!this.complete) this.request.destroy();
    this.resolve(this.hop);
  }

  /** Connected (and through TLS): the read timeout starts. */
  ready(): void {
    clearTimeout(this.connectTimer);
    this.phase = 'response';
    this.readTimer = setTimeout(onReadTimeout, this.t.readTimeoutMs, this);
  }

  /** A body chunk, decoded: counted against the limit, and its head kept. */
  take(chunk: Buffer): void {
    if (this.settled) return;
    const hop = this.hop;
    const room = this.t.maxBodyBytes - hop.bodyBytes;
    const part = chunk.length > room ? chunk.subarray(0, Math.max(room, 0)) : chunk;
    hop.bodyBytes += part.length;
    if (this.kept < this.keep) {
      hop.chunks!.push(part.length > this.keep - this.kept ? part.subarray(0, this.keep - this.kept) : part);
      this.kept += part.length;
    }
    if (chunk.length > room) {
      // Past the read limit: stop reading. Not a failure in itself (bodyTruncated).
      hop.bodyTruncated = true;
      this.finish();
    }
  }

  readBody(res: http.IncomingMessage, encoding: string | undefined): void {
    const decoder = (this.decoder = decoderFor(encoding));
    if (decoder) {
      (decoder as Carrier)[EXCHANGE] = this;
      decoder.on('data', onDecoded);
      decoder.on('end', onDecoderEnd);
      decoder.on('error', onDecoderError);
    }
    res.on('data', onBodyData);
    res.on('end', onBodyEnd);
    res.on('error', onBodyError);
    res.on('close', onBodyClose);
  }

  midBody(): Failure {
    const length = this.res?.headers['content-length'];
    return {
      code: 'CONNECTION_RESET',
      message: `${this.addr()} closed the connection mid-body after ${this.rawBytes} bytes${length ? ` of ${length}` : ''}`,
    };
  }
}

function onConnectTimeout(x: Exchange): void {
  const { m, t } = x;
  if (m.lookupStart !== undefined && m.lookupEnd === undefined) {
    x.finish({ code: 'DNS_ERROR', message: `resolving ${x.parts.host} did not finish within ${t.connectTimeoutMs} ms` });
  } else if (m.connect === undefined) {
    x.finish({ code: 'CONNECT_TIMEOUT', message: `no TCP connection to ${x.addr()} within ${t.connectTimeoutMs} ms` });
  } else {
    x.finish({ code: 'CONNECT_TIMEOUT', message: `TLS handshake with ${x.addr()} did not finish within ${t.connectTimeoutMs} ms` });
  }
}

function onReadTimeout(x: Exchange): void {
  const what =
    x.hop.statusCode === undefined
      ? `no response from ${x.addr()} within ${x.t.readTimeoutMs} ms of sending the request`
      : `body from ${x.addr()} not complete within ${x.t.readTimeoutMs} ms (${x.hop.bodyBytes} bytes received)`;
  x.finish({ code: 'READ_TIMEOUT', message: what });
}

/**
 * The socket is ours, handed to the request through createConnection: no per-request Agent
 * (what `agent: false` builds, with its maps, listeners and option copies), and our phase
 * listeners sit on the socket from its first event. Node passes this the request's options.
 */
function createConnection(options: http.RequestOptions): Socket {
  const x = ofEmitter(options);
  const sock = (x.socket = x.parts.secure ? tlsConnect(x.connectOpts) : netConnect(x.connectOpts));
  (sock as Carrier)[EXCHANGE] = x;
  sock.once('connect', onSocketConnect);
  if (x.parts.secure) sock.once('secureConnect', onSecureConnect);
  // Before the http client's own 'data' listener, which it adds once the socket is its.
  sock.prependListener('data', onSocketData);
  return sock;
}

function onSocketConnect(this: Socket): void {
  const x = ofEmitter(this);
  x.m.connect = now();
  // A dotted quad is what getpeername would say (a system call per check saved); names and
  // IPv6 forms are asked for the address actually connected.
  x.hop.remoteAddress = x.parts.literal === 4 ? x.parts.host : this.remoteAddress;
  if (x.parts.secure) x.phase = 'tls';
  else x.ready();
}

function onSecureConnect(this: TLSSocket): void {
  const x = ofEmitter(this);
  x.m.secure = now();
  const cert = this.getPeerCertificate();
  if (cert?.valid_to) {
    const validTo = new Date(cert.valid_to);
    x.hop.cert = {
      host: x.parts.host,
      validTo: validTo.toISOString(),
      daysLeft: Math.round(((validTo.getTime() - Date.now()) / 86_400_000) * 10) / 10,
    };
  }
  x.ready();
}

function onSocketData(this: Socket): void {
  const x = ofEmitter(this);
  if (x.m.connect === undefined) return;
  if (x.parts.secure && x.m.secure === undefined) return;
  x.m.firstByte = now();
  this.removeListener('data', onSocketData);
}

function onRequestFinish(this: http.ClientRequest): void {
  ofEmitter(this).m.wrote = now();
}

function onRequestError(this: http.ClientRequest, err: NodeJS.ErrnoException): void {
  const x = ofEmitter(this);
  if (x.settled) return;
  const p: Phase = x.m.lookupStart !== undefined && x.m.lookupEnd === undefined ? 'dns' : x.phase;
  x.finish(classifyError(err, p, x.parts.host, x.addr()));
}

function onResponse(this: http.ClientRequest, res: http.IncomingMessage): void {
  const x = ofEmitter(this);
  const { hop, t } = x;
  x.m.firstByte ??= now();
  hop.statusCode = res.statusCode;
  x.phase = 'body';
  const location = res.headers.location;
  if (t.followRedirects && REDIRECTS.has(res.statusCode ?? 0) && location) {
    hop.location = location;
    x.finish();
    return;
  }
  x.res = res;
  (res as Carrier)[EXCHANGE] = x;
  hop.charset = /charset=["']?([\w-]+)/i.exec(res.headers['content-type'] ?? '')?.[1];
  hop.chunks = [];
  const encoding = x.req.method === 'HEAD' ? undefined : res.headers['content-encoding'];
  if (isBrotli(encoding)) {
    // Unread until a decoder may be made: the socket's flow control holds the rest back.
    const gone = () => {
      if (!res.complete) x.finish({ code: 'CONNECTION_RESET', message: `${x.addr()} closed the connection while its br body waited to be decoded` });
    };
    res.once('close', gone);
    res.once('error', gone);
    x.releaseBrotli = acquireBrotliSlot(() => {
      res.off('close', gone);
      res.off('error', gone);
      if (!x.settled) x.readBody(res, encoding);
    });
    if (x.settled) x.releaseBrotli();
  } else x.readBody(res, encoding);
}

function onBodyData(this: http.IncomingMessage, chunk: Buffer): void {
  const x = ofEmitter(this);
  x.rawBytes += chunk.length;
  if (x.decoder) {
    // The limit counts decoded bytes; compressed input that still has not produced them after
    // twice the limit (plus gzip's framing) is cut as well.
    if (x.rawBytes > 2 * x.t.maxBodyBytes + 65_536) {
      x.hop.bodyTruncated = true;
      x.finish();
    } else x.decoder.write(chunk);
  } else x.take(chunk);
}

function onBodyEnd(this: http.IncomingMessage): void {
  const x = ofEmitter(this);
  x.complete = !x.hop.bodyTruncated;
  // An empty body labelled gzip (a 204, a 304) has nothing to decode.
  if (x.decoder && x.rawBytes > 0) x.decoder.end();
  else x.finish();
}

function onBodyError(this: http.IncomingMessage): void {
  const x = ofEmitter(this);
  x.finish(x.midBody());
}

function onBodyClose(this: http.IncomingMessage): void {
  if (!this.complete) {
    const x = ofEmitter(this);
    x.finish(x.midBody());
  }
}

function onDecoded(this: zlib.Gunzip, chunk: Buffer): void {
  ofEmitter(this).take(chunk);
}

function onDecoderEnd(this: zlib.Gunzip): void {
  ofEmitter(this).finish();
}

function onDecoderError(this: zlib.Gunzip, err: NodeJS.ErrnoException): void {
  const x = ofEmitter(this);
  x.finish({ code: 'PROTOCOL_ERROR', message: `${x.addr()} sent a body that does not decode as ${x.res?.headers['content-encoding']}: ${err.message}` });
}

function exchange(req: HopRequest, t: HttpTarget, signal: AbortSignal): Promise<Hop> {
  return new Promise((resolve) => {
    const parts = partsOf(req);
    const { host, secure, port, literal, path, auth, servername } = parts;
    const x = new Exchange(req, t, parts, resolve);
    const connectOpts: TcpNetConnectOpts & TlsConnectOptions = {
      host,
      port,
      // What the Agent sets: the request is written in one go, so no write waits on Nagle.
      noDelay: true,
    };
    // net never looks an address up, so an IP needs no lookup of ours.
    if (!literal) connectOpts.lookup = timedLookup(x.m, t.dnsServers && { servers: t.dnsServers, withinMs: t.connectTimeoutMs, signal }) as never;
    if (secure) {
      if (servername) connectOpts.servername = servername;
      connectOpts.rejectUnauthorized = !t.insecure; // insecure: the monitor opted out of verification
      if (t.ca) connectOpts.secureContext = contextWithCa(t.ca);
    }
    x.connectOpts = connectOpts;
    const options: http.RequestOptions & Carrier = {
      hostname: host,
      port,
      // Without an Agent node would put the port in every Host header.
      defaultPort: secure ? 443 : 80,
      path,
      method: req.method,
      headers: req.headers,
      createConnection,
      [EXCHANGE]: x,
    };
    if (auth) options.auth = auth;
    const request = (x.request = (secure ? https : http).request(options));
    (request as Carrier)[EXCHANGE] = x;
    x.connectTimer = setTimeout(onConnectTimeout, t.connectTimeoutMs, x);
    request.on('finish', onRequestFinish);
    request.on('error', onRequestError);
    request.on('response', onResponse);
    const onAbort = () => x.finish({ code: 'DEADLINE', message: 'stopped at the function deadline' });
    if (signal.aborted) return onAbort();
    x.stopWaiting = whenAborted(signal, onAbort);
    request.end(req.body);
  });
}

/** Raw body bytes as text: charset from Content-Type, else a <meta> tag, else UTF-8. */
export function decodeBody(bytes: Buffer, contentTypeCharset?: string): string {
  let charset = contentTypeCharset?.toLowerCase();
  if (!charset) {
    // Chinese sites often declare GBK only in a <meta> tag.
    charset = /<meta[^>]+charset=["']?([\w-]+)/i.exec(bytes.subarray(0, 2048).toString('latin1'))?.[1]?.toLowerCase();
  }
  try {
    return new TextDecoder(charset && charset !== 'utf8' ? charset : 'utf-8').decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

function hopTimings(hop: Hop) {
  const m = hop.marks;
  const end = m.end ?? now();
  const dnsEnd = m.lookupEnd ?? hop.t0;
  const connect = m.connect ?? end;
  const readyAt = m.secure ?? (hop.secure ? end : connect);
  const sent = Math.max(m.wrote ?? readyAt, readyAt);
  const first = m.firstByte;
  return {
    dnsMs: m.lookupEnd !== undefined ? m.lookupEnd - (m.lookupStart ?? hop.t0) : 0,
    connectMs: m.connect !== undefined ? m.connect - dnsEnd : 0,
    tlsMs: m.secure !== undefined && m.connect !== undefined ? m.secure - m.connect : 0,
    ttfbMs: first !== undefined ? Math.max(0, first - sent) : 0,
    downloadMs: first !== undefined ? Math.max(0, end - first) : 0,
  };
}

function sameOrigin(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.host === b.host;
}

export const probeHttp: Prober<HttpTarget, HttpObservation> = async (t, signal) => {
  const start = now();
  let req = firstRequest(t);
  const obs: HttpObservation = {
    attempts: 0,
    redirects: 0,
    finalUrl: req.printable,
    timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 0, downloadMs: 0, totalMs: 0 },
    bodyBytes: 0,
    bodyTruncated: false,
  };
  const done = () => {
    obs.timings.totalMs = now() - start;
    return obs;
  };

  for (;;) {
    let hop: Hop;
    let tries = 0;
    do {
      tries++;
      hop = await exchange(req, t, signal);
    } while (hop.error && CONNECT_PHASE_CODES.has(hop.error.code) && tries < t.attempts && !signal.aborted);
    obs.attempts = Math.max(obs.attempts, tries);
    const ht = hopTimings(hop);
    obs.timings.dnsMs += ht.dnsMs;
    obs.timings.connectMs += ht.connectMs;
    obs.timings.tlsMs += ht.tlsMs;
    obs.timings.ttfbMs += ht.ttfbMs;
    obs.timings.downloadMs += ht.downloadMs;
    if (hop.remoteAddress) obs.remoteAddress = hop.remoteAddress;
    if (hop.cert && (!obs.cert || hop.cert.daysLeft < obs.cert.daysLeft)) obs.cert = hop.cert;
    obs.finalUrl = req.printable;
    if (hop.error) {
      obs.statusCode = hop.statusCode;
      obs.bodyBytes = hop.bodyBytes;
      obs.error = tries > 1 ? { ...hop.error, message: `${hop.error.message} (${tries} attempts)` } : hop.error;
      return done();
    }
    if (hop.location !== undefined) {
      let next: URL;
      try {
        next = new URL(hop.location, req.url);
      } catch {
        obs.statusCode = hop.statusCode;
        obs.error = { code: 'PROTOCOL_ERROR', message: `${req.url.host} answered ${hop.statusCode} with an invalid Location: ${hop.location.slice(0, 200)}` };
        return done();
      }
      if (obs.redirects >= t.maxRedirects) {
        obs.statusCode = hop.statusCode;
        obs.error = {
          code: 'REDIRECT_LIMIT',
          message: `more than ${t.maxRedirects} redirects (stopped at ${redactUrl(req.url.href)} -> ${redactUrl(next.href)})`,
        };
        return done();
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        obs.statusCode = hop.statusCode;
        obs.error = { code: 'PROTOCOL_ERROR', message: `redirect to unsupported scheme ${next.protocol}` };
        return done();
      }
      obs.redirects++;
      let headers = { ...req.headers };
      // Credentials never follow a redirect to another origin (what browsers and curl do for
      // Authorization and Cookie). A monitor's own headers are credentials more often than
      // not (X-Api-Key, X-Token ...), so only the plain ones go on.
      if (!sameOrigin(next, req.url)) headers = crossOriginHeaders(headers);
      const toGet =
        (hop.statusCode === 303 && req.method !== 'HEAD') || ((hop.statusCode === 301 || hop.statusCode === 302) && req.method === 'POST');
      if (toGet) {
        delete headers['content-type'];
        delete headers['content-length'];
      }
      req = { url: next, printable: redactUrl(next.href), method: toGet ? 'GET' : req.method, headers, body: toGet ? undefined : req.body };
      continue;
    }
    obs.statusCode = hop.statusCode;
    obs.bodyBytes = hop.bodyBytes;
    obs.bodyTruncated = hop.bodyTruncated;
    // Healthy samples never pay to decode: the head is decoded only if a failure quotes it.
    if (hop.chunks) {
      const bytes = hop.chunks.length === 1 ? hop.chunks[0]! : Buffer.concat(hop.chunks);
      if (t.keepBody) obs.body = decodeBody(bytes, hop.charset);
      else obs.head = { bytes, charset: hop.charset };
    }
    return done();
  }
};

function crossOriginHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (followsCrossOrigin(k)) out[k] = v;
  return out;
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}
