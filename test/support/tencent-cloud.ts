/**
 * A strict stand-in for the Tencent Cloud API (TC3-HMAC-SHA256, API 3.0) on loopback, shared by
 * the sms, ckafka and scf tests. CONTRACT ONLY: the exported names and shapes below are what
 * the other test files code against. NOT_IMPLEMENTED
 *
 * How clients reach it: the SDK is given `proxy: standIn.proxyUrl` and
 * `endpoint: "http://<service>.tencentcloudapi.com"`; the SDK (https-proxy-agent) sends
 * `CONNECT <service>.tencentcloudapi.com:80` to the stand-in, which answers 200 and serves the
 * API on the tunnelled socket. So the Host header is the real service host, with no port.
 */

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

export async function startTencentCloud(_opts: TencentCloudOptions): Promise<TencentCloudStandIn> {
  throw new Error('NOT_IMPLEMENTED');
}
