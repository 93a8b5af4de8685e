/**
 * The channels by type. This file is the entry of dist/lazy/channels.js, loaded only when a
 * run has something to send; nodemailer waits longer still, for the first e-mail.
 */
import type { ChannelType, DingtalkChannelConfig, EmailChannelConfig, SmsChannelConfig, WecomChannelConfig } from '../config/alerting-schema';
import type { Channel } from '../alerting/types';
import { dingtalk } from './dingtalk/send';
import { email } from './email/send';
import { sms } from './sms/send';
import { wecom } from './wecom/send';

/** The config each channel type takes. */
export interface ChannelConfigs {
  email: EmailChannelConfig;
  wecom: WecomChannelConfig;
  dingtalk: DingtalkChannelConfig;
  sms: SmsChannelConfig;
}

export type ChannelFor<T extends ChannelType> = Channel<ChannelConfigs[T]>;

const channels: { [T in ChannelType]: ChannelFor<T> } = { email, wecom, dingtalk, sms };

export async function loadChannel<T extends ChannelType>(type: T): Promise<ChannelFor<T>> {
  return channels[type];
}
