/** Channel answers blanked of the run's secrets before the outbox, dead letters or logs see them. */
import type { ChannelConfig } from '../config/channel-base';
import { scrubDeep, scrubText, type Secrets } from '../report/secrets';
import type { ChannelLoader } from './deliver';

/**
 * Channels whose answers (receipts, errors quoting an SMTP or API reply) come back blanked,
 * so the outbox, the dead letters, fallback notes and delivery log lines never hold a secret.
 */
export function scrubbingLoader(load: ChannelLoader, secrets: Secrets): ChannelLoader {
  return async (type) => {
    const channel = await load(type);
    return {
      type: channel.type,
      send: async (config: ChannelConfig, notices, opts) => {
        try {
          return scrubDeep(await channel.send(config, notices, opts), secrets);
        } catch (err) {
          if (err instanceof Error && typeof err.message === 'string') err.message = scrubText(err.message, secrets);
          throw err;
        }
      },
    };
  };
}
