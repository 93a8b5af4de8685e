/**
 * One grouped message to one channel, retried with backoff while the run has time: a rate
 * limit waits as long as the channel asks, other transient failures back off 0.5, 1, 2 s ...
 * A permanent failure stops at once; an unknown outcome (the request went out, no answer) is
 * retried, since a duplicate beats a lost alert.
 */
import type { ChannelConfig } from '../config/channel-base';
import { sleep } from '../util/abort';
import { DeliveryError, type Channel, type FailureKind, type Notice, type Receipt } from './types';

export type ChannelLoader = (type: ChannelConfig['type']) => Promise<Channel<ChannelConfig>>;

export type DeliveryOutcome =
  | { ok: true; attempts: number; receipt: Receipt }
  | { ok: false; attempts: number; code: string; message: string; kind: FailureKind };

const MAX_ATTEMPTS_PER_RUN = 5;
const FIRST_BACKOFF_MS = 500;
/** No new attempt starts with less time than this left: it could not finish. */
const MIN_ATTEMPT_MS = 1000;

/**
 * By shape, not instanceof: the channels come from their own lazy bundle, whose copy of the
 * DeliveryError class is not this one.
 */
function isDeliveryError(err: unknown): err is DeliveryError {
  const e = err as Partial<DeliveryError> | undefined;
  return e?.name === 'DeliveryError' && typeof e.code === 'string' && (e.kind === 'retry' || e.kind === 'unknown' || e.kind === 'permanent');
}

export async function deliver(
  channel: Channel<ChannelConfig>,
  config: ChannelConfig,
  notices: Notice[],
  opts: { signal: AbortSignal; deadlineAt: number; note?: string; now?: () => number; monitorNames?: readonly string[] },
): Promise<DeliveryOutcome> {
  let last: DeliveryOutcome = { ok: false, attempts: 0, code: 'DEADLINE', message: 'no time left to send', kind: 'retry' };
  for (let attempt = 1; attempt <= MAX_ATTEMPTS_PER_RUN; attempt++) {
    if (opts.signal.aborted || opts.deadlineAt - Date.now() < MIN_ATTEMPT_MS) break;
    try {
      const receipt = await channel.send(config, notices, {
        signal: opts.signal,
        ...(opts.note ? { note: opts.note } : {}),
        ...(opts.now ? { now: opts.now } : {}),
        ...(opts.monitorNames ? { monitorNames: opts.monitorNames } : {}),
      });
      return { ok: true, attempts: attempt, receipt };
    } catch (err) {
      const e =
        isDeliveryError(err)
          ? err
          : // A bug in a channel must not take the run down, nor leak what the error carries.
            new DeliveryError('INTERNAL', `${config.type} channel failed: ${(err as Error)?.name ?? 'error'}`, 'retry');
      last = { ok: false, attempts: attempt, code: e.code, message: e.message, kind: e.kind };
      if (e.kind === 'permanent') return last;
      const wait = e.retryAfterMs ?? FIRST_BACKOFF_MS * 2 ** (attempt - 1);
      if (Date.now() + wait + MIN_ATTEMPT_MS > opts.deadlineAt) break;
      await sleep(wait, opts.signal);
    }
  }
  return last;
}
