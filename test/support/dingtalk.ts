/**
 * A strict loopback stand-in for the DingTalk custom robot (`POST /robot/send?access_token=`),
 * with DingTalk's own answers: 300001 "token is not exist", 310000 for the security settings
 * ("sign not match", "keywords not in content"), 460101 for a body over 20000 bytes, 130101
 * "send too fast". The signature is checked by this file's own code, not the channel's.
 */
import { createHmac } from 'node:crypto';
import { robotStandIn, type Answer, type RobotStandIn } from './wecom';

export const DINGTALK_PATH = '/robot/send';

export interface DingtalkOptions {
  token: string;
  /** The robot's "加签" secret; when set every request must carry timestamp and sign. */
  secret?: string;
  /** The robot's "自定义关键词". */
  keywords?: string[];
  now?: () => number;
}

export interface DingtalkStandIn extends RobotStandIn {
  /** The webhook URL as DingTalk shows it: with the access token, unsigned. */
  webhook: string;
}

/** DingTalk's documented window between the sender's timestamp and its own clock. */
const MAX_SKEW_MS = 60 * 60 * 1000;

function expectedSign(secret: string, timestamp: string): string {
  // Base64 of HMAC-SHA256 keyed with the secret over "timestamp\nsecret"; compared after the
  // query string was decoded, so no URL encoding here.
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(`${timestamp}\n${secret}`, 'utf8')).digest('base64');
}

export async function dingtalkStandIn(o: DingtalkOptions): Promise<DingtalkStandIn> {
  const now = o.now ?? Date.now;
  const robot = await robotStandIn({
    path: DINGTALK_PATH,
    rateLimited: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' },
    permanent: { errcode: 300001, errmsg: 'token is not exist' },
    check: (r): Answer => {
      if (r.query.get('access_token') !== o.token) return { errcode: 300001, errmsg: 'token is not exist' };
      if (Buffer.byteLength(r.raw, 'utf8') > 20000) {
        return { errcode: 460101, errmsg: 'description: body 大小不合法;solution:请保持大小在 20000bytes 以内;' };
      }
      if (o.secret) {
        const timestamp = r.query.get('timestamp') ?? '';
        if (!/^\d+$/.test(timestamp) || Math.abs(now() - Number(timestamp)) > MAX_SKEW_MS) {
          return { errcode: 310000, errmsg: 'invalid timestamp' };
        }
        if (r.query.get('sign') !== expectedSign(o.secret, timestamp)) return { errcode: 310000, errmsg: 'sign not match' };
      }
      if (!/^application\/json\b/i.test(r.contentType)) return { errcode: 40035, errmsg: '缺少参数 json' };
      const body = r.json as { msgtype?: unknown; markdown?: { title?: unknown; text?: unknown } } | undefined;
      // 40035 is DingTalk's "missing parameter" code; its exact answer for a bad markdown body is
      // not documented, so the stand-in uses that code with its own wording.
      if (!body || typeof body !== 'object') return { errcode: 40035, errmsg: '缺少参数 json' };
      if (body.msgtype !== 'markdown') return { errcode: 40035, errmsg: '缺少参数 msgtype=markdown' };
      const { title, text } = body.markdown ?? {};
      if (typeof title !== 'string' || !title) return { errcode: 40035, errmsg: '缺少参数 markdown.title' };
      if (typeof text !== 'string' || !text) return { errcode: 40035, errmsg: '缺少参数 markdown.text' };
      // Only the text is searched for a keyword: stricter than DingTalk may be.
      if (o.keywords?.length && !o.keywords.some((k) => text.includes(k))) return { errcode: 310000, errmsg: 'keywords not in content' };
      return { errcode: 0, errmsg: 'ok' };
    },
  });
  return { ...robot, webhook: robot.url(`${DINGTALK_PATH}?access_token=${encodeURIComponent(o.token)}`) };
}
