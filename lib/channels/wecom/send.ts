/**
 * WeCom (企业微信) group robot: one `markdown` message per batch. The API takes at most 4096
 * bytes of UTF-8 content and 20 messages a minute per robot (developer.work.weixin.qq.com,
 * document 91770); `<@userid>` in the content mentions a member. Its markdown has no tables,
 * so fields are quote lines.
 */
import type { WecomChannelConfig } from './schema';
import { fitMessage, messageTitle, tableLines, viewNotice } from '../../alerting/messages';
import { DeliveryError, type Channel, type Notice, type Receipt } from '../../alerting/types';
import { customBlock, inline, moreText, peerText, postJson } from '../webhook';

export const WECOM_MAX_BYTES = 4096;

/** 20 a minute: one more slot frees about every 3 s as the oldest leaves the window. */
const RATE_LIMIT_WAIT_MS = 60_000 / 20;

function block(n: Notice, cfg: WecomChannelConfig): string {
  const custom = customBlock(n, cfg.locale, cfg.template, inline);
  if (custom !== undefined) return custom;
  const view = viewNotice(n, cfg.locale);
  const color = n.kind === 'resolved' || n.kind === 'cleared' ? 'info' : n.kind === 'broken' ? 'comment' : 'warning';
  return [
    `<font color="${color}">${inline(view.headline)}</font>`,
    ...view.fields.map(([label, value]) => `> ${label}: ${inline(value)}`),
    // WeCom markdown has no tables: one quote line per row.
    ...(view.table ? tableLines(view.table).map((l) => `> ${inline(l)}`) : []),
  ].join('\n');
}

export function wecomMarkdown(cfg: WecomChannelConfig, notices: readonly Notice[], note?: string): string {
  const head = `**${inline(messageTitle(notices, cfg.locale))}**\n${note ? `<font color="comment">${inline(note)}</font>\n` : ''}\n`;
  const ids = cfg.mentions.map((id) => id.replace(/[<>\s]/g, '')).filter(Boolean);
  const more = moreText(notices, cfg.locale);
  return fitMessage({
    head,
    blocks: notices.map((n) => block(n, cfg)),
    separator: '\n\n',
    more: (omitted) => `<font color="comment">${inline(more(omitted))}</font>`,
    tail: ids.length ? `\n\n${ids.map((id) => `<@${id}>`).join(' ')}` : '',
    maxBytes: WECOM_MAX_BYTES,
    maxItems: cfg.maxPerMessage,
    locale: cfg.locale,
  }).text;
}

function interpret(host: string, errcode: number, errmsg: string, key: string | null): Receipt {
  const said = `errcode ${errcode}: ${peerText(errmsg, [key ?? undefined])}`;
  switch (errcode) {
    case 0:
      return { detail: `wecom: ${peerText(errmsg, [key ?? undefined])}` };
    case 45009:
      throw new DeliveryError('RATE_LIMITED', `wecom robot at ${host} is sending too fast (${said})`, 'retry', RATE_LIMIT_WAIT_MS);
    case 93000:
      throw new DeliveryError('INVALID_WEBHOOK', `wecom webhook at ${host} is not valid: wrong key, or the robot left its group (${said})`, 'permanent');
    case -1:
      throw new DeliveryError('BUSY', `wecom at ${host} is busy (${said})`, 'retry');
    default:
      throw new DeliveryError('REJECTED', `wecom at ${host} rejected the message (${said})`, 'permanent');
  }
}

export const wecom = {
  type: 'wecom',
  async send(cfg: WecomChannelConfig, notices: Notice[], opts) {
    const url = new URL(cfg.webhook);
    const content = wecomMarkdown(cfg, notices, opts.note);
    const answer = await postJson({
      channel: 'wecom',
      url,
      body: JSON.stringify({ msgtype: 'markdown', markdown: { content } }),
      timeoutMs: cfg.timeoutMs,
      signal: opts.signal,
    });
    return interpret(url.host, answer.errcode, answer.errmsg, url.searchParams.get('key'));
  },
} satisfies Channel<WecomChannelConfig>;

/** What lib/channels/load.ts takes from this file. */
export { wecom as sender };
