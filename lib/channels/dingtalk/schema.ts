/** The DingTalk robot channel's config. */
import * as v from 'valibot';
import { channelCommon } from '../../config/channel-base';
import { httpUrl as webhookUrl, text } from '../../config/fields';

export const dingtalkChannel = v.strictObject({
  ...channelCommon,
  type: v.literal('dingtalk'),
  webhook: webhookUrl,
  /** The robot's "加签" secret (SEC...); signs every request. */
  secret: v.optional(text('the robot secret')),
  /** The robot's "自定义关键词": every message must contain one. */
  keywords: v.optional(v.array(text('a keyword')), []),
  atMobiles: v.optional(v.array(text('a mobile number')), []),
  atAll: v.optional(v.boolean('must be true or false'), false),
});

export type DingtalkChannelConfig = v.InferOutput<typeof dingtalkChannel>;

export const schema = dingtalkChannel;
