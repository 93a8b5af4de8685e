/**
 * A failed Tencent Cloud API call, classified the way the callers act on it: the outbox and
 * the ckafka/scf retries only retry `retry` and `unknown`. Codes are Tencent's own
 * (AuthFailure.SignatureFailure, RequestLimitExceeded ...) or ours for transport failures
 * (CONNECT_REFUSED, TIMEOUT, NO_CREDENTIALS).
 */
import type { FailureKind } from '../util/failure-kind';

export class TencentApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: FailureKind,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'TencentApiError';
  }
}

/** How long a rate-limited caller waits before trying again (Tencent gives no Retry-After). */
export const RATE_LIMIT_WAIT_MS = 1000;

/** What a code from the API's error envelope means for a retry. */
export function kindOfCode(code: string): FailureKind {
  if (code === 'RequestLimitExceeded' || code.startsWith('RequestLimitExceeded.')) return 'retry';
  // The request reached the service and failed inside it; for SendSms the SMS was not sent.
  if (code === 'InternalError' || code.startsWith('InternalError.')) return 'retry';
  if (code === 'ResourceUnavailable' || code === 'ServiceUnavailable') return 'retry';
  // AuthFailure.*, InvalidParameter*, FailedOperation.*, UnauthorizedOperation.*, LimitExceeded.*:
  // the same request will fail the same way until someone changes the config or the account.
  return 'permanent';
}

export function isTencentApiError(err: unknown): err is TencentApiError {
  const e = err as Partial<TencentApiError> | undefined;
  return e?.name === 'TencentApiError' && typeof e.code === 'string' && typeof e.kind === 'string';
}
