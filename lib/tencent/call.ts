/**
 * One Tencent Cloud API call through an SDK client, with the run's AbortSignal, turned into a
 * TencentApiError the callers can act on; and a retry loop for readers (ckafka, scf) that
 * backs off inside the run's deadline. Senders (the sms channel) leave retries to the outbox.
 */
import { sleep } from '../util/abort';
import { isTencentApiError, kindOfCode, RATE_LIMIT_WAIT_MS, TencentApiError } from './api-error';

/** The part of the SDK's AbstractClient we use: `request` takes the signal, the typed methods do not. */
export interface ApiClient {
  request(action: string, req: unknown, options?: { signal?: AbortSignal }): Promise<unknown>;
}

interface SdkError {
  message?: string;
  code?: string;
  httpCode?: number;
  requestId?: string;
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  // A peer that echoes the request's Authorization header hands back its signature: not the
  // key, but a valid credential for that request until it expires.
  return out.replace(/Signature=[0-9A-Fa-f]{16,}/g, 'Signature=***');
}

/** The SDK's exception (or a bug) as a TencentApiError whose message is safe to log. */
export function toApiError(err: unknown, action: string, host: string, secrets: readonly string[]): TencentApiError {
  if (isTencentApiError(err)) return err;
  const e = (err ?? {}) as SdkError;
  const said = scrub(String(e.message ?? ''), secrets).slice(0, 300);
  const requestId = e.requestId || undefined;
  if (e.code) {
    return new TencentApiError(e.code, `${action} at ${host}: ${e.code}: ${said}${requestId ? ` (RequestId ${requestId})` : ''}`, kindOfCode(e.code), requestId);
  }
  if (e.httpCode) {
    const kind = e.httpCode >= 500 || e.httpCode === 429 ? 'retry' : 'permanent';
    return new TencentApiError(`HTTP_${e.httpCode}`, `${action} at ${host} answered HTTP ${e.httpCode}`, kind);
  }
  // Transport failures arrive as node-fetch's message wrapped by the SDK, with no code.
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/.test(said)) {
    return new TencentApiError('CONNECT_FAILED', `${action} could not reach ${host}: ${said}`, 'retry');
  }
  if (/timeout/i.test(said)) return new TencentApiError('TIMEOUT', `${action} at ${host} did not answer in time`, 'unknown');
  if (/abort/i.test(said)) return new TencentApiError('ABORTED', `${action} at ${host} stopped at the run's deadline`, 'unknown');
  return new TencentApiError('TRANSPORT', `${action} at ${host} failed: ${said || (err as Error)?.name || 'error'}`, 'unknown');
}

export interface CallOptions {
  signal: AbortSignal;
  /** For messages: the API host the client talks to. */
  host: string;
  secrets: readonly string[];
}

export async function callApi<T>(client: ApiClient, action: string, req: unknown, opts: CallOptions): Promise<T> {
  try {
    return (await client.request(action, req, { signal: opts.signal })) as T;
  } catch (err) {
    throw toApiError(err, action, opts.host, opts.secrets);
  }
}

export interface RetryOptions extends CallOptions {
  /** No attempt starts after this time (epoch ms). */
  deadlineAt?: number;
  maxAttempts?: number;
}

const FIRST_BACKOFF_MS = 200;

/** `callApi`, retried on RequestLimitExceeded, InternalError and transport failures while time is left. */
export async function callApiWithRetry<T>(client: ApiClient, action: string, req: unknown, opts: RetryOptions): Promise<T> {
  const max = opts.maxAttempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      return await callApi<T>(client, action, req, opts);
    } catch (err) {
      const e = err as TencentApiError;
      if (e.kind === 'permanent' || attempt >= max || opts.signal.aborted) throw e;
      const wait = e.code.startsWith('RequestLimitExceeded') ? RATE_LIMIT_WAIT_MS : FIRST_BACKOFF_MS * 2 ** (attempt - 1);
      if (opts.deadlineAt !== undefined && Date.now() + wait >= opts.deadlineAt) throw e;
      await sleep(wait, opts.signal);
      if (opts.signal.aborted) throw e;
    }
  }
}
