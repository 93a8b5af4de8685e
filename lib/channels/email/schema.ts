/** The e-mail channel's config: an SMTP server, TLS always. */
import * as v from 'valibot';
import { channelCommon } from '../../config/channel-base';
import { int, text } from '../../config/fields';

const email = v.pipe(v.string('must be an e-mail address'), v.regex(/^[^\s@<>]+@[^\s@<>]+$/, 'not an e-mail address'));
const oneOrMany = <T extends v.GenericSchema<unknown, string>>(item: T) =>
  v.pipe(
    v.union([v.string(), v.array(v.unknown())], 'must be an address or a list of them'),
    v.transform((x) => (Array.isArray(x) ? x : [x])),
    v.array(item),
    v.minLength(1, 'must list at least one address'),
  );

export const emailChannel = v.strictObject({
  ...channelCommon,
  type: v.literal('email'),
  host: text('an SMTP host name'),
  port: v.optional(int(1, 65535, 'a port number'), 465),
  /** TLS from the first byte (465); otherwise STARTTLS is required (587). Default: port 465. */
  secure: v.optional(v.boolean('must be true or false')),
  user: v.optional(v.string('must be text')),
  pass: v.optional(v.string('must be text')),
  from: text('an e-mail address or "Name <address>"'),
  to: oneOrMany(email),
  subject: v.optional(text('a subject prefix')),
  insecure: v.optional(v.boolean('must be true or false'), false),
  /** A private CA for the SMTP server (PEM or a path relative to the config), besides the public roots. */
  ca: v.optional(text('a PEM certificate or a path to one')),
});

export type EmailChannelConfig = v.InferOutput<typeof emailChannel>;

export const schema = emailChannel;
