/**
 * How a failed call to a peer should be treated, shared by alert delivery and the Tencent
 * Cloud API client: whether trying again can help, and whether the first try may have landed.
 */
export type FailureKind =
  /** Not done, may succeed later (refused, HTTP 5xx, rate limit). */
  | 'retry'
  /** The request went out and no answer came: it may have arrived. Retried anyway. */
  | 'unknown'
  /** Will never succeed as configured (bad webhook, wrong password): stop retrying. */
  | 'permanent';
