/**
 * Alerting rules: the per-monitor incident state machine (`advance`), the merge of a monitor's
 * `alert` over the top-level `alerts` over the defaults (`rulesFor`), maintenance windows
 * (`inMaintenance`) and the 5-field cron parser behind them. Pure functions, no I/O.
 *
 * Sequences are written as strings, one character per run, runs 5 minutes apart:
 *   x = failed run, o = good run, X = failed run in maintenance, O = good run in maintenance
 * and the expected notices as a string of the same length:
 *   A = alert, R = reminder, V = resolved, - = nothing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { advance, type Incident, type MonitorState, type Observation } from '../lib/alerting/incident';
import { inMaintenance, rulesFor } from '../lib/alerting/rules';
import { activeWindowStart, cronMatches, parseCron, wallClock, type WallClock } from '../lib/util/cron';
import { DEFAULT_RULES, type AlertsConfig, type MaintenanceWindow, type Rules } from '../lib/config/alerting-schema';
import type { Reason } from '../lib/report/codes';
import type { NoticeKind } from '../lib/alerting/types';

const T0 = Date.parse('2026-11-21T00:00:00.000Z');
const MIN = 60_000;
const iso = (minutes: number) => new Date(T0 + minutes * MIN).toISOString();

const FAIL: Reason[] = [{ code: 'HTTP_STATUS', message: '503 Service Unavailable' }];

function rules(over: Partial<Rules> = {}): Rules {
  return { ...DEFAULT_RULES, ...over };
}

const LETTER: Record<NoticeKind, string> = { alert: 'A', reminder: 'R', resolved: 'V', broken: 'B', cleared: 'C' };

interface Step {
  kind: string;
  id?: string;
  since?: string;
  at: string;
  durationMs?: number;
  incident?: Incident;
}

/** Runs a sequence; `minutesOf(i)` gives run i's time (5 minutes apart unless told). */
function run(
  seq: string,
  r: Rules,
  minutesOf: (i: number) => number = (i) => i * 5,
  start?: MonitorState,
): { steps: Step[]; state: MonitorState | undefined; ids: string[] } {
  let state = start;
  const ids: string[] = [];
  const newId = (since: string) => {
    const id = `inc-${ids.length + 1}@${since}`;
    ids.push(id);
    return id;
  };
  const steps: Step[] = [];
  [...seq].forEach((c, i) => {
    assert.ok('xoXO'.includes(c), `bad step ${c}`);
    const at = iso(minutesOf(i));
    const obs: Observation = { ok: c === 'o' || c === 'O', at, reasons: c === 'o' || c === 'O' ? [] : FAIL };
    const t = advance(state, obs, r, c === 'X' || c === 'O', newId);
    state = t.state;
    const n = t.notice;
    steps.push(
      n
        ? { kind: LETTER[n.kind], id: n.incident.id, since: n.incident.since, at, durationMs: n.durationMs, incident: n.incident }
        : { kind: '-', at },
    );
  });
  return { steps, state, ids };
}

const kinds = (steps: Step[]) => steps.map((s) => s.kind).join('');

interface Case {
  name: string;
  rules?: Partial<Rules>;
  seq: string;
  expect: string;
}

function table(cases: Case[]) {
  for (const c of cases) {
    test(`${c.name}: ${c.seq} -> ${c.expect}`, () => {
      assert.equal(c.seq.length, c.expect.length, 'case is malformed');
      assert.equal(kinds(run(c.seq, rules(c.rules)).steps), c.expect);
    });
  }
}

describe('advance: default rules (failureThreshold 1, successThreshold 1, remind 60)', () => {
  table([
    { name: 'all good', seq: 'oooo', expect: '----' },
    { name: 'one failed run', seq: 'xo', expect: 'AV' },
    { name: 'an outage of three runs', seq: 'oxxxo', expect: '-A--V' },
    { name: 'two outages', seq: 'xoxo', expect: 'AVAV' },
    { name: 'still failing at the end', seq: 'xxxx', expect: 'A---' },
  ]);

  test('each outage gets its own id, the same on its alert and its resolution', () => {
    const { steps } = run('xoxo', rules());
    const [a1, v1, a2, v2] = steps;
    assert.equal(a1!.id, v1!.id);
    assert.equal(a2!.id, v2!.id);
    assert.notEqual(a1!.id, a2!.id);
    assert.equal(a1!.since, iso(0));
    assert.equal(a2!.since, iso(10));
  });

  test('the alert carries the reasons of the run, the state keeps the open incident', () => {
    const t = advance(undefined, { ok: false, at: iso(0), reasons: FAIL }, rules(), false, () => 'id-1');
    assert.deepEqual(t.notice, {
      kind: 'alert',
      incident: { id: 'id-1', since: iso(0), alerted: true, lastNotifiedAt: iso(0), reasons: FAIL, announced: ['HTTP_STATUS'], notified: FAIL },
    });
    assert.equal(t.state.failures, 1);
    assert.equal(t.state.successes, 0);
    assert.equal(t.state.incident?.id, 'id-1');
  });

  test('a reminder carries the reasons of its own run', () => {
    const other: Reason[] = [{ code: 'HTTP_STATUS', message: '500 Internal Server Error' }];
    const t1 = advance(undefined, { ok: false, at: iso(0), reasons: FAIL }, rules(), false, () => 'id');
    const t2 = advance(t1.state, { ok: false, at: iso(60), reasons: other }, rules(), false, () => 'other');
    assert.equal(t2.notice?.kind, 'reminder');
    assert.equal(t2.notice?.incident.id, 'id');
    assert.deepEqual(t2.notice?.incident.reasons, other);
  });

  test('the previous state is not changed', () => {
    const t1 = advance(undefined, { ok: false, at: iso(0), reasons: FAIL }, rules(), false, () => 'id');
    const before = structuredClone(t1.state);
    advance(t1.state, { ok: false, at: iso(60), reasons: [] }, rules(), false, () => 'x');
    advance(t1.state, { ok: true, at: iso(65), reasons: [] }, rules(), false, () => 'x');
    assert.deepEqual(t1.state, before);
  });

  test('a healthy monitor\'s state stops changing (nothing new to store)', () => {
    // successThreshold 2: the good-run count stops at 2, so runs 3 and 4 leave the state as is.
    const r = rules({ successThreshold: 2 });
    // Compared as stored (JSON), the form the next run reads back.
    const stored = (x: unknown) => JSON.parse(JSON.stringify(x)) as MonitorState;
    const after3 = stored(run('ooo', r).state);
    const after4 = stored(advance(after3, { ok: true, at: iso(15), reasons: [] }, r, false, () => 'x').state);
    assert.deepEqual(after4, after3);
    assert.deepEqual(after4, { failures: 0, successes: 2 });
  });

  test('a resolution leaves no incident and no failure streak behind', () => {
    const { state } = run('xxo', rules());
    assert.equal(state?.incident, undefined);
    assert.equal(state?.failingSince, undefined);
    assert.equal(state?.failures, 0);
    assert.equal(state?.successes, 1);
  });
});

describe('advance: a worse status on an open incident is an update', () => {
  const at = (m: number, ...codes: Reason['code'][]): Observation => ({ ok: false, at: iso(m), reasons: codes.map((code) => ({ code, message: `${code} now` })) });
  const walk = (obs: Observation[], r = rules()) => {
    let state: MonitorState | undefined;
    return obs.map((o) => {
      const t = advance(state, o, r, false, () => 'id');
      state = t.state;
      return t.notice;
    });
  };

  test('WARN -> STALL: an update under the same incident, naming what was announced before', () => {
    const [a, u] = walk([at(0, 'WARN', 'LAG_THRESHOLD'), at(1, 'STALL', 'LAG_THRESHOLD')]);
    assert.equal(a?.kind, 'alert');
    assert.equal(u?.kind, 'alert');
    assert.deepEqual(u?.worse, { from: ['WARN', 'LAG_THRESHOLD'] });
    assert.equal(u?.incident.id, a?.incident.id);
  });

  test('STALL -> WARN is not worse; nor is a status already announced; an update restarts the reminder clock', () => {
    const n = walk([at(0, 'STALL'), at(1, 'WARN'), at(2, 'STALL'), at(30, 'STOP'), at(60, 'STOP'), at(90, 'STOP')]);
    assert.deepEqual(n.map((x) => (x ? `${x.kind}${x.worse ? '+' : ''}` : '-')), ['alert', '-', '-', 'alert+', '-', 'reminder']);
  });

  test('a new failure code of an http monitor is news; DEADLINE and PROBE_NETWORK are not', () => {
    const n = walk([at(0, 'HTTP_STATUS'), at(1, 'HTTP_STATUS', 'DEADLINE'), at(2, 'CONNECT_REFUSED'), at(3, 'CONNECT_REFUSED')]);
    assert.deepEqual(n.map((x) => (x ? `${x.kind}${x.worse ? '+' : ''}` : '-')), ['alert', '-', 'alert+', '-']);
  });

  test('the resolved message quotes what was announced, not a status reached in silence', () => {
    let state: MonitorState | undefined;
    const step = (o: Observation, silenced = false) => {
      const t = advance(state, o, rules(), silenced, () => 'id');
      state = t.state;
      return t.notice;
    };
    step(at(0, 'WARN'));
    step(at(1, 'STALL'), true); // maintenance: nobody hears of STALL
    const resolved = step({ ok: true, at: iso(2), reasons: [] });
    assert.equal(resolved?.kind, 'resolved');
    assert.deepEqual(resolved?.incident.reasons.map((r) => r.code), ['WARN']);
  });
});

describe('advance: failureThreshold 3', () => {
  table([
    { name: 'three failed runs alert on the third', rules: { failureThreshold: 3 }, seq: 'xxxo', expect: '--AV' },
    { name: 'two failed runs are not an outage', rules: { failureThreshold: 3 }, seq: 'xxoxxo', expect: '------' },
    { name: 'a good run restarts the count', rules: { failureThreshold: 3 }, seq: 'xxoxxxo', expect: '-----AV' },
  ]);

  test('`since` is the first failed run of the streak, not the run that alerted', () => {
    const { steps, ids } = run('oxxxo', rules({ failureThreshold: 3 }));
    const alert = steps[3]!;
    assert.equal(alert.kind, 'A');
    assert.equal(alert.since, iso(5));
    assert.equal(alert.at, iso(15));
    // newId gets the start of the outage too.
    assert.deepEqual(ids, [`inc-1@${iso(5)}`]);
  });

  test('after an interrupted streak, `since` is the first run of the new streak', () => {
    const { steps } = run('xxoxxx', rules({ failureThreshold: 3 }));
    assert.equal(steps[5]!.kind, 'A');
    assert.equal(steps[5]!.since, iso(15));
  });

  test('no incident exists before the threshold', () => {
    const { state, ids } = run('xx', rules({ failureThreshold: 3 }));
    assert.equal(state?.incident, undefined);
    assert.equal(state?.failures, 2);
    assert.equal(state?.failingSince, iso(0));
    assert.deepEqual(ids, []);
  });
});

describe('advance: successThreshold 2', () => {
  table([
    { name: 'one good run does not resolve', rules: { successThreshold: 2 }, seq: 'xoo', expect: 'A-V' },
    { name: 'flapping stays one incident', rules: { successThreshold: 2 }, seq: 'xoxoxoo', expect: 'A-----V' },
    { name: 'good runs before any outage', rules: { successThreshold: 2 }, seq: 'oxoo', expect: '-A-V' },
  ]);

  test('flapping keeps the incident id and the original `since`', () => {
    const { steps, ids } = run('xoxoxoo', rules({ successThreshold: 2 }));
    assert.deepEqual(ids, [`inc-1@${iso(0)}`]);
    const resolved = steps[6]!;
    assert.equal(resolved.kind, 'V');
    assert.equal(resolved.id, steps[0]!.id);
    assert.equal(resolved.since, iso(0));
  });

  test('while one good run is pending the incident is still open', () => {
    const { state } = run('xo', rules({ successThreshold: 2 }));
    assert.ok(state?.incident);
    assert.equal(state?.successes, 1);
  });
});

describe('advance: reminders', () => {
  // Runs every 5 minutes from minute 0: the alert at run 0, reminders when 60 minutes have
  // passed since the last notice, i.e. at runs 12 (minute 60) and 24 (minute 120).
  test('remindEveryMinutes 60: reminders exactly at +60 and +120', () => {
    const { steps } = run('x'.repeat(25), rules({ remindEveryMinutes: 60 }));
    assert.equal(kinds(steps), `A${'-'.repeat(11)}R${'-'.repeat(11)}R`);
    assert.equal(steps[12]!.at, iso(60));
    assert.equal(steps[24]!.at, iso(120));
    assert.ok(steps.slice(12).filter((s) => s.kind === 'R').every((s) => s.id === steps[0]!.id));
  });

  test('reminders count from the last notice, not from `since`', () => {
    // Runs at 0, 50, 70, 125, 130: alert at 0; 70 is >= 60 after 0; 125 is only 55 after 70;
    // 130 is 60 after 70.
    const minutes = [0, 50, 70, 125, 130];
    const { steps } = run('xxxxx', rules({ remindEveryMinutes: 60 }), (i) => minutes[i]!);
    assert.equal(kinds(steps), 'A-R-R');
    assert.equal(steps[2]!.incident?.lastNotifiedAt, iso(70));
  });

  test('remindEveryMinutes 0: never a reminder', () => {
    const { steps } = run('x'.repeat(300), rules({ remindEveryMinutes: 0 }));
    assert.equal(kinds(steps), `A${'-'.repeat(299)}`);
  });

  test('with failureThreshold 3, the first reminder is 60 minutes after the alert', () => {
    // Alert at run 2 (minute 10); reminder at minute 70 = run 14.
    const { steps } = run('x'.repeat(15), rules({ failureThreshold: 3, remindEveryMinutes: 60 }));
    assert.equal(kinds(steps), `--A${'-'.repeat(11)}R`);
  });

  test('flapping does not restart the reminder clock', () => {
    // successThreshold 2: o x o x ... never resolves. Alert at 0, reminder at the first failed
    // run at or after minute 60: runs alternate x (even i) / o (odd i), minute 60 is run 12 (x).
    const seq = 'xo'.repeat(7).slice(0, 13);
    const { steps } = run(seq, rules({ successThreshold: 2, remindEveryMinutes: 60 }));
    assert.equal(kinds(steps), `A${'-'.repeat(11)}R`);
  });
});

describe('advance: sendOnResolved false', () => {
  table([
    { name: 'no resolved notice', rules: { sendOnResolved: false }, seq: 'xxo', expect: 'A--' },
    { name: 'the next outage alerts again', rules: { sendOnResolved: false }, seq: 'xoxo', expect: 'A-A-' },
  ]);

  test('the incident is closed anyway, the next outage has a new id', () => {
    const { steps, state } = run('xox', rules({ sendOnResolved: false }));
    assert.notEqual(steps[2]!.id, steps[0]!.id);
    assert.equal(state?.incident?.since, iso(10));
  });
});

describe('advance: maintenance (silenced)', () => {
  table([
    { name: 'failing only in maintenance says nothing', seq: 'XXX', expect: '---' },
    { name: 'an outage that outlasts maintenance is alerted when it ends', seq: 'XXxxo', expect: '--A-V' },
    { name: 'an incident opened and closed inside maintenance sends nothing', seq: 'XXOx', expect: '---A' },
    { name: 'a resolved for an alerted incident is sent during maintenance', seq: 'xXO', expect: 'A-V' },
    { name: 'threshold 3 across the window edge', rules: { failureThreshold: 3 }, seq: 'XXXxo', expect: '---AV' },
    { name: 'threshold 3 reached after the window', rules: { failureThreshold: 3 }, seq: 'XxxX', expect: '--A-' },
  ]);

  test('the alert after maintenance keeps the original `since`', () => {
    const { steps, ids } = run('XXXx', rules());
    assert.equal(steps[3]!.kind, 'A');
    assert.equal(steps[3]!.since, iso(0));
    assert.deepEqual(ids, [`inc-1@${iso(0)}`]);
  });

  test('a silenced incident stays open and unalerted in the state', () => {
    const { state } = run('XX', rules());
    assert.equal(state?.incident?.alerted, false);
    assert.equal(state?.incident?.since, iso(0));
    assert.equal(state?.incident?.lastNotifiedAt, undefined);
  });

  test('the quiet incident closed in maintenance is not the one alerted later', () => {
    const { steps, ids } = run('XOx', rules());
    assert.equal(ids.length, 2);
    assert.equal(steps[2]!.id, ids[1]);
    assert.equal(steps[2]!.since, iso(10));
  });

  test('reminders are held during maintenance and due at the first run after it', () => {
    // Alert at 0; runs 1..23 (minutes 5..115) silenced; run 24 (minute 120) is >= 60 after the
    // alert, so it reminds; run 25 (minute 125) is only 5 after that.
    const { steps } = run(`x${'X'.repeat(23)}xx`, rules({ remindEveryMinutes: 60 }));
    assert.equal(kinds(steps), `A${'-'.repeat(23)}R-`);
  });

  test('a resolved during maintenance has the duration of the whole outage', () => {
    const { steps } = run('xXXO', rules());
    assert.equal(steps[3]!.durationMs, 15 * MIN);
  });
});

describe('advance: resolved duration', () => {
  test('durationMs = time of the good run - `since`', () => {
    // Irregular runs: fail at 0, fail at 7, good at 19 -> 19 minutes.
    const minutes = [0, 7, 19];
    const { steps } = run('xxo', rules(), (i) => minutes[i]!);
    assert.equal(steps[2]!.kind, 'V');
    assert.equal(steps[2]!.durationMs, 19 * MIN);
  });

  test('with thresholds, the duration runs from the first failed run to the resolving run', () => {
    // failureThreshold 3 and successThreshold 2: first failure at minute 5, resolved by the
    // second good run at minute 30 -> 25 minutes.
    const { steps } = run('oxxxxoo', rules({ failureThreshold: 3, successThreshold: 2 }));
    assert.equal(kinds(steps), '---A--V');
    assert.equal(steps[6]!.durationMs, 25 * MIN);
    assert.equal(steps[6]!.since, iso(5));
  });

  test('alerts and reminders have no duration', () => {
    const { steps } = run('x'.repeat(13), rules());
    assert.equal(steps[0]!.durationMs, undefined);
    assert.equal(steps[12]!.durationMs, undefined);
  });
});

describe('rulesFor', () => {
  const alerts = (over: Partial<AlertsConfig> = {}): AlertsConfig => ({ deadLetterHours: 24, ...over });
  const window: MaintenanceWindow = { cron: '0 2 * * 6', durationMinutes: 60, timezone: 'Asia/Shanghai' };
  const other: MaintenanceWindow = { cron: '0 4 * * *', durationMinutes: 30, timezone: 'UTC' };

  test('nothing configured: the documented defaults', () => {
    assert.deepEqual(rulesFor(alerts(), undefined), {
      channels: [],
      failureThreshold: 1,
      successThreshold: 1,
      sendOnResolved: true,
      remindEveryMinutes: 60,
      maintenance: [],
    });
  });

  test('top-level alerts over the defaults', () => {
    const r = rulesFor(alerts({ channels: ['ops'], failureThreshold: 3, maintenance: [window] }), undefined);
    assert.deepEqual(r.channels, ['ops']);
    assert.equal(r.failureThreshold, 3);
    assert.deepEqual(r.maintenance, [window]);
    assert.equal(r.successThreshold, 1);
    assert.equal(r.remindEveryMinutes, 60);
  });

  test("a monitor's alert over the top level, field by field", () => {
    const top = alerts({ channels: ['ops'], failureThreshold: 3, successThreshold: 2, remindEveryMinutes: 30 });
    const r = rulesFor(top, { failureThreshold: 5, channels: ['db-team'] });
    assert.deepEqual(r, {
      channels: ['db-team'],
      failureThreshold: 5,
      successThreshold: 2,
      sendOnResolved: true,
      remindEveryMinutes: 30,
      maintenance: [],
    });
  });

  test('an empty alert changes nothing', () => {
    const top = alerts({ channels: ['ops'], remindEveryMinutes: 15 });
    assert.deepEqual(rulesFor(top, {}), rulesFor(top, undefined));
  });

  test('0, false and [] on a monitor are real values, not "unset"', () => {
    const top = alerts({ channels: ['ops'], sendOnResolved: true, remindEveryMinutes: 30, maintenance: [window] });
    const r = rulesFor(top, { channels: [], sendOnResolved: false, remindEveryMinutes: 0, maintenance: [] });
    assert.deepEqual(r.channels, []);
    assert.equal(r.sendOnResolved, false);
    assert.equal(r.remindEveryMinutes, 0);
    assert.deepEqual(r.maintenance, []);
  });

  test("a monitor's maintenance replaces the top-level windows", () => {
    const r = rulesFor(alerts({ maintenance: [window] }), { maintenance: [other] });
    assert.deepEqual(r.maintenance, [other]);
  });
});

describe('inMaintenance', () => {
  // 2026-11-21 is a Saturday (2026-01-01 is a Thursday; Nov 21 is day 325, 324 days later,
  // 324 = 46*7 + 2 -> Thursday + 2). Asia/Shanghai is UTC+8 with no DST, so Saturday 02:30
  // Shanghai time is Friday 2026-11-20 18:30 UTC.
  const shanghai = (date: string, time: string) => Date.parse(`${date}T${time}+08:00`);
  const saturdayWindow = rules({ maintenance: [{ cron: '0 2 * * 6', durationMinutes: 60, timezone: 'Asia/Shanghai' }] });

  test('Saturday 02:30 Shanghai is inside "0 2 * * 6" for 60 minutes', () => {
    assert.equal(inMaintenance(saturdayWindow, Date.parse('2026-11-20T18:30:00Z')), true);
    assert.equal(inMaintenance(saturdayWindow, shanghai('2026-11-21', '02:30:00')), true);
  });

  test('the window is [02:00, 03:00): start inside, end outside', () => {
    assert.equal(inMaintenance(saturdayWindow, shanghai('2026-11-21', '02:00:00')), true);
    assert.equal(inMaintenance(saturdayWindow, shanghai('2026-11-21', '02:59:59.999')), true);
    assert.equal(inMaintenance(saturdayWindow, shanghai('2026-11-21', '03:00:00')), false);
    assert.equal(inMaintenance(saturdayWindow, shanghai('2026-11-21', '01:59:00')), false);
    assert.equal(inMaintenance(saturdayWindow, shanghai('2026-11-21', '01:59:59.999')), false);
  });

  test('other days are outside', () => {
    assert.equal(inMaintenance(saturdayWindow, shanghai('2026-11-22', '02:30:00')), false); // Sunday
    assert.equal(inMaintenance(saturdayWindow, shanghai('2026-11-20', '02:30:00')), false); // Friday
    assert.equal(inMaintenance(saturdayWindow, shanghai('2026-11-28', '02:30:00')), true); // next Saturday
  });

  test('02:30 Saturday UTC is not 02:30 Saturday in Shanghai', () => {
    // 2026-11-21T02:30Z is 10:30 Saturday in Shanghai.
    assert.equal(inMaintenance(saturdayWindow, Date.parse('2026-11-21T02:30:00Z')), false);
    const utc = rules({ maintenance: [{ cron: '0 2 * * 6', durationMinutes: 60, timezone: 'UTC' }] });
    assert.equal(inMaintenance(utc, Date.parse('2026-11-21T02:30:00Z')), true);
    assert.equal(inMaintenance(utc, shanghai('2026-11-21', '02:30:00')), false);
  });

  test('a UTC window across midnight', () => {
    // 22:30 UTC every day for 90 minutes: [22:30, 00:00).
    const r = rules({ maintenance: [{ cron: '30 22 * * *', durationMinutes: 90, timezone: 'UTC' }] });
    assert.equal(inMaintenance(r, Date.parse('2026-11-21T22:29:59Z')), false);
    assert.equal(inMaintenance(r, Date.parse('2026-11-21T22:30:00Z')), true);
    assert.equal(inMaintenance(r, Date.parse('2026-11-21T23:59:59Z')), true);
    assert.equal(inMaintenance(r, Date.parse('2026-11-22T00:00:00Z')), false);
  });

  test('a window follows local time through daylight saving (Europe/London)', () => {
    // 09:00 London: 08:00 UTC in July (BST, UTC+1), 09:00 UTC in January (GMT).
    const r = rules({ maintenance: [{ cron: '0 9 * * *', durationMinutes: 60, timezone: 'Europe/London' }] });
    assert.equal(inMaintenance(r, Date.parse('2026-07-15T08:30:00Z')), true);
    assert.equal(inMaintenance(r, Date.parse('2026-07-15T09:30:00Z')), false);
    assert.equal(inMaintenance(r, Date.parse('2026-01-15T09:30:00Z')), true);
    assert.equal(inMaintenance(r, Date.parse('2026-01-15T08:30:00Z')), false);
  });

  test('no windows: never; several windows: any of them', () => {
    assert.equal(inMaintenance(rules(), shanghai('2026-11-21', '02:30:00')), false);
    const both = rules({
      maintenance: [
        { cron: '0 2 * * 6', durationMinutes: 60, timezone: 'Asia/Shanghai' },
        { cron: '0 4 * * *', durationMinutes: 30, timezone: 'UTC' },
      ],
    });
    assert.equal(inMaintenance(both, shanghai('2026-11-21', '02:30:00')), true);
    assert.equal(inMaintenance(both, Date.parse('2026-11-24T04:10:00Z')), true);
    assert.equal(inMaintenance(both, Date.parse('2026-11-24T04:30:00Z')), false);
  });

  test('day-of-month OR day-of-week when both are restricted', () => {
    // "0 3 1 * 1": 03:00 UTC on the 1st of the month or on Mondays. 2026-11-23 is a Monday
    // (Saturday 21 + 2), 2026-12-01 a Tuesday (Monday 30 + 1), 2026-11-24 a Tuesday.
    const r = rules({ maintenance: [{ cron: '0 3 1 * 1', durationMinutes: 10, timezone: 'UTC' }] });
    assert.equal(inMaintenance(r, Date.parse('2026-11-23T03:05:00Z')), true); // Monday
    assert.equal(inMaintenance(r, Date.parse('2026-12-01T03:05:00Z')), true); // the 1st
    assert.equal(inMaintenance(r, Date.parse('2026-11-24T03:05:00Z')), false); // neither
  });

  test('with one day field "*", the other alone decides', () => {
    const mondays = rules({ maintenance: [{ cron: '0 3 * * 1', durationMinutes: 10, timezone: 'UTC' }] });
    assert.equal(inMaintenance(mondays, Date.parse('2026-11-23T03:05:00Z')), true);
    assert.equal(inMaintenance(mondays, Date.parse('2026-12-01T03:05:00Z')), false);
    const firsts = rules({ maintenance: [{ cron: '0 3 1 * *', durationMinutes: 10, timezone: 'UTC' }] });
    assert.equal(inMaintenance(firsts, Date.parse('2026-12-01T03:05:00Z')), true);
    assert.equal(inMaintenance(firsts, Date.parse('2026-11-23T03:05:00Z')), false);
  });

  test('activeWindowStart gives the start of the window', () => {
    // Saturday 02:00 Shanghai = Friday 18:00 UTC.
    assert.equal(activeWindowStart('0 2 * * 6', 60, 'Asia/Shanghai', shanghai('2026-11-21', '02:30:12')), Date.parse('2026-11-20T18:00:00Z'));
    assert.equal(activeWindowStart('0 2 * * 6', 60, 'Asia/Shanghai', shanghai('2026-11-21', '03:00:00')), undefined);
  });
});

describe('cron', () => {
  const set = (...n: number[]) => new Set(n);
  const wc = (over: Partial<WallClock>): WallClock => ({ minute: 0, hour: 0, day: 1, month: 1, weekday: 0, ...over });

  test('"*" is the whole range', () => {
    const c = parseCron('* * * * *');
    assert.equal(c.minute.size, 60);
    assert.equal(c.hour.size, 24);
    assert.equal(c.dayOfMonth.size, 31);
    assert.equal(c.month.size, 12);
    assert.deepEqual(c.dayOfWeek, set(0, 1, 2, 3, 4, 5, 6));
    assert.equal(c.anyDayOfMonth, true);
    assert.equal(c.anyDayOfWeek, true);
  });

  test('lists, ranges and steps', () => {
    assert.deepEqual(parseCron('*/15 * * * *').minute, set(0, 15, 30, 45));
    assert.deepEqual(parseCron('10-30/10 * * * *').minute, set(10, 20, 30));
    assert.deepEqual(parseCron('1,15,30 * * * *').minute, set(1, 15, 30));
    assert.deepEqual(parseCron('0 9-11,14 * * *').hour, set(9, 10, 11, 14));
    assert.deepEqual(parseCron('0 */6 * * *').hour, set(0, 6, 12, 18));
    // A single value with a step runs to the end of the range (Vixie): 5, 25, 45.
    assert.deepEqual(parseCron('5/20 * * * *').minute, set(5, 25, 45));
  });

  test('month and weekday names, any case', () => {
    assert.deepEqual(parseCron('0 0 * * MON-FRI').dayOfWeek, set(1, 2, 3, 4, 5));
    assert.deepEqual(parseCron('0 0 * * sat,sun').dayOfWeek, set(6, 0));
    assert.deepEqual(parseCron('0 0 1 JAN-MAR *').month, set(1, 2, 3));
    assert.deepEqual(parseCron('0 0 1 dec *').month, set(12));
  });

  test('7 is Sunday too', () => {
    assert.deepEqual(parseCron('0 0 * * 7').dayOfWeek, set(0));
    assert.deepEqual(parseCron('0 0 * * 5-7').dayOfWeek, set(5, 6, 0));
    assert.deepEqual(parseCron('0 0 * * 0').dayOfWeek, parseCron('0 0 * * 7').dayOfWeek);
  });

  test('cronMatches: both day fields restricted means either', () => {
    const c = parseCron('0 3 1 * 1');
    assert.equal(cronMatches(c, wc({ hour: 3, day: 1, weekday: 3 })), true);
    assert.equal(cronMatches(c, wc({ hour: 3, day: 9, weekday: 1 })), true);
    assert.equal(cronMatches(c, wc({ hour: 3, day: 9, weekday: 3 })), false);
    assert.equal(cronMatches(c, wc({ hour: 4, day: 1, weekday: 1 })), false);
  });

  test('cronMatches: a "*/n" day field counts as unrestricted (Vixie), so both must match', () => {
    // "*/2" in day-of-month starts with "*": the days are ANDed, as in Vixie cron.
    const c = parseCron('0 0 */2 * 1');
    assert.equal(cronMatches(c, wc({ day: 3, weekday: 1 })), true);
    assert.equal(cronMatches(c, wc({ day: 2, weekday: 1 })), false);
    assert.equal(cronMatches(c, wc({ day: 3, weekday: 2 })), false);
  });

  test('cronMatches: month is always required', () => {
    const c = parseCron('0 0 1 jun 1');
    assert.equal(cronMatches(c, wc({ month: 7, day: 1 })), false);
    assert.equal(cronMatches(c, wc({ month: 6, day: 1 })), true);
  });

  for (const bad of [
    '0 2 * * * 6', // 6 fields
    '0 2 * *', // 4 fields
    '',
    '60 * * * *', // minute 60
    '* 24 * * *', // hour 24
    '* * 0 * *', // day 0
    '* * 32 * *',
    '* * * 13 *', // month 13
    '* * * * 8', // weekday 8
    '5-1 * * * *', // backwards
    '*/0 * * * *', // step 0
    '*/ * * * *',
    '1.5 * * * *',
    'a * * * *',
    '* * * * jan', // a month name as a weekday
    '1, * * * *', // empty list item
    '-5 * * * *',
  ]) {
    test(`invalid: ${JSON.stringify(bad)} throws`, () => {
      assert.throws(() => parseCron(bad));
    });
  }

  // Malformed ranges and steps must not be read as something else: "1-5-7" is not "1-5" and
  // "*/5/2" is not "*/5".
  for (const bad of ['1-5-7 * * * *', '*/5/2 * * * *']) {
    test(`invalid: ${JSON.stringify(bad)} throws (not silently shortened)`, () => {
      assert.throws(() => parseCron(bad));
    });
  }

  test('wallClock in Asia/Shanghai', () => {
    // 2026-11-20T18:30Z = Saturday 2026-11-21 02:30 in Shanghai.
    assert.deepEqual(wallClock(Date.parse('2026-11-20T18:30:00Z'), 'Asia/Shanghai'), { minute: 30, hour: 2, day: 21, month: 11, weekday: 6 });
  });

  test('wallClock: midnight is hour 0, not 24', () => {
    // 2026-11-21T16:00Z = Sunday 2026-11-22 00:00 in Shanghai.
    assert.deepEqual(wallClock(Date.parse('2026-11-21T16:00:00Z'), 'Asia/Shanghai'), { minute: 0, hour: 0, day: 22, month: 11, weekday: 0 });
    assert.deepEqual(wallClock(Date.parse('2026-12-31T23:59:00Z'), 'UTC'), { minute: 59, hour: 23, day: 31, month: 12, weekday: 4 });
  });
});
