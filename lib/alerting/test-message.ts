/** `scf-monitor test-channel <name>`: one message straight to a channel, no outbox, no state. */
import type { Config } from '../config/schema';
import { UsageError } from '../config/errors';
import { deliver, type ChannelLoader, type DeliveryOutcome } from './deliver';
import type { Notice } from './types';

export function testNotice(channel: string, now = Date.now()): { notice: Notice; note: string } {
  const at = new Date(now).toISOString();
  return {
    note: `scf-monitor test-channel ${channel}: 这是一条测试消息，没有监控项故障 / a test message; no monitor is failing.`,
    notice: {
      kind: 'alert',
      function: 'test-channel',
      monitor: 'scf-monitor-test',
      type: 'test',
      target: channel,
      incidentId: 'test',
      since: at,
      at,
      reasons: [{ code: 'HTTP_STATUS', message: 'example reason: answered 502 from 127.0.0.1, expected 200' }],
    },
  };
}

export async function sendTestMessage(
  config: Config,
  name: string,
  opts: { timeLimitMs: number; loadChannel: ChannelLoader },
): Promise<DeliveryOutcome & { type: string; ms: number }> {
  const cfg = config.channels[name];
  if (!cfg) {
    const known = Object.keys(config.channels);
    throw new UsageError(`unknown channel "${name}" (${known.length ? `configured: ${known.join(', ')}` : 'no channels are configured'})`);
  }
  const load = opts.loadChannel;
  const started = Date.now();
  const signal = AbortSignal.timeout(opts.timeLimitMs);
  const { notice, note } = testNotice(name);
  const outcome = await deliver(await load(cfg.type), cfg, [notice], { signal, deadlineAt: started + opts.timeLimitMs, note });
  return { ...outcome, type: cfg.type, ms: Date.now() - started };
}
