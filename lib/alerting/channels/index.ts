/**
 * The channels by type, each loaded on first use: importing this file loads none of them, and
 * only the e-mail channel ever requires nodemailer.
 */
import type { ChannelType, DingtalkChannelConfig, EmailChannelConfig, WecomChannelConfig } from '../../config/alerting-schema';
import type { Channel } from '../types';

/** The config each channel type takes. */
export interface ChannelConfigs {
  email: EmailChannelConfig;
  wecom: WecomChannelConfig;
  dingtalk: DingtalkChannelConfig;
}

export type ChannelFor<T extends ChannelType> = Channel<ChannelConfigs[T]>;

const loaders: { [T in ChannelType]: () => Promise<ChannelFor<T>> } = {
  email: async () => (await import('./email')).email,
  wecom: async () => (await import('./wecom')).wecom,
  dingtalk: async () => (await import('./dingtalk')).dingtalk,
};

export function loadChannel<T extends ChannelType>(type: T): Promise<ChannelFor<T>> {
  return loaders[type]();
}
