/**
 * A strict stand-in for the Tencent Cloud API (TC3-HMAC-SHA256, API 3.0) on loopback, shared by
 * the sms, ckafka and scf tests. The exported names and shapes of the contract (TcAccount ...
 * startTencentCloud) are what the other test files code against; the TC3 functions below it are
 * the stand-in's own reading of Tencent's "签名方法 v3" document, written from the document and
 * not from the SDK's sign.js, so a client and this verifier cannot agree on a shared misreading
 * (test/tc3.test.ts holds them to the document's published worked example).
 *
 * How clients reach it: the SDK is given `proxy: standIn.proxyUrl` and
 * `endpoint: "http://<service>.tencentcloudapi.com"`; the SDK (https-proxy-agent) sends
 * `CONNECT <service>.tencentcloudapi.com:80` to the stand-in, which answers 200 and serves the
 * API on the tunnelled socket. So the Host header is the real service host, with no port.
 * Requests sent straight to 127.0.0.1:<port> with a registered Host are served the same way.
 * The service host names are only ever matched as strings: nothing here resolves a name or
 * connects anywhere.
 *
 * Error codes are Tencent's documented common codes (公共错误码, e.g.
 * https://cloud.tencent.com/document/api/382/52075): AuthFailure.InvalidAuthorization,
 * AuthFailure.SecretIdNotFound, AuthFailure.SignatureExpire, AuthFailure.SignatureFailure,
 * AuthFailure.TokenFailure, InvalidAction, NoSuchVersion, MissingParameter, InvalidParameter,
 * UnknownParameter, UnsupportedProtocol, RequestSizeLimitExceeded. Messages are those the real
 * API was seen answering where one is known, otherwise written in the same style.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A key pair the stand-in knows. With `token`, it is a temporary credential: X-TC-Token must equal it. */
export interface TcAccount {
  secretId: string;
  secretKey: string;
  token?: string;
}

/** An error envelope to answer with: {"Response":{"Error":{"Code","Message"},"RequestId"}}. */
export class TcError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface TcRequestContext {
  service: string;
  host: string;
  action: string;
  version: string;
  region: string | undefined;
  secretId: string;
  token: string | undefined;
  timestamp: number;
  headers: Record<string, string | string[] | undefined>;
}

export interface TcAction {
  /** Top-level request fields that must be present (MissingParameter otherwise). */
  required?: string[];
  /** Whether X-TC-Region must be present (MissingParameter otherwise); default true. */
  regional?: boolean;
  /** Returns the Response body without RequestId, or throws TcError. */
  handle: (params: Record<string, unknown>, ctx: TcRequestContext) => unknown | Promise<unknown>;
}

export interface TcService {
  /** e.g. "sms"; the credential scope's service must equal it. */
  service: string;
  /** Default `${service}.tencentcloudapi.com`. */
  host?: string;
  /** e.g. "2021-01-11"; X-TC-Version must equal it. */
  version: string;
  actions: Record<string, TcAction>;
}

/** Every request that reached the API part, accepted or not. */
export interface TcRecorded {
  service: string | undefined;
  host: string | undefined;
  action: string | undefined;
  version: string | undefined;
  region: string | undefined;
  secretId: string | undefined;
  token: string | undefined;
  params: Record<string, unknown> | undefined;
  /** Raw request headers and body, for tests that check nothing secret travels or leaks. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The error code answered, when the request was refused. */
  errorCode?: string;
  requestId: string;
}

export interface TencentCloudStandIn {
  /** "http://127.0.0.1:<port>": the `proxy` to give the client. */
  proxyUrl: string;
  port: number;
  /** `http://<service>.tencentcloudapi.com` for a registered service. */
  endpoint(service: string): string;
  requests: TcRecorded[];
  /** Every CONNECT target a client asked for ("sms.tencentcloudapi.com:80"), tunnelled or refused. */
  tunnels: string[];
  /** The next `times` calls of `action` (any service) answer with this error envelope instead. */
  failNext(action: string, code: string, message?: string, times?: number): void;
  /** Shift the stand-in's clock (seconds) to provoke AuthFailure.SignatureExpire. */
  setClockOffset(seconds: number): void;
  /** Register another service after start (each test file brings its own). */
  addService(service: TcService): void;
  close(): Promise<void>;
}

export interface TencentCloudOptions {
  accounts: TcAccount[];
  services: TcService[];
}

// ---------------------------------------------------------------------------------------------
// TC3-HMAC-SHA256, step by step as the document describes it.

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';
/** "Timestamp and server time cannot differ by more than five minutes." */
export const TC3_MAX_SKEW_SECONDS = 300;

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The credential scope's date: the UTC (never local) date of the timestamp, YYYY-MM-DD. */
export function tc3Date(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

/** A header value as it is signed: the Host without its port (the SDK signs `url.hostname`). */
function signedValue(name: string, value: string): string {
  const v = value.trim();
  return name === 'host' ? stripPort(v) : v;
}

function stripPort(host: string): string {
  return host.replace(/:\d+$/, '');
}

export interface Tc3CanonicalInput {
  /** HTTPRequestMethod, upper case: POST. */
  method: string;
  /** CanonicalURI: "/" for API 3.0. */
  path?: string;
  /** CanonicalQueryString: "" for POST. */
  query?: string;
  /** The request's headers by lower-case name. */
  headers: Record<string, string | string[] | undefined>;
  /** SignedHeaders, lower case and in ascending order. */
  signedHeaders: readonly string[];
  /** The raw body bytes; HashedRequestPayload is their SHA-256. */
  payload: string | Buffer;
}

/**
 * Step 1, CanonicalRequest: method, URI, query, CanonicalHeaders (`key:value\n` for each signed
 * header, key and value lower case and trimmed), SignedHeaders and the payload's hash, joined
 * with '\n'. CanonicalHeaders ends in its own '\n', so a blank line precedes SignedHeaders.
 */
export function tc3CanonicalRequest(input: Tc3CanonicalInput): string {
  const canonicalHeaders = input.signedHeaders
    .map((name) => {
      const raw = input.headers[name];
      const value = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
      return `${name}:${signedValue(name, value).toLowerCase()}\n`;
    })
    .join('');
  return [
    input.method,
    input.path ?? '/',
    input.query ?? '',
    canonicalHeaders,
    input.signedHeaders.join(';'),
    sha256Hex(input.payload),
  ].join('\n');
}

/** Step 2, StringToSign: algorithm, timestamp, `Date/service/tc3_request`, SHA-256 of step 1. */
export function tc3StringToSign(timestamp: number, credentialScope: string, canonicalRequest: string): string {
  return [TC3_ALGORITHM, String(timestamp), credentialScope, sha256Hex(canonicalRequest)].join('\n');
}

/** Step 3: the key derived from "TC3"+SecretKey through date, service and "tc3_request", then HMAC of step 2, in lower-case hex. */
export function tc3Signature(secretKey: string, date: string, service: string, stringToSign: string): string {
  const secretDate = hmac(`TC3${secretKey}`, date);
  const secretService = hmac(secretDate, service);
  const secretSigning = hmac(secretService, 'tc3_request');
  return createHmac('sha256', secretSigning).update(stringToSign, 'utf8').digest('hex');
}

/** Step 4: the Authorization header. */
export function tc3Authorization(secretId: string, credentialScope: string, signedHeaders: readonly string[], signature: string): string {
  return `${TC3_ALGORITHM} Credential=${secretId}/${credentialScope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
}

export interface Tc3SignInput {
  secretId: string;
  secretKey: string;
  service: string;
  /** The Host as sent (a port, if any, is not signed). */
  host: string;
  action: string;
  version: string;
  region?: string;
  token?: string;
  timestamp: number;
  body: string | Buffer;
  contentType?: string;
  /** Default content-type and host: the two the document requires. */
  signedHeaders?: readonly string[];
  /** Only for building deliberately wrong requests: the scope's date and service as given. */
  scopeDate?: string;
  scopeService?: string;
}

/**
 * The headers of a signed POST, for tests that build raw requests (each test then tampers with
 * one thing). Uses the functions above; the SDK never signs through here.
 */
export function signTc3Request(input: Tc3SignInput): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': input.contentType ?? 'application/json; charset=utf-8',
    host: input.host,
    'x-tc-action': input.action,
    'x-tc-version': input.version,
    'x-tc-timestamp': String(input.timestamp),
  };
  if (input.region) headers['x-tc-region'] = input.region;
  if (input.token) headers['x-tc-token'] = input.token;
  const signed = input.signedHeaders ?? ['content-type', 'host'];
  const date = input.scopeDate ?? tc3Date(input.timestamp);
  const service = input.scopeService ?? input.service;
  const scope = `${date}/${service}/tc3_request`;
  const canonical = tc3CanonicalRequest({ method: 'POST', headers, signedHeaders: signed, payload: input.body });
  const signature = tc3Signature(input.secretKey, date, service, tc3StringToSign(input.timestamp, scope, canonical));
  headers.authorization = tc3Authorization(input.secretId, scope, signed, signature);
  return headers;
}

export interface Tc3ParsedAuthorization {
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** The Authorization header's parts, or a reason it is not a TC3 Authorization at all. */
export function parseTc3Authorization(value: string): Tc3ParsedAuthorization | { error: string } {
  const space = value.indexOf(' ');
  if (space < 0 || value.slice(0, space) !== TC3_ALGORITHM) return { error: `the algorithm must be ${TC3_ALGORITHM}` };
  const parts = new Map<string, string>();
  for (const piece of value.slice(space + 1).split(',')) {
    const eq = piece.indexOf('=');
    if (eq < 0) return { error: `\`${piece.trim()}\` is not key=value` };
    const key = piece.slice(0, eq).trim();
    if (parts.has(key)) return { error: `${key} appears twice` };
    parts.set(key, piece.slice(eq + 1).trim());
  }
  const credential = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined || parts.size !== 3) {
    return { error: 'it must hold exactly Credential, SignedHeaders and Signature' };
  }
  const scope = credential.split('/');
  if (scope.length !== 4 || scope[3] !== 'tc3_request' || !scope[0] || !scope[2]) {
    return { error: 'Credential must be SecretId/Date/service/tc3_request' };
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(scope[1]!)) return { error: 'the credential scope date must be YYYY-MM-DD' };
  const names = signedHeaders.split(';');
  if (names.some((n) => n === '')) return { error: 'SignedHeaders has an empty name' };
  if (!/^[0-9a-f]{64}$/.test(signature)) return { error: 'Signature must be 64 lower-case hex digits' };
  return { secretId: scope[0], date: scope[1]!, service: scope[2], signedHeaders: names, signature };
}

export interface Tc3Request {
  method: string;
  /** The request target: "/" (and a query string for GET). */
  path: string;
  /** By lower-case name, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** The raw body bytes. */
  body: string | Buffer;
}

export interface Tc3VerifyOptions {
  /** The SecretKey of a SecretId the server knows, else undefined. */
  secretKeyOf(secretId: string): string | undefined;
  /** The service the Host belongs to: the credential scope must name it. */
  service: string;
  /** The server's clock, epoch seconds. */
  nowSeconds: number;
}

export type Tc3Verdict =
  | { ok: true; secretId: string; timestamp: number; canonicalRequest: string; stringToSign: string }
  | { ok: false; code: string; message: string; secretId?: string };

const SIGNATURE_FAILURE = 'The provided credentials could not be validated. Please check your signature is correct.';

function header(headers: Tc3Request['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The server's side of TC3-HMAC-SHA256: recompute the signature from what arrived (the raw
 * body bytes, the Host without its port, the listed headers) with the key of the SecretId the
 * Authorization names, and compare. Anything the client could have got wrong on purpose or by
 * accident (scope date, scope service, unsigned host) is refused, not assumed.
 */
export function verifyTc3(req: Tc3Request, opts: Tc3VerifyOptions): Tc3Verdict {
  const authorization = header(req.headers, 'authorization');
  if (authorization === undefined) return { ok: false, code: 'MissingParameter', message: 'The request is missing a required parameter `Authorization`.' };
  const auth = parseTc3Authorization(authorization);
  if ('error' in auth) {
    return { ok: false, code: 'AuthFailure.InvalidAuthorization', message: `Authorization in the request header is invalid: ${auth.error}.` };
  }
  const rawTimestamp = header(req.headers, 'x-tc-timestamp');
  if (rawTimestamp === undefined) return { ok: false, code: 'MissingParameter', message: 'The request is missing a required parameter `Timestamp`.' };
  if (!/^\d{1,12}$/.test(rawTimestamp)) return { ok: false, code: 'InvalidParameter', message: 'Parameter `Timestamp` type error.' };
  const timestamp = Number(rawTimestamp);
  const secretKey = opts.secretKeyOf(auth.secretId);
  if (secretKey === undefined) {
    return { ok: false, code: 'AuthFailure.SecretIdNotFound', message: 'The SecretId is not found, please ensure that your SecretId is correct.' };
  }
  const fail = (why: string): Tc3Verdict => ({ ok: false, code: 'AuthFailure.SignatureFailure', message: `${SIGNATURE_FAILURE} (${why})`, secretId: auth.secretId });
  if (Math.abs(opts.nowSeconds - timestamp) > TC3_MAX_SKEW_SECONDS) {
    return { ok: false, code: 'AuthFailure.SignatureExpire', message: 'The signature is expired, please request again.', secretId: auth.secretId };
  }
  if (auth.date !== tc3Date(timestamp)) return fail(`the credential scope date ${auth.date} is not the UTC date of X-TC-Timestamp, ${tc3Date(timestamp)}`);
  if (auth.service !== opts.service) return fail(`the credential scope names service \`${auth.service}\`, the host serves \`${opts.service}\``);
  const sorted = [...auth.signedHeaders].sort();
  if (auth.signedHeaders.some((n, i) => n !== n.toLowerCase() || n !== sorted[i])) return fail('SignedHeaders must be lower case and in ascending order');
  for (const required of ['content-type', 'host']) {
    if (!auth.signedHeaders.includes(required)) return fail(`SignedHeaders must include ${required}`);
  }
  const absent = auth.signedHeaders.find((n) => req.headers[n] === undefined);
  if (absent) return fail(`the signed header ${absent} is not in the request`);
  const q = req.path.indexOf('?');
  const canonicalRequest = tc3CanonicalRequest({
    method: req.method,
    path: q < 0 ? req.path : req.path.slice(0, q),
    query: q < 0 ? '' : req.path.slice(q + 1),
    headers: req.headers,
    signedHeaders: auth.signedHeaders,
    payload: req.body,
  });
  const scope = `${auth.date}/${auth.service}/tc3_request`;
  const stringToSign = tc3StringToSign(timestamp, scope, canonicalRequest);
  const expected = Buffer.from(tc3Signature(secretKey, auth.date, auth.service, stringToSign));
  if (!timingSafeEqual(expected, Buffer.from(auth.signature))) return fail('the signature does not match the request');
  return { ok: true, secretId: auth.secretId, timestamp, canonicalRequest, stringToSign };
}

// ---------------------------------------------------------------------------------------------
// The server.

/** Tencent refuses larger request bodies; 10 MB is the documented POST limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

const isJsonContentType = (ct: string | undefined): boolean => ct !== undefined && /^application\/json\s*(;\s*charset=utf-8\s*)?$/i.test(ct.trim());

function mustGet<K, V>(map: Map<K, V>, key: K): V {
  const v = map.get(key);
  if (v === undefined) throw new Error(`missing ${String(key)}`);
  return v;
}

export async function startTencentCloud(opts: TencentCloudOptions): Promise<TencentCloudStandIn> {
  const accounts = new Map<string, TcAccount>();
  for (const a of opts.accounts) {
    if (accounts.has(a.secretId)) throw new Error(`account ${a.secretId} given twice`);
    accounts.set(a.secretId, a);
  }
  const byHost = new Map<string, TcService>();
  const addService = (s: TcService) => {
    const host = (s.host ?? `${s.service}.tencentcloudapi.com`).toLowerCase();
    if (byHost.has(host)) throw new Error(`a service is already registered at ${host}`);
    byHost.set(host, s);
  };
  opts.services.forEach(addService);

  const requests: TcRecorded[] = [];
  const tunnels: string[] = [];
  const injected = new Map<string, { code: string; message: string; remaining: number }[]>();
  let clockOffset = 0;
  const sockets = new Set<Socket>();

  const answer = (res: ServerResponse, rec: TcRecorded, response: Record<string, unknown>) => {
    const body = JSON.stringify({ Response: { ...response, RequestId: rec.requestId } });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  const refuse = (res: ServerResponse, rec: TcRecorded, code: string, message: string) => {
    rec.errorCode = code;
    answer(res, rec, { Error: { Code: code, Message: message } });
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, body: Buffer, tooLarge: boolean) => {
    // A proxy may also be sent absolute-form targets; the API lives at "/" either way.
    let path = req.url ?? '/';
    if (/^https?:\/\//i.test(path)) {
      const u = new URL(path);
      path = u.pathname + u.search;
    }
    const headers = { ...req.headers };
    const host = stripPort((req.headers.host ?? '').trim()).toLowerCase();
    const service = byHost.get(host);
    const h = (name: string) => header(req.headers, name);
    const rec: TcRecorded = {
      service: service?.service,
      host: host || undefined,
      action: h('x-tc-action'),
      version: h('x-tc-version'),
      region: h('x-tc-region'),
      secretId: undefined,
      token: h('x-tc-token'),
      params: undefined,
      headers,
      body: body.toString('utf8'),
      requestId: randomUUID(),
    };
    requests.push(rec);

    // Not one of the registered API hosts, or not the API's path: no such endpoint.
    if (!service || path.split('?')[0] !== '/') {
      rec.errorCode = 'HTTP_404';
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(service ? 'API 3.0 is served at /\n' : `no Tencent Cloud service is registered at host ${host || '(none)'}\n`);
      return;
    }
    if (req.method !== 'POST') {
      return refuse(res, rec, 'UnsupportedProtocol', `HTTP(S) request protocol error; the stand-in serves only POST with application/json, not ${req.method}.`);
    }
    if (tooLarge) return refuse(res, rec, 'RequestSizeLimitExceeded', 'The request body exceeds the size limit.');
    if (!isJsonContentType(h('content-type'))) {
      return refuse(res, rec, 'InvalidParameter', `Content-Type \`${h('content-type') ?? ''}\` is not supported: send application/json.`);
    }
    for (const [headerName, param] of [['x-tc-action', 'Action'], ['x-tc-version', 'Version'], ['x-tc-timestamp', 'Timestamp'], ['authorization', 'Authorization']] as const) {
      if (!h(headerName)) return refuse(res, rec, 'MissingParameter', `The request is missing a required parameter \`${param}\`.`);
    }

    const verdict = verifyTc3(
      { method: req.method, path, headers: req.headers, body },
      { secretKeyOf: (id) => accounts.get(id)?.secretKey, service: service.service, nowSeconds: Math.floor(Date.now() / 1000) + clockOffset },
    );
    if (!verdict.ok) {
      rec.secretId = verdict.secretId;
      return refuse(res, rec, verdict.code, verdict.message);
    }
    rec.secretId = verdict.secretId;
    // A temporary key is only good with its token, and a token never goes with a permanent key.
    const account = mustGet(accounts, verdict.secretId);
    const token = h('x-tc-token');
    if (account.token !== undefined ? token !== account.token : token !== undefined) {
      const why = account.token === undefined ? 'this SecretId is a permanent key and takes no token' : token === undefined ? 'this temporary SecretId needs its X-TC-Token' : 'it does not belong to this SecretId';
      return refuse(res, rec, 'AuthFailure.TokenFailure', `Token error: ${why}.`);
    }

    // Both were checked present above.
    const actionName = h('x-tc-action')!;
    const version = h('x-tc-version')!;
    if (version !== service.version) {
      return refuse(res, rec, 'NoSuchVersion', `The specified api version=\`${version}\` does not exist in service=\`${service.service}\`.`);
    }
    const action = Object.hasOwn(service.actions, actionName) ? service.actions[actionName] : undefined;
    if (!action) return refuse(res, rec, 'InvalidAction', `The request \`Action\` is invalid or not found: \`${actionName}\` in service \`${service.service}\`.`);
    const region = h('x-tc-region');
    if ((action.regional ?? true) && !region) return refuse(res, rec, 'MissingParameter', 'The request is missing a required parameter `Region`.');

    const queue = injected.get(actionName);
    const fault = queue?.[0];
    if (queue && fault) {
      if (--fault.remaining <= 0) queue.shift();
      return refuse(res, rec, fault.code, fault.message);
    }

    let params: unknown;
    try {
      params = JSON.parse(rec.body);
    } catch {
      return refuse(res, rec, 'InvalidParameter', 'The request body is not valid JSON.');
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      return refuse(res, rec, 'InvalidParameter', 'The request body must be a JSON object.');
    }
    const fields = params as Record<string, unknown>;
    rec.params = fields;
    for (const name of action.required ?? []) {
      if (fields[name] === undefined || fields[name] === null) {
        return refuse(res, rec, 'MissingParameter', `The request is missing a required parameter \`${name}\`.`);
      }
    }

    const ctx: TcRequestContext = {
      service: service.service,
      host,
      action: actionName,
      version,
      region,
      secretId: verdict.secretId,
      token,
      timestamp: verdict.timestamp,
      headers,
    };
    try {
      const result = await action.handle(fields, ctx);
      answer(res, rec, { ...(result as Record<string, unknown>) });
    } catch (err) {
      if (err instanceof TcError) return refuse(res, rec, err.code, err.message);
      // A bug in a handler: say so in the envelope, where the failing test will show it.
      refuse(res, rec, 'InternalError', `stand-in handler for ${actionName} threw: ${(err as Error)?.stack ?? String(err)}`);
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      serve(req, res, Buffer.concat(chunks), tooLarge).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(err));
      });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  // The SDK's proxy agent tunnels to <service>.tencentcloudapi.com:80; a registered host gets
  // the tunnel and the same HTTP server reads from it. Anything else is not ours to reach.
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const target = req.url ?? '';
    tunnels.push(target);
    const m = /^([^:\s]+):(\d+)$/.exec(target);
    const host = m?.[1]?.toLowerCase();
    if (!host || !byHost.has(host)) {
      socket.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nno Tencent Cloud service is registered at ${target}\n`);
      return;
    }
    if (m?.[2] !== '80') {
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nthe stand-in tunnels only to port 80, not ${target}\n`);
      return;
    }
    socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    server.emit('connection', socket);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    proxyUrl: `http://127.0.0.1:${port}`,
    port,
    endpoint(name: string) {
      for (const [host, s] of byHost) if (s.service === name) return `http://${host}`;
      throw new Error(`no service ${name} is registered with the stand-in`);
    },
    requests,
    tunnels,
    failNext(action, code, message = `${code} (injected by the test)`, times = 1) {
      if (!(times >= 1)) throw new Error('failNext needs times >= 1');
      const queue = injected.get(action) ?? [];
      queue.push({ code, message, remaining: times });
      injected.set(action, queue);
    },
    setClockOffset(seconds) {
      clockOffset = seconds;
    },
    addService,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
