/**
 * The worst nodes (speedtest) or partitions (ckafka) an alert carries: an HTML table in
 * e-mail, quote lines in WeCom, list lines in DingTalk, nothing in an SMS; never on "resolved".
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as v from 'valibot';
import { dingtalkChannel } from '../lib/channels/dingtalk/schema';
import { emailChannel } from '../lib/channels/email/schema';
import { wecomChannel } from '../lib/channels/wecom/schema';
import { renderEmail } from '../lib/channels/email/send';
import { wecomMarkdown } from '../lib/channels/wecom/send';
import { dingtalkPayload } from '../lib/channels/dingtalk/send';
import { viewNotice } from '../lib/alerting/messages';
import type { Notice } from '../lib/alerting/types';

const table = { columns: ['node', 'ISP', 'total ms'], rows: [['广东深圳', '电信', '4210'], ['江苏宿迁<b>', '移动', 'timeout']] };
const notice = (over: Partial<Notice> = {}): Notice => ({
  kind: 'alert',
  function: 'speedTest',
  monitor: 'site-speed',
  type: 'speedtest',
  target: 'www.example.com',
  incidentId: '20261122-1452-a3f9',
  since: '2026-11-22T06:52:00.000Z',
  at: '2026-11-22T06:52:51.917Z',
  reasons: [{ code: 'SLOW_RESPONSE', message: 'median 4,210 ms over 12 nodes' }],
  stats: { samples: 12, successes: 12, successRate: 1 },
  table,
  ...over,
});

describe('detail tables in alerts', () => {
  test('e-mail: an HTML table with a header row, cells escaped, and the rows in the text part', () => {
    const cfg = v.parse(emailChannel, { type: 'email', host: 'smtp.example.com', from: 'a@example.com', to: 'b@example.com' });
    const r = renderEmail(cfg, [notice()]);
    assert.match(r.html, /<th [^>]*>node<\/th><th [^>]*>ISP<\/th><th [^>]*>total ms<\/th>/);
    assert.match(r.html, /<td [^>]*>江苏宿迁&lt;b&gt;<\/td>/);
    assert.match(r.text, /广东深圳 · 电信 · 4210/);
  });

  test('WeCom: one quote line per row; DingTalk: list lines', () => {
    const wecom = wecomMarkdown(v.parse(wecomChannel, { type: 'wecom', webhook: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' }), [notice()]);
    assert.match(wecom, /^> node · ISP · total ms$/m);
    assert.match(wecom, /^> 广东深圳 · 电信 · 4210$/m);
    const ding = dingtalkPayload(v.parse(dingtalkChannel, { type: 'dingtalk', webhook: 'https://oapi.dingtalk.com/robot/send?access_token=t' }), [notice()]);
    assert.match(ding.markdown.text, /^ {2}- 广东深圳 · 电信 · 4210$/m);
  });

  test('a resolved notice carries no table, and ckafka (or heartbeat) notices show no success-rate numbers', () => {
    assert.equal(viewNotice(notice({ kind: 'resolved' }), 'en').table, undefined);
    assert.ok(viewNotice(notice(), 'en').table);
    const fields = (n: Notice) => viewNotice(n, 'en').fields.map(([l]) => l);
    assert.ok(fields(notice()).includes('Numbers'));
    // What a ckafka or heartbeat record carries: one judgment, no time.
    const judged = { samples: 1, successes: 0, successRate: 0 };
    assert.ok(!fields(notice({ type: 'ckafka', stats: judged })).includes('Numbers'));
    assert.ok(!fields(notice({ type: 'heartbeat', stats: judged })).includes('Numbers'));
    assert.ok(fields(notice({ type: 'http', stats: { ...judged, meanMs: 12 } })).includes('Numbers'), 'one timed sample still shows');
  });
});
