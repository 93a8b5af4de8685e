/** The WeCom robot channel's config. */
import * as v from 'valibot';
import { channelCommon } from '../../config/channel-base';
import { httpUrl as webhookUrl, text } from '../../config/fields';

export const wecomChannel = v.strictObject({
  ...channelCommon,
  type: v.literal('wecom'),
  webhook: webhookUrl,
  /** WeCom user ids mentioned as <@userid>. */
  mentions: v.optional(v.array(text('a WeCom user id')), []),
});

export type WecomChannelConfig = v.InferOutput<typeof wecomChannel>;

export const schema = wecomChannel;
