/**
 * A channel's sender, required on first use: a run that sends nothing never loads one, and a
 * run that sends only to WeCom never loads nodemailer or the SMS SDK. In a bundle each sender
 * is dist/lazy/channel-<type>.js; from source it is ./<type>/send.ts.
 */
import type { ChannelConfig } from '../config/channel-base';
import type { Channel } from '../alerting/types';
import { IN_BUNDLE } from '../util/bundle';
import { lazyPath } from '../util/lazy';

export async function loadChannel(type: string): Promise<Channel<ChannelConfig>> {
  // Computed paths keep esbuild from inlining every sender into the function bundle.
  const mod = (IN_BUNDLE ? require(lazyPath(`channel-${type}`)) : require(['.', type, 'send'].join('/'))) as {
    sender?: Channel<ChannelConfig>;
  };
  if (!mod.sender) throw new Error(`no sender for channel type ${type}`);
  return mod.sender;
}
