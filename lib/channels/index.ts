/**
 * Every channel type, by its config schema. The schemas load with the config; each sender
 * (`lib/channels/<type>/send.ts`) is built into dist/lazy/channel-<type>.js and required only
 * when a run sends to that channel (load.ts). Adding a channel: its schema.ts and send.ts, and
 * one line here.
 */
import { schema as dingtalk } from './dingtalk/schema';
import { schema as email } from './email/schema';
import { schema as sms } from './sms/schema';
import { schema as wecom } from './wecom/schema';

export const CHANNEL_SCHEMAS = [email, wecom, dingtalk, sms] as const;

export type AnyChannelConfig = import('valibot').InferOutput<(typeof CHANNEL_SCHEMAS)[number]>;

export const CHANNEL_TYPES: readonly string[] = CHANNEL_SCHEMAS.map((s) => s.entries.type.literal);
