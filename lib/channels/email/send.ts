/**
 * E-mail over SMTP with nodemailer, loaded on the first send only (lazyRequire): a healthy cold
 * start never pays for it. TLS always: from the first byte on port 465 (or `secure: true`),
 * otherwise STARTTLS is required before AUTH. Errors are rebuilt from safe parts (codes, the
 * server's reply with any secret blanked): nodemailer's own may carry commands and replies.
 */
import type Nodemailer from 'nodemailer';
import type { NodemailerError, SMTPTransportOptions } from 'nodemailer';
import type { EmailChannelConfig } from './schema';
import { lazyRequire } from '../../util/lazy';
import { contextWithCa } from '../../util/trust';
import type { DetailTable } from '../../report/record';
import { messageTitle, tableLines, viewNotice } from '../../alerting/messages';
import { DeliveryError, type Channel, type FailureKind, type Notice, type Receipt } from '../../alerting/types';
import { customBlock, moreText, peerText } from '../webhook';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const KIND_COLOR = { alert: '#c5221f', reminder: '#b06000', resolved: '#137333', broken: '#5f6368', cleared: '#137333' } as const;

interface Rendered {
  subject: string;
  text: string;
  html: string;
}

const CELL = 'style="padding:2px 10px;border:1px solid #dadce0;text-align:left"';

/** The worst nodes or partitions as a bordered table (the seeds' speed-test mail had one). */
function detailTableHtml(t: DetailTable): string {
  const head = t.columns.map((c) => `<th ${CELL}>${escapeHtml(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td ${CELL}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
  return `<table cellspacing="0" cellpadding="0" style="border-collapse:collapse;margin-top:6px"><tr>${head}</tr>${body}</table>`;
}

export function renderEmail(cfg: EmailChannelConfig, notices: readonly Notice[], note?: string): Rendered {
  const title = messageTitle(notices, cfg.locale);
  const prefix = cfg.subject ?? '';
  const subject = prefix && !/\s$/.test(prefix) ? `${prefix} ${title}` : `${prefix}${title}`;
  const shown = notices.slice(0, cfg.maxPerMessage);
  const omitted = notices.map((_, i) => i).slice(shown.length);
  const more = omitted.length ? moreText(notices, cfg.locale)(omitted) : '';

  const text: string[] = [title, ''];
  const html: string[] = [`<h2 style="margin:0 0 12px">${escapeHtml(title)}</h2>`];
  if (note) {
    text.push(note, '');
    html.push(`<p style="color:#5f6368">${escapeHtml(note)}</p>`);
  }
  for (const n of shown) {
    const custom = customBlock(n, cfg.locale, cfg.template, (s) => s);
    if (custom !== undefined) {
      text.push(custom, '');
      html.push(`<pre style="white-space:pre-wrap;font-family:inherit">${escapeHtml(custom)}</pre>`);
      continue;
    }
    const view = viewNotice(n, cfg.locale);
    text.push(view.headline, ...view.fields.map(([label, value]) => `  ${label}: ${value}`), ...(view.table ? tableLines(view.table).map((l) => `    ${l}`) : []), '');
    const rows = view.fields
      .map(([label, value]) => `<tr><th align="left" valign="top" style="padding:2px 12px 2px 0;white-space:nowrap">${escapeHtml(label)}</th><td style="padding:2px 0">${escapeHtml(value)}</td></tr>`)
      .join('');
    html.push(
      `<h3 style="margin:16px 0 4px;color:${KIND_COLOR[n.kind]}">${escapeHtml(view.headline)}</h3>`,
      `<table cellspacing="0" cellpadding="0" style="border-collapse:collapse">${rows}</table>`,
    );
    if (view.table) html.push(detailTableHtml(view.table));
  }
  if (more) {
    text.push(more);
    html.push(`<p style="color:#5f6368">${escapeHtml(more)}</p>`);
  }
  const lang = cfg.locale === 'en' ? 'en' : 'zh-CN';
  return {
    subject,
    text: text.join('\n'),
    html: `<!doctype html><html lang="${lang}"><body style="font-family:sans-serif">${html.join('\n')}</body></html>`,
  };
}

const CERT = /CERT|_SIGNED|UNABLE_TO_|SELF_SIGNED|HOSTNAME_MISMATCH|ALTNAME/;

/** Turns what nodemailer threw into a DeliveryError built from safe parts only. */
function classify(err: NodemailerError, cfg: EmailChannelConfig, dataSent: boolean, timedOut: boolean): DeliveryError {
  const server = `${cfg.host}:${cfg.port}`;
  // The password as typed, and as AUTH LOGIN / AUTH PLAIN put it on the wire.
  const secrets = cfg.pass
    ? [cfg.pass, Buffer.from(cfg.pass).toString('base64'), Buffer.from(`\0${cfg.user ?? ''}\0${cfg.pass}`).toString('base64')]
    : [];
  const reply = err.response ? `${err.responseCode ?? ''} ${peerText(err.response.replace(/^\d{3}[ -]?/, ''), secrets)}`.trim() : '';
  const replied = reply ? ` (${reply})` : '';
  const code = err.code ?? '';
  const original = err.originalCode ?? '';
  const make = (c: string, what: string, kind: FailureKind) => new DeliveryError(c, `SMTP ${server}: ${what}`, kind);
  // Once the server said 354 the message went out: silence or a cut may hide a delivery.
  const lost = (c: string, what: string) =>
    dataSent ? make(c, `${what} after the message was sent; it may have been delivered`, 'unknown') : make(c, what, 'retry');

  if (timedOut || code === 'ETIMEDOUT') return lost('TIMEOUT', `no answer within ${cfg.timeoutMs} ms`);
  if (code === 'EABORT') return lost('ABORTED', 'stopped at the run deadline');
  if (code === 'EAUTH') {
    const who = cfg.user ? `as ${cfg.user}` : 'without a user';
    const kind = err.responseCode !== undefined && err.responseCode >= 400 && err.responseCode < 500 ? 'retry' : 'permanent';
    return new DeliveryError('EAUTH', `SMTP login ${who} refused by ${server}${replied}`, kind);
  }
  if (original === 'ECONNREFUSED') return make('CONNECT_REFUSED', 'connection refused', 'retry');
  if (code === 'EDNS' || original === 'ENOTFOUND' || original === 'EAI_AGAIN') return make('DNS_ERROR', `cannot resolve ${cfg.host}`, 'retry');
  if (CERT.test(original) || CERT.test(code)) {
    return make('TLS_ERROR', `TLS certificate not accepted (${original || code}); set insecure only for a server you trust`, 'permanent');
  }
  if (original === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return make('TLS_ERROR', 'the server does not speak TLS from the first byte: check port and secure', 'permanent');
  }
  if (original.startsWith('ERR_SSL_') || original.startsWith('ERR_TLS_')) return make('TLS_ERROR', `TLS handshake failed (${original})`, 'retry');
  if (code === 'ETLS') return make('TLS_ERROR', `TLS or STARTTLS failed${replied}`, err.responseCode && err.responseCode >= 500 ? 'permanent' : 'retry');
  if (err.responseCode !== undefined) {
    const rc = err.responseCode;
    const what = code === 'EENVELOPE' && err.rejected?.length ? `every recipient was refused${replied}` : `the server refused the message${replied}`;
    return make(`SMTP_${rc}`, what, rc >= 500 && rc !== 503 ? 'permanent' : 'retry');
  }
  if (code === 'ECONNECTION' || code === 'ESOCKET') return lost('CONNECTION_RESET', 'the connection was closed');
  return lost('SMTP_ERROR', `delivery failed${code ? ` (${code})` : ''}`);
}

export const email = {
  type: 'email',
  async send(cfg: EmailChannelConfig, notices: Notice[], opts) {
    const nodemailer = lazyRequire<typeof Nodemailer>('nodemailer');
    const secure = cfg.secure ?? cfg.port === 465;
    let dataSent = false;
    const options: SMTPTransportOptions = {
      host: cfg.host,
      port: cfg.port,
      secure,
      requireTLS: !secure,
      tls: {
        rejectUnauthorized: !cfg.insecure,
        minVersion: 'TLSv1.2',
        // Added to the public roots, not instead of them, as for an http monitor's `ca`.
        ...(cfg.ca ? { secureContext: contextWithCa(cfg.ca) } : {}),
      },
      auth: cfg.user ? { user: cfg.user, pass: cfg.pass ?? '' } : undefined,
      // nodemailer waits minutes by default; a function's run cannot.
      connectionTimeout: cfg.timeoutMs,
      greetingTimeout: cfg.timeoutMs,
      socketTimeout: cfg.timeoutMs,
      dnsTimeout: cfg.timeoutMs,
      // The transaction log is the one place that tells when the server accepted DATA.
      transactionLog: true,
      logger: {
        debug: (entry: { tnx?: string }, message: unknown) => {
          if (entry?.tnx === 'server' && typeof message === 'string' && message.startsWith('354')) dataSent = true;
        },
        info: () => {},
        warn: () => {},
        error: () => {},
      },
      // Everything in the message is text we built: never let it name a file or URL to read.
      disableFileAccess: true,
      disableUrlAccess: true,
    };
    const transport = nodemailer.createTransport(options);
    const stop = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stop.abort();
    }, cfg.timeoutMs);
    const onAbort = () => stop.abort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    if (opts.signal.aborted) stop.abort();
    try {
      const m = renderEmail(cfg, notices, opts.note);
      const info = await transport.sendMail({ from: cfg.from, to: cfg.to, subject: m.subject, text: m.text, html: m.html, signal: stop.signal });
      const receipt: Receipt = { detail: `${info.messageId} accepted by ${cfg.host}:${cfg.port}` };
      const rejected = info.rejected.map(String);
      if (rejected.length) receipt.partial = rejected;
      return receipt;
    } catch (err) {
      throw classify(err as NodemailerError, cfg, dataSent, timedOut && !opts.signal.aborted);
    } finally {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      transport.close();
    }
  },
} satisfies Channel<EmailChannelConfig>;

/** What lib/channels/load.ts takes from this file. */
export { email as sender };
