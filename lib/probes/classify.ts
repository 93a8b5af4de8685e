/**
 * Turns a socket-level error into a failure code and a sentence a person can act on: which
 * address, which phase, what happened. Node's own messages are kept as the detail.
 */
import type { Failure } from './types';

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL', 'ENOTIMP', 'EREFUSED']);
const REFUSED = new Set(['ECONNREFUSED']);
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);
const TIMEOUT = new Set(['ETIMEDOUT']);

export type Phase = 'dns' | 'connect' | 'tls' | 'request' | 'response' | 'body';

export function isTlsError(err: NodeJS.ErrnoException): boolean {
  const code = err.code ?? '';
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    /CERT|_SIGNED|UNABLE_TO_|SELF_SIGNED|HOSTNAME_MISMATCH/.test(code) ||
    (code === 'EPROTO' && /SSL|TLS/i.test(err.message))
  );
}

export function classifyError(err: NodeJS.ErrnoException, phase: Phase, host: string, addr: string): Failure {
  const code = err.code ?? '';
  const detail = `${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`;
  if (DNS.has(code) || phase === 'dns') return { code: 'DNS_ERROR', message: `cannot resolve ${host}: ${detail}` };
  if (REFUSED.has(code)) return { code: 'CONNECT_REFUSED', message: `connection refused by ${addr}` };
  if (UNREACHABLE.has(code)) return { code: 'CONNECT_REFUSED', message: `${addr} is unreachable: ${detail}` };
  if (TIMEOUT.has(code) && phase === 'connect') return { code: 'CONNECT_TIMEOUT', message: `no TCP connection to ${addr}: ${detail}` };
  if (isTlsError(err)) return { code: 'TLS_ERROR', message: `TLS handshake with ${addr} (${host}) failed: ${detail}` };
  if (code.startsWith('HPE_') || code === 'ERR_INVALID_HTTP_RESPONSE' || code.startsWith('Z_')) {
    return { code: 'PROTOCOL_ERROR', message: `${addr} sent an invalid HTTP response: ${detail}` };
  }
  if (RESET.has(code) || err.message === 'aborted' || err.message === 'socket hang up') {
    const when = phase === 'body' ? 'while sending the body' : phase === 'tls' ? 'during the TLS handshake' : phase === 'connect' ? 'while connecting' : 'before answering';
    return { code: 'CONNECTION_RESET', message: `${addr} closed the connection ${when}: ${detail}` };
  }
  if (phase === 'connect') return { code: 'CONNECT_REFUSED', message: `cannot connect to ${addr}: ${detail}` };
  return { code: 'PROTOCOL_ERROR', message: `${addr}: ${detail}` };
}
