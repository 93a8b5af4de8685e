/**
 * The one documented list of failure codes (README "Failure codes"). Users alert and script on
 * these strings, so a code is only ever added here, never renamed.
 */
export const FAILURE_CODES = [
  'DNS_ERROR',
  'CONNECT_REFUSED',
  'CONNECT_TIMEOUT',
  'READ_TIMEOUT',
  'CONNECTION_RESET',
  'PROTOCOL_ERROR',
  'TLS_ERROR',
  'CERT_EXPIRING',
  'HTTP_STATUS',
  'BODY_MISMATCH',
  'REDIRECT_LIMIT',
  'SLOW_RESPONSE',
  'LOW_SUCCESS_RATE',
  'DNS_MISMATCH',
  'DNS_SERVER_DOWN',
  'DEADLINE',
  'PROBE_NETWORK',
  'PROVIDER_ERROR',
  'LAG_THRESHOLD',
  'STOP',
  'STALL',
  'WARN',
  'REWIND',
  'HEARTBEAT_MISSED',
  'HEARTBEAT_FAILED',
  'NO_DATA',
  'HOST_UNREACHABLE',
  'HOST_THRESHOLD',
  'STATE_RESET',
  'LOSS_DEVIATION',
  'LATENCY_DEVIATION',
  'SWEEP_INCOMPLETE',
  'TARGETS_UNREADABLE',
  'PAGE_TIMEOUT',
  'SLOW_PAGE',
  'PAGE_CONTENT',
  'PAGE_REQUEST_FAILED',
  'CONSOLE_ERROR',
  'BROWSER_ERROR',
] as const;

export type FailureCode = (typeof FAILURE_CODES)[number];

export interface Reason {
  code: FailureCode;
  message: string;
}

/** Failures of one attempt to reach a target; retrying may help only for these. */
export const CONNECT_PHASE_CODES: ReadonlySet<FailureCode> = new Set([
  'DNS_ERROR',
  'CONNECT_REFUSED',
  'CONNECT_TIMEOUT',
]);
