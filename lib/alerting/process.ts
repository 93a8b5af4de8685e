/**
 * From a run's results to delivered alerts: advance each monitor's incident, write the grouped
 * messages to the outbox in the same commit, then deliver everything pending (this run's and
 * what earlier runs could not send), oldest first, each channel on its own so one failing
 * channel never holds up the others.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ChannelConfig, Locale } from '../config/channel-base';
import type { Config, MonitorConfig } from '../config/schema';
import type { Reason } from '../report/codes';
import type { ResultRecord } from '../report/record';
import { logJson } from '../report/log';
import { openStore } from '../state/open';
import { UnreadableStateError, update, type Remembered, type StateStore } from '../state/types';
import { deliver, type ChannelLoader, type DeliveryOutcome } from './deliver';
import { advance, advanceBroken, isBrokenMeasurement, type Observation } from './incident';
import {
  checkState,
  claimChange,
  deadLetterKey,
  emptyState,
  releaseChange,
  settleChange,
  stateKey,
  type Change,
  type FunctionState,
  type GivenUp,
  type OutboxEntry,
  type Settlement,
} from './outbox';
import { inMaintenance, rulesFor } from './rules';
import type { Notice } from './types';

export interface AlertRecord {
  monitor: string;
  kind: Notice['kind'];
  /** An update: the incident got worse than these announced codes. */
  worseThan?: string[];
  incidentId: string;
  since: string;
  channels: string[];
}

export interface DeliveryRecord {
  channel: string;
  ok: boolean;
  /** delivered; pending (kept for the next run); dead-letter (given up). */
  outcome: 'delivered' | 'pending' | 'dead-letter';
  attempts: number;
  notices: number;
  monitors: string[];
  /** Notices that earlier runs could not deliver. */
  carriedOver: number;
  code?: string;
  message?: string;
  /** Set on a fallback message: the channel that failed. */
  fallbackFor?: string;
  partial?: string[];
}

export interface DeadLetterRecord {
  channel: string;
  reason: string;
  createdAt: string;
  monitors: string[];
  notices: number;
}

/** A state record that could not be read, moved aside; the function started fresh. */
export interface StateResetRecord {
  key: string;
  why: string;
  /** Where the old record was kept (a file path, a Redis key). */
  movedTo: string;
}

export interface AlertingSummary {
  alerts: AlertRecord[];
  deliveries: DeliveryRecord[];
  deadLetters: DeadLetterRecord[];
  stateResets?: StateResetRecord[];
}

/**
 * Alerting stopped part way. `partial` is what was committed before (alerts, deliveries, dead
 * letters): the run's summary still reports it, so nothing that happened goes unreported.
 */
export class AlertingError extends Error {
  constructor(
    cause: unknown,
    readonly partial: AlertingSummary,
  ) {
    super((cause as Error)?.message ?? String(cause));
    this.name = 'AlertingError';
  }
}

export interface AlertingInput {
  fn: string;
  config: Config;
  results: readonly ResultRecord[];
  /** Aborts when the run must return. */
  signal: AbortSignal;
  deadlineAt: number;
  loadChannel: ChannelLoader;
  store?: StateStore;
  now?: () => number;
}

/** Each subject of a monitor (a consumer group) has its own incident. */
export function incidentKey(r: Pick<ResultRecord, 'monitor' | 'subject'>): string {
  return r.subject === undefined ? r.monitor : `${r.monitor}/${r.subject}`;
}

/** The configured monitor an incident key belongs to (names may contain '/' themselves). */
function monitorOfKey(key: string, byName: ReadonlyMap<string, unknown>): string {
  if (byName.has(key)) return key;
  for (let i = key.indexOf('/'); i > 0; i = key.indexOf('/', i + 1)) if (byName.has(key.slice(0, i))) return key.slice(0, i);
  return key;
}

/** A run tells us something about the target only when it measured it; `broken` when it could not. */
function observe(r: ResultRecord): (Observation & { broken: boolean }) | undefined {
  if (!r.ok && r.samples.length === 0 && r.reasons.every((x) => x.code === 'DEADLINE')) return undefined;
  // PROBE_NETWORK beside a failure the target answered with (a 502) is still not the target's.
  const broken = isBrokenMeasurement(r.ok, r.reasons) || r.reasons.some((x) => x.code === 'PROBE_NETWORK');
  return { ok: r.ok, at: r.timestamp, reasons: r.reasons, broken };
}

/** The reasons that say why the run could not measure (a DEADLINE beside them adds nothing). */
function brokenReasons(reasons: readonly Reason[]): Reason[] {
  const own = reasons.filter((x) => x.code === 'PROVIDER_ERROR' || x.code === 'PROBE_NETWORK');
  return own.length ? own : [...reasons];
}

/** Short enough for an SMS, unique enough for a grep: 20261122-1452-a3f9 (UTC+8 wall time). */
function incidentId(since: string): string {
  const t = new Date(Date.parse(since) + 8 * 3600_000).toISOString();
  return `${t.slice(0, 10).replace(/-/g, '')}-${t.slice(11, 16).replace(':', '')}-${randomBytes(2).toString('hex')}`;
}

function fallbackNote(locale: Locale, channel: string, why: string): string {
  return locale === 'en'
    ? `Channel ${channel} could not deliver the notices below (${why}).`
    : `渠道 ${channel} 未能送达以下通知（${why}）。`;
}

export async function processAlerts(input: AlertingInput): Promise<AlertingSummary> {
  const { fn, config } = input;
  const summary: AlertingSummary = { alerts: [], deliveries: [], deadLetters: [] };
  if (Object.keys(config.channels).length === 0) return summary;
  const now = input.now ?? Date.now;
  const store = input.store ?? openStore(config.state, { deadlineAt: input.deadlineAt });
  const load = input.loadChannel;
  const runId = randomUUID();
  const state = new StateWriter(store, input, summary);
  try {
    summary.alerts = await transition(state, input, now);
    const maxAgeMs = config.alerts.deadLetterHours * 3600_000;
    const why = `undelivered for ${config.alerts.deadLetterHours} h`;
    const { claimed, expired } = await state.update((cur) =>
      claimChange(cur, fn, runId, input.deadlineAt, now(), maxAgeMs, (e) => state.giving(giveUp(input, e, why))),
    );
    state.reportDeadLetters(expired);
    await sendAll(state, input, runId, claimed, load, summary);
    return summary;
  } catch (err) {
    // Best effort: the next run should not have to wait for this run's claims to lapse.
    await state.update((cur) => releaseChange(cur, runId)).catch(() => {});
    // A commit whose answer was lost may have happened: dead letters it wrote are reported too.
    await state.reconcile().catch(() => {});
    throw new AlertingError(err, summary);
  } finally {
    if (!input.store) await store.close();
  }
}

/**
 * Every change to the function's state goes through here. A record that cannot be read, or
 * read but not understood, is moved aside (kept, and where is said) and the function starts
 * fresh; the channels hear of it once, in the same commit as the fresh state, from the run
 * that moved it.
 */
class StateWriter {
  private pending: StateResetRecord[] = [];
  /** Dead letters this run tried to commit, and those it reported, by id. */
  private readonly tried = new Map<string, GivenUp>();
  private readonly reported = new Set<string>();
  /** This run's last commit: its later updates need not read back and parse the whole state. */
  private readonly memo: Remembered<FunctionState> = {};

  constructor(
    private readonly store: StateStore,
    private readonly input: AlertingInput,
    private readonly summary: AlertingSummary,
  ) {}

  async update<R>(change: (cur: FunctionState | undefined) => Change<R>): Promise<R> {
    const key = stateKey(this.input.fn);
    for (let tries = 0; ; tries++) {
      let badShape: string | undefined;
      try {
        const result = await update<FunctionState, R>(this.store, key, (cur) => {
          badShape = cur === undefined ? undefined : checkState(cur);
          if (badShape) throw new UnreadableStateError(key, '', badShape);
          const c = change(cur);
          if (!this.pending.length) return c;
          return { ...c, value: { ...c.value, outbox: [...c.value.outbox, ...this.resetEntries()] } };
        }, undefined, this.memo);
        this.commitResets();
        return result;
      } catch (err) {
        if (!(err instanceof UnreadableStateError) || tries >= 3) throw err;
        const version = badShape ? (await this.store.get<unknown>(key))?.version : undefined;
        if (badShape && version === undefined) continue;
        const movedTo = await this.store.quarantine(err.key, err.key === key ? 'value' : 'list', version);
        if (movedTo) this.pending.push({ key: err.key, why: err.why, movedTo });
      }
    }
  }

  giving(g: GivenUp): GivenUp {
    this.tried.set(g.letter.id, g);
    return g;
  }

  /** Called once the dead letters are committed, never before. */
  reportDeadLetters(given: GivenUp[]): void {
    for (const { letter } of given) {
      if (this.reported.has(letter.id)) continue;
      this.reported.add(letter.id);
      const e = letter.entry;
      const record: DeadLetterRecord = {
        channel: e.channel,
        reason: letter.reason,
        createdAt: e.createdAt,
        monitors: [...new Set(e.notices.map((n) => n.monitor))],
        notices: e.notices.length,
      };
      this.summary.deadLetters.push(record);
      logJson({ event: 'dead-letter', function: this.input.fn, ...record });
    }
  }

  /** After a failed commit: the dead letters that are in the list after all. */
  async reconcile(): Promise<void> {
    const open = [...this.tried.keys()].filter((id) => !this.reported.has(id));
    if (!open.length) return;
    const listed = new Set((await this.store.list<{ id?: string }>(deadLetterKey(this.input.fn))).map((l) => l?.id));
    this.reportDeadLetters(open.filter((id) => listed.has(id)).map((id) => this.tried.get(id)!));
  }

  private resetEntries(): OutboxEntry[] {
    const { fn, config } = this.input;
    const at = new Date().toISOString();
    const notices: Notice[] = this.pending.map((r) => ({
      kind: 'alert',
      function: fn,
      monitor: `${fn} state`,
      type: 'state',
      target: r.movedTo,
      incidentId: `state-reset-${at.slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`,
      since: at,
      at,
      reasons: [
        {
          code: 'STATE_RESET',
          message:
            `state key ${r.key} was unreadable (${r.why}) and was reset: open incidents, reminders and undelivered notices it held are forgotten ` +
            `(failing monitors alert again as new incidents); the old record is kept at ${r.movedTo}`,
        },
      ],
    }));
    return Object.keys(config.channels).map((channel) => ({ id: randomUUID(), channel, createdAt: at, notices, attempts: 0 }));
  }

  private commitResets(): void {
    if (!this.pending.length) return;
    for (const r of this.pending) logJson({ event: 'state-reset', function: this.input.fn, ...r });
    this.summary.stateResets = [...(this.summary.stateResets ?? []), ...this.pending];
    this.pending = [];
  }
}

async function transition(state: StateWriter, input: AlertingInput, now: () => number): Promise<AlertRecord[]> {
  const { fn, config, results } = input;
  const byName = new Map<string, MonitorConfig>(config.monitors.map((m) => [m.name, m]));
  const at = new Date(now()).toISOString();
  return state.update<AlertRecord[]>((cur) => {
    const state: FunctionState = cur ? { monitors: { ...cur.monitors }, outbox: [...cur.outbox] } : emptyState();
    // A monitor taken out of the config takes its incidents with it (without a "resolved").
    for (const key of Object.keys(state.monitors)) if (!byName.has(monitorOfKey(key, byName))) delete state.monitors[key];
    const perChannel = new Map<string, Notice[]>();
    // Pushed onto, never copied: 5,000 notices to a channel must not copy the list 5,000 times.
    const queue = (notice: Notice, channels: readonly string[]) => {
      for (const c of channels) {
        const list = perChannel.get(c);
        if (list) list.push(notice);
        else perChannel.set(c, [notice]);
      }
    };
    const alerts: AlertRecord[] = [];
    // Most monitors share the top-level windows: decide each distinct set once per minute.
    const windows = new Map<string, boolean>();
    const silenced = (rules: ReturnType<typeof rulesFor>, at: number) => {
      const key = `${Math.floor(at / 60_000)}\u0000${JSON.stringify(rules.maintenance)}`;
      let v = windows.get(key);
      if (v === undefined) windows.set(key, (v = inMaintenance(rules, at)));
      return v;
    };
    for (const r of results) {
      const m = byName.get(r.monitor);
      const obs = observe(r);
      if (!m || !obs) continue;
      const key = incidentKey(r);
      const rules = rulesFor(config.alerts, m.alert);
      const quiet = silenced(rules, Date.parse(obs.at));
      const b = advanceBroken(state.monitors[key], obs.broken ? { ...obs, ok: false, reasons: brokenReasons(obs.reasons) } : obs, quiet, incidentId);
      state.monitors[key] = b.state;
      if (b.notice) {
        const own = config.alerts.monitoringChannels?.length ? config.alerts.monitoringChannels : undefined;
        const channels = own ?? rules.channels;
        const { kind, broken, durationMs } = b.notice;
        const notice: Notice = { ...noticeOf(fn, key, r, kind, broken, durationMs, broken.reasons), ...(own ? {} : { monitorChannels: true }) };
        alerts.push({ monitor: key, kind, incidentId: broken.id, since: broken.since, channels });
        queue(notice, channels);
      }
      // Not measured: the outage machine neither counts it nor moves.
      if (obs.broken) continue;
      const t = advance(state.monitors[key], obs, rules, quiet, incidentId);
      state.monitors[key] = t.state;
      if (!t.notice) continue;
      const { kind, incident, durationMs, worse } = t.notice;
      const notice: Notice = {
        ...noticeOf(fn, key, r, kind, incident, durationMs, kind === 'resolved' ? incident.reasons : r.reasons),
        ...(worse ? { worseThan: worse.from } : {}),
        ...(kind === 'resolved' ? {} : { stats: r.stats, ...(r.table ? { table: r.table } : {}) }),
      };
      alerts.push({ monitor: key, kind, incidentId: incident.id, since: incident.since, channels: rules.channels, ...(worse ? { worseThan: worse.from } : {}) });
      queue(notice, rules.channels);
    }
    for (const [channel, notices] of perChannel) {
      state.outbox.push({ id: randomUUID(), channel, createdAt: at, notices, attempts: 0 });
    }
    return { value: state, result: alerts };
  });
}

/** What every notice about a record says, whichever machine (the outage's or the measurement's) sent it. */
function noticeOf(
  fn: string,
  monitor: string,
  r: ResultRecord,
  kind: Notice['kind'],
  incident: { id: string; since: string },
  durationMs: number | undefined,
  reasons: Reason[],
): Notice {
  return {
    kind,
    function: fn,
    monitor,
    type: r.type,
    target: r.target,
    incidentId: incident.id,
    since: incident.since,
    at: r.timestamp,
    ...(durationMs !== undefined ? { durationMs } : {}),
    reasons,
  };
}

/** The dead letter for an entry given up, and the fallback message that tells about it. */
function giveUp(input: AlertingInput, e: OutboxEntry, reason: string): GivenUp {
  const fallback = input.config.alerts.fallback;
  const fallbackConfig = fallback ? input.config.channels[fallback] : undefined;
  const at = new Date().toISOString();
  const letter = { id: e.id, entry: e, reason, at };
  // A failed fallback message is not passed on again: that way lies a loop.
  if (!fallback || !fallbackConfig || e.channel === fallback || e.fallbackFor) return { letter };
  return {
    letter,
    fallback: {
      id: randomUUID(),
      channel: fallback,
      createdAt: at,
      notices: e.notices,
      note: fallbackNote(fallbackConfig.locale, e.channel, reason),
      fallbackFor: e.channel,
      attempts: 0,
    },
  };
}

/** A channel that cannot even be loaded (a broken deploy) is a failed delivery, kept for the next run. */
async function loadAndDeliver(load: ChannelLoader, cfg: ChannelConfig, notices: Notice[], opts: Parameters<typeof deliver>[3]): Promise<DeliveryOutcome> {
  let channel;
  try {
    channel = await load(cfg.type);
  } catch (err) {
    return { ok: false, attempts: 0, code: 'CHANNEL_LOAD', message: `the ${cfg.type} channel could not be loaded: ${(err as Error).message}`, kind: 'retry' };
  }
  return deliver(channel, cfg, notices, opts);
}

/**
 * Sends claimed entries, one grouped message per channel, each channel on its own: a channel
 * settles its entries as soon as it is done, and a permanent failure sends its fallback
 * message right away instead of waiting for slower channels.
 */
async function sendAll(
  state: StateWriter,
  input: AlertingInput,
  runId: string,
  claimed: OutboxEntry[],
  load: ChannelLoader,
  summary: AlertingSummary,
): Promise<void> {
  const groups = new Map<string, OutboxEntry[]>();
  for (const e of claimed) {
    const k = `${e.channel}\u0000${e.note ?? ''}`;
    const list = groups.get(k);
    if (list) list.push(e);
    else groups.set(k, [e]);
  }
  // Every group finishes (and settles) before the run reports a failure: none is cut off mid-way.
  const done = await Promise.allSettled([...groups.values()].map((entries) => sendGroup(state, input, runId, entries, load, summary)));
  const failed = done.find((d): d is PromiseRejectedResult => d.status === 'rejected');
  if (failed) throw failed.reason;
}

async function sendGroup(
  state: StateWriter,
  input: AlertingInput,
  runId: string,
  entries: OutboxEntry[],
  load: ChannelLoader,
  summary: AlertingSummary,
): Promise<void> {
  const head = entries[0]!;
  const notices = entries.flatMap((e) => e.notices);
  const cfg: ChannelConfig | undefined = input.config.channels[head.channel];
  const outcome = cfg
    ? await loadAndDeliver(load, cfg, notices, {
        signal: input.signal,
        deadlineAt: input.deadlineAt,
        ...(head.note ? { note: head.note } : {}),
        ...(input.now ? { now: input.now } : {}),
        monitorNames: input.config.monitors.map((m) => m.name),
      })
    : ({ ok: false, attempts: 0, code: 'UNKNOWN_CHANNEL', message: `channel ${head.channel} is no longer configured`, kind: 'permanent' } as const);
  const record: DeliveryRecord = {
    channel: head.channel,
    ok: outcome.ok,
    outcome: outcome.ok ? 'delivered' : outcome.kind === 'permanent' ? 'dead-letter' : 'pending',
    attempts: outcome.attempts,
    notices: notices.length,
    monitors: [...new Set(notices.map((n) => n.monitor))],
    carriedOver: entries.filter((e) => e.attempts > 0).reduce((n, e) => n + e.notices.length, 0),
    ...(outcome.ok ? {} : { code: outcome.code, message: outcome.message }),
    ...(outcome.ok && outcome.receipt.partial?.length ? { partial: outcome.receipt.partial } : {}),
    ...(head.fallbackFor ? { fallbackFor: head.fallbackFor } : {}),
  };
  const settlement: Settlement = outcome.ok
    ? { outcome: 'delivered' }
    : outcome.kind === 'permanent'
      ? { outcome: 'permanent', code: outcome.code, message: outcome.message }
      : { outcome: 'failed', code: outcome.code, message: outcome.message, kind: outcome.kind, attempts: outcome.attempts };
  // Settled the moment the channel answered: the time between its answer and this commit is
  // the only window in which a crash makes the next run send a confirmed message again.
  const why = outcome.ok ? '' : `${outcome.code}: ${outcome.message}`;
  let given: GivenUp[];
  try {
    given = await state.update((cur) =>
      settleChange(cur, input.fn, runId, new Map(entries.map((e) => [e.id, settlement])), (e) => state.giving(giveUp(input, e, why))),
    );
  } finally {
    // What the channel answered is reported even if recording it failed: the send happened.
    summary.deliveries.push(record);
    logJson({ event: 'delivery', function: input.fn, ...record });
  }
  if (!given.length) return;
  state.reportDeadLetters(given);
  // Fallback messages go out in the same run, once: they are never passed on to a fallback.
  await sendAll(state, input, runId, given.flatMap((g) => (g.fallback ? [{ ...g.fallback }] : [])), load, summary);
}
