/**
 * What alerting passes around. A Notice is one monitor's change of state in one run; a channel
 * gets a batch of them and sends one grouped message (Gatus's provider shape: one file per
 * channel behind one interface, checked with `satisfies`).
 */
import type { FailureKind } from '../util/failure-kind';
import type { Reason } from '../report/codes';
import type { DetailTable, Stats } from '../report/record';
import type { Locale } from '../config/channel-base';

/**
 * alert, reminder, resolved: an outage of the target. broken, cleared: the monitor could not
 * measure (its provider, its API, our own network) and when it measures again; never an outage.
 */
export type NoticeKind = 'alert' | 'reminder' | 'resolved' | 'broken' | 'cleared';

export interface Notice {
  kind: NoticeKind;
  /** The function that ran the monitor (statusCheck, kafkaLag ...). */
  function: string;
  monitor: string;
  type: string;
  target: string;
  /** One id per outage, the same on its alert, reminders and resolution. */
  incidentId: string;
  /** ISO time of the first failed run of the outage. */
  since: string;
  /** ISO time of the run that produced this notice. */
  at: string;
  /** For `resolved`: how long the outage lasted (since -> at). */
  durationMs?: number;
  /** What is failing now (alert, reminder) or what was failing (resolved). */
  reasons: Reason[];
  /** On an alert that updates an open incident to a worse status: the codes announced before. */
  worseThan?: string[];
  stats?: Stats;
  /** The worst nodes or partitions, for channels that can show a table or a list. */
  table?: DetailTable;
  /**
   * broken, cleared: sent to the monitor's own channels because `alerts.monitoringChannels`
   * is not set, so the message says it is about the monitoring, not the target.
   */
  monitorChannels?: boolean;
}

/** How a failed delivery should be treated by the outbox. */
export type { FailureKind };

export class DeliveryError extends Error {
  constructor(
    /** Short and stable: CONNECT_REFUSED, TIMEOUT, HTTP_500, RATE_LIMITED, REJECTED, EAUTH ... */
    readonly code: string,
    /** Safe to log: never a password, key, token or full webhook URL. */
    message: string,
    readonly kind: FailureKind,
    /** For rate limits: how long to wait before the next try. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface SendOptions {
  /** Aborts at the run's deadline; the channel must stop at once. */
  signal: AbortSignal;
  /** A line shown above the notices, e.g. "ops-wecom failed: ..." on a fallback message. */
  note?: string;
  /** Override the clock (tests, DingTalk's signature timestamp). */
  now?: () => number;
  /** Every monitor name of the config: a channel that shortens names keeps them apart (SMS). */
  monitorNames?: readonly string[];
}

/** What the channel's peer confirmed, for the log (a message id, the robot's errmsg). */
export interface Receipt {
  detail?: string;
  /** For multi-recipient channels: recipients that failed while others got it. */
  partial?: string[];
}

export interface Channel<C extends { type: string; locale: Locale }> {
  type: C['type'];
  /** Deliver once. Resolves when the peer confirmed; throws DeliveryError otherwise. */
  send(config: C, notices: Notice[], opts: SendOptions): Promise<Receipt>;
}
