/**
 * One JSON POST to a robot webhook (WeCom, DingTalk), with node:http directly so that nothing
 * but this file decides what an error says. The webhook's path and query carry the secret
 * (WeCom `key=`, DingTalk `access_token=`, `sign=`), so messages name the host only, and node's
 * own errors (which carry the request options) are never wrapped or kept as a cause. Also the
 * few text helpers the channels share.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Locale } from '../config/channel-base';
import { cutUtf8, fillTemplate, templateValues, WORDS, type Templates } from '../alerting/messages';
import { DeliveryError, type FailureKind, type Notice } from '../alerting/types';

/** Robots answer with a few hundred bytes; anything bigger is not their answer. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface RobotAnswer {
  status: number;
  errcode: number;
  errmsg: string;
}

export interface PostOptions {
  /** Names the channel in messages: "wecom", "dingtalk". */
  channel: string;
  url: URL;
  body: string;
  timeoutMs: number;
  signal: AbortSignal;
}

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Certificate problems do not heal by retrying; a handshake cut short might. */
function isCertificateError(code: string): boolean {
  return /CERT|_SIGNED|UNABLE_TO_|SELF_SIGNED|HOSTNAME_MISMATCH|ALTNAME/.test(code);
}

/**
 * Text a peer sent back (errmsg, an SMTP reply), fit for a log line: one line, bounded, and
 * with every known secret blanked, in case a peer echoes what it was sent.
 */
export function peerText(text: string, secrets: readonly (string | undefined)[], max = 200): string {
  let s = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  for (const secret of secrets) {
    if (secret && secret.length >= 3) s = s.split(secret).join('***');
  }
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * POSTs `body` and resolves with the robot's `{errcode, errmsg}` on a 2xx JSON answer; the
 * channel decides what an errcode means. Every other outcome rejects with a DeliveryError:
 * before the body went out nothing can have arrived ('retry'); after it, silence or a cut
 * connection may hide a delivered message ('unknown').
 */
export function postJson(o: PostOptions): Promise<RobotAnswer> {
  const where = `${o.channel} webhook at ${o.url.host}`;
  const payload = Buffer.from(o.body, 'utf8');
  const send = o.url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise((resolve, reject) => {
    let sent = false;
    let settled = false;
    const req = send({
      protocol: o.url.protocol,
      hostname: o.url.hostname.replace(/^\[|\]$/g, ''),
      port: o.url.port || undefined,
      path: `${o.url.pathname}${o.url.search}`,
      method: 'POST',
      // A fresh connection per message: no pooled socket outlives the send.
      agent: false,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': payload.length,
        accept: 'application/json',
        'user-agent': 'scf-monitor',
      },
    });

    const finish = () => {
      settled = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
    };
    const fail = (code: string, kind: FailureKind, what: string, retryAfter?: number) => {
      if (settled) return;
      finish();
      req.destroy();
      reject(new DeliveryError(code, `${where}: ${what}`, kind, retryAfter));
    };
    const afterSend = (code: string, what: string) =>
      sent
        ? fail(code, 'unknown', `${what} after the message was sent; it may have been delivered`)
        : fail(code, 'retry', `${what} before the message was sent`);

    const timer = setTimeout(
      () => (sent ? afterSend('TIMEOUT', `no answer within ${o.timeoutMs} ms`) : fail('CONNECT_TIMEOUT', 'retry', `no connection within ${o.timeoutMs} ms`)),
      o.timeoutMs,
    );
    const onAbort = () => afterSend('ABORTED', 'stopped at the run deadline');
    o.signal.addEventListener('abort', onAbort, { once: true });

    // 'finish' fires once the whole body is handed to a connected socket.
    req.on('finish', () => {
      sent = true;
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (DNS.has(code)) return fail('DNS_ERROR', 'retry', `cannot resolve ${o.url.hostname} (${code})`);
      if (code === 'ECONNREFUSED') return fail('CONNECT_REFUSED', 'retry', 'connection refused');
      if (UNREACHABLE.has(code)) return fail('CONNECT_REFUSED', 'retry', `host unreachable (${code})`);
      if (code === 'ETIMEDOUT') return afterSend('TIMEOUT', 'the connection timed out');
      if (isCertificateError(code)) return fail('TLS_ERROR', 'permanent', `TLS certificate not accepted (${code})`);
      if (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) return fail('TLS_ERROR', 'retry', `TLS handshake failed (${code})`);
      if (RESET.has(code)) return afterSend('CONNECTION_RESET', 'the connection was closed');
      return afterSend('NETWORK_ERROR', `network error${code ? ` (${code})` : ''}`);
    });
    req.on('response', (res: IncomingMessage) => onResponse(res));

    const onResponse = (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status === 429 || status >= 500) {
        return fail(`HTTP_${status}`, 'retry', `HTTP ${status}`, retryAfterMs(res.headers['retry-after'], Date.now()));
      }
      // Redirects are not followed: the secret query would go wherever they point.
      if (status < 200 || status >= 300) return fail(`HTTP_${status}`, 'permanent', `HTTP ${status}`);

      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) return fail('BAD_ANSWER', 'unknown', `answer larger than ${MAX_ANSWER_BYTES} bytes`);
        chunks.push(chunk);
      });
      res.on('error', () => afterSend('CONNECTION_RESET', 'the answer was cut off'));
      res.on('close', () => {
        if (!res.complete) afterSend('CONNECTION_RESET', 'the answer was cut off');
      });
      res.on('end', () => {
        if (settled) return;
        let answer: unknown;
        try {
          answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          answer = undefined;
        }
        const a = answer as { errcode?: unknown; errmsg?: unknown } | undefined;
        if (!a || typeof a.errcode !== 'number') {
          return fail('BAD_ANSWER', 'unknown', `HTTP ${status} without the robot's {errcode, errmsg} answer`);
        }
        finish();
        resolve({ status, errcode: a.errcode, errmsg: typeof a.errmsg === 'string' ? a.errmsg : '' });
      });
    };

    if (o.signal.aborted) return onAbort();
    req.end(payload);
  });
}

// ---- Text shared by the robot channels (and the e-mail's "more" line) ----

/**
 * A value from a notice on one markdown line. Monitor names, targets and reasons come from
 * configs and remote servers: a newline would break the layout, and `<` could open a font tag
 * or a WeCom `<@all>` mention, so they become full-width look-alikes.
 */
export function inline(value: string): string {
  return value.replace(/\r?\n|\r/g, ' ').replace(/</g, '\uff1c').replace(/>/g, '\uff1e');
}

/**
 * The user's template for this notice, filled with values made safe by `clean`; the template
 * itself is config and may use the channel's markup on purpose.
 */
export function customBlock(n: Notice, locale: Locale, templates: Templates | undefined, clean: (s: string) => string): string | undefined {
  const template = templates?.[n.kind];
  if (!template) return undefined;
  const values = templateValues(n, locale);
  const safe: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) safe[k] = clean(v);
  return fillTemplate(template, safe);
}

/** The "and N more" line, naming the monitors left out, within a few hundred bytes. */
export function moreText(notices: readonly Notice[], locale: Locale): (omitted: number[]) => string {
  return (omitted) => {
    const names = omitted.map((i) => notices[i]?.monitor ?? '').join(', ');
    const cut = cutUtf8(names, 400);
    return WORDS[locale].more(omitted.length, cut === names ? names : `${cut}...`);
  };
}
