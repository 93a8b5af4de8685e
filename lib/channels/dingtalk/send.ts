/**
 * DingTalk (钉钉) custom group robot: one `markdown` message per batch. What the robot docs
 * (open.dingtalk.com, custom-robot-access / robot-message-type) and its error answers fix:
 * - "加签": `timestamp` (ms, within an hour of DingTalk's clock) and
 *   `sign` = urlencode(base64(HMAC-SHA256(key = secret, timestamp + "\n" + secret)));
 * - "自定义关键词": a message without one of the keywords is refused (310000);
 * - an @mobile notifies only when `@<mobile>` is also in the text;
 * - the request body must stay within 20000 bytes (460101 "body 大小不合法");
 * - 20 messages a minute per robot, then 10 minutes of 130101 "send too fast".
 */
import { createHmac } from 'node:crypto';
import type { DingtalkChannelConfig } from './schema';
import { fitMessage, messageTitle, tableLines, viewNotice } from '../../alerting/messages';
import { DeliveryError, type Channel, type Notice, type Receipt } from '../../alerting/types';
import { customBlock, inline, moreText, peerText, postJson } from '../webhook';

export const DINGTALK_MAX_BODY_BYTES = 20_000;

/** Past the per-minute limit DingTalk throttles the robot for ten minutes. */
const RATE_LIMIT_WAIT_MS = 10 * 60_000;

export function dingtalkSign(secret: string, timestampMs: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
  return encodeURIComponent(mac);
}

function block(n: Notice, cfg: DingtalkChannelConfig): string {
  const custom = customBlock(n, cfg.locale, cfg.template, inline);
  if (custom !== undefined) return custom;
  const view = viewNotice(n, cfg.locale);
  return [
    `#### ${inline(view.headline)}`,
    ...view.fields.map(([label, value]) => `- ${label}: ${inline(value)}`),
    ...(view.table ? tableLines(view.table).map((l) => `  - ${inline(l)}`) : []),
  ].join('\n');
}

interface Payload {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
  at: { atMobiles: string[]; isAtAll: boolean };
}

/** The payload whose JSON body fits DingTalk's limit, with a keyword when the robot needs one. */
export function dingtalkPayload(cfg: DingtalkChannelConfig, notices: readonly Notice[], note?: string): Payload {
  const title = inline(messageTitle(notices, cfg.locale));
  const mobiles = cfg.atMobiles.map((m) => m.trim()).filter(Boolean);
  const blocks = notices.map((n) => block(n, cfg));
  const more = moreText(notices, cfg.locale);
  const build = (keyword: string | undefined, maxBytes: number): Payload => {
    // The keyword leads both the title and the heading that opens the text.
    const t = keyword ? `${keyword} ${title}` : title;
    const text = fitMessage({
      head: `### ${t}\n\n${note ? `${inline(note)}\n\n` : ''}`,
      blocks,
      separator: '\n\n',
      more: (omitted) => inline(more(omitted)),
      tail: mobiles.length ? `\n\n${mobiles.map((m) => `@${m}`).join(' ')}` : '',
      maxBytes,
      maxItems: cfg.maxPerMessage,
      locale: cfg.locale,
    }).text;
    return { msgtype: 'markdown', markdown: { title: t, text }, at: { atMobiles: mobiles, isAtAll: cfg.atAll } };
  };
  // JSON escapes (\n, \", \\) make the body longer than the text: shrink until it fits.
  const fit = (keyword: string | undefined): Payload => {
    let budget = DINGTALK_MAX_BODY_BYTES;
    for (;;) {
      const p = build(keyword, budget);
      const excess = Buffer.byteLength(JSON.stringify(p), 'utf8') - DINGTALK_MAX_BODY_BYTES;
      if (excess <= 0 || budget <= 0) return p;
      budget -= excess;
    }
  };
  const plain = fit(undefined);
  const [first] = cfg.keywords;
  // Whether DingTalk looks at the title too is not documented: only the text is trusted.
  const has = (p: Payload) => cfg.keywords.some((k) => p.markdown.text.includes(k));
  return first === undefined || has(plain) ? plain : fit(first);
}

/** The webhook with this send's `timestamp` and `sign`, replacing any pasted with the URL. */
function signedUrl(webhook: string, signature: { timestamp: number; sign: string } | undefined): URL {
  const url = new URL(webhook);
  if (!signature) return url;
  url.searchParams.delete('timestamp');
  url.searchParams.delete('sign');
  // Appended by hand: `sign` is already urlencoded and searchParams would encode it again.
  const sep = url.search ? '&' : '?';
  return new URL(`${url.origin}${url.pathname}${url.search}${sep}timestamp=${signature.timestamp}&sign=${signature.sign}`);
}

function interpret(host: string, errcode: number, errmsg: string, secrets: (string | undefined)[]): Receipt {
  const said = `errcode ${errcode}: ${peerText(errmsg, secrets)}`;
  switch (errcode) {
    case 0:
      return { detail: `dingtalk: ${peerText(errmsg, secrets)}` };
    case 130101:
      throw new DeliveryError('RATE_LIMITED', `dingtalk robot at ${host} is sending too fast (${said})`, 'retry', RATE_LIMIT_WAIT_MS);
    case 310000:
      throw new DeliveryError('REJECTED', `dingtalk at ${host} refused the robot's security check: secret, keywords or IP list (${said})`, 'permanent');
    case 300001:
    case 300005:
      throw new DeliveryError('INVALID_WEBHOOK', `dingtalk webhook at ${host} is not valid: its access token is unknown (${said})`, 'permanent');
    case -1:
      throw new DeliveryError('BUSY', `dingtalk at ${host} is busy (${said})`, 'retry');
    default:
      throw new DeliveryError('REJECTED', `dingtalk at ${host} rejected the message (${said})`, 'permanent');
  }
}

export const dingtalk = {
  type: 'dingtalk',
  async send(cfg: DingtalkChannelConfig, notices: Notice[], opts) {
    const timestamp = (opts.now ?? Date.now)();
    const signature = cfg.secret ? { timestamp, sign: dingtalkSign(cfg.secret, timestamp) } : undefined;
    const url = signedUrl(cfg.webhook, signature);
    const answer = await postJson({
      channel: 'dingtalk',
      url,
      body: JSON.stringify(dingtalkPayload(cfg, notices, opts.note)),
      timeoutMs: cfg.timeoutMs,
      signal: opts.signal,
    });
    const secrets = [url.searchParams.get('access_token') ?? undefined, cfg.secret, signature?.sign, url.searchParams.get('sign') ?? undefined];
    return interpret(url.host, answer.errcode, answer.errmsg, secrets);
  },
} satisfies Channel<DingtalkChannelConfig>;

/** What lib/channels/load.ts takes from this file. */
export { dingtalk as sender };
