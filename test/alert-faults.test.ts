/**
 * Alert delivery under channel faults, end to end. Everything goes through the real handler
 * (`runFunction('statusCheck')`): a JSON config file with the secrets as `${ENV}` references,
 * an http monitor against a loopback target whose answer the test sets (502 fails, 200
 * recovers), state in a real file store (or a real redis-server), and the three real channels
 * talking to their loopback stand-ins: the WeCom robot, the DingTalk robot (signed, with a
 * keyword) and an SMTP server over TLS with AUTH (implicit TLS in the matrix, STARTTLS
 * elsewhere) whose certificate is trusted through the channel's `ca`.
 *
 * What must hold is the outbox's promise: the healthy channels hear once; a broken channel
 * hears later, once healed, or is given up (permanent) with a fallback message; a confirmed
 * delivery is never repeated; no secret ever reaches a log line, the summary or the CLI table.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFunction } from '../lib/functions';
import { localContext, timerEvent } from '../lib/runtime/scf';
import { setLogSink } from '../lib/report/log';
import { renderTable } from '../lib/runtime/table';
import type { Summary } from '../lib/runtime/summary';
import type { DeliveryRecord } from '../lib/alerting/process';
import { WECOM_PATH, wecomStandIn, type Mode, type Received, type RobotStandIn, type WecomStandIn } from './support/wecom';
import { DINGTALK_PATH, dingtalkStandIn, type DingtalkStandIn } from './support/dingtalk';
import { smtpStandIn, type SmtpMode, type SmtpStandIn } from './support/smtp';
import { makeCerts, type TestCerts } from './support/certs';
import { closedPort, httpServer, type Running } from '../dev/standins/servers';
import { startRedis, type RunningRedis } from './support/redis';

// ---- Secrets, given to the config through the environment as a user would ----

const SECRET = {
  SCFM_AF_WECOM_KEY: 'wk-AF-7d41c9e2b6-SECRET-KEY',
  SCFM_AF_DT_TOKEN: 'dt-AF-5e8a0f3c-SECRET-TOKEN',
  SCFM_AF_DT_SECRET: 'SEC-AF-b93f1d47-SECRET-SIGN',
  SCFM_AF_SMTP_PASS: 'smtp-AF-Pa55-SECRET-w0rd',
} as const;
const SMTP_USER = 'ops@example.com';
const KEYWORD = '运维';

// Short timeouts keep a run with a broken channel within its 8 s limit (the retries stop at
// the final deadline, 7 s in); e-mail gets a little more since one send is a TLS handshake,
// AUTH and DATA, and a healthy send must never time out on a busy test machine.
const TIME_LIMIT_MS = 8000;
const ROBOT_TIMEOUT_MS = 800;
const SMTP_TIMEOUT_MS = 1500;

type ChannelKey = 'wecom' | 'dingtalk' | 'email';
type Receiver = ChannelKey | 'fallback';
const CHANNELS: readonly ChannelKey[] = ['wecom', 'dingtalk', 'email'];
const NAME: Record<Receiver, string> = { wecom: 'ops-wecom', dingtalk: 'ops-dingtalk', email: 'ops-email', fallback: 'ops-fallback' };

let certs: TestCerts;
const lines: string[] = [];
before(() => {
  Object.assign(process.env, SECRET);
  certs = makeCerts();
  // Every JSON log line of the file is kept: the secrets test reads them, and the run's own
  // output stays off the test runner's stdout.
  setLogSink((text) => lines.push(...text.split(/(?<=\n)/)));
});
after(() => {
  setLogSink((line) => process.stdout.write(line));
  for (const k of Object.keys(SECRET)) delete process.env[k];
  certs.cleanup();
});

// ---- A world: target, stand-ins, config file, state ----

interface Sent {
  text: string;
  /** The peer confirmed it (robot errcode 0; SMTP stores only accepted messages). */
  confirmed: boolean;
}

interface WorldOptions {
  /** How many failing http monitors (svc-01 ...); one named `web` when left out. */
  monitors?: number;
  smtpTls?: 'implicit' | 'starttls';
  /** The password the SMTP server accepts; the configured one when left out. */
  smtpServerPass?: string;
  /** The robot secret DingTalk checks signatures with; the configured one when left out. */
  dingtalkServerSecret?: string;
  /** Extra settings merged into a channel's config. */
  channel?: Partial<Record<Receiver, Record<string, unknown>>>;
  state?: Record<string, unknown>;
}

interface World {
  dir: string;
  monitors: string[];
  wecom: WecomStandIn;
  dingtalk: DingtalkStandIn;
  smtp: SmtpStandIn;
  fallback: WecomStandIn;
  setTarget: (status: number) => void;
  setMode: (c: Receiver, mode: Mode | SmtpMode) => Promise<void>;
  sent: (c: Receiver) => Sent[];
  counts: () => Record<Receiver, number>;
  run: () => Promise<Summary>;
  close: () => Promise<void>;
}

function markdownOf(r: Received): string {
  const md = (r.json as { markdown?: { content?: unknown; text?: unknown } } | undefined)?.markdown;
  const text = md?.content ?? md?.text;
  return typeof text === 'string' ? text : r.raw;
}

async function makeWorld(o: WorldOptions = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-alert-faults-'));
  let status = 502;
  const target: Running = await httpServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 400 ? 'ok' : 'bad gateway');
  });
  const wecom = await wecomStandIn(SECRET.SCFM_AF_WECOM_KEY);
  const dingtalk = await dingtalkStandIn({
    token: SECRET.SCFM_AF_DT_TOKEN,
    secret: o.dingtalkServerSecret ?? SECRET.SCFM_AF_DT_SECRET,
    keywords: [KEYWORD],
  });
  const tls = o.smtpTls ?? 'starttls';
  const smtp = await smtpStandIn({ tls, key: certs.server.key, cert: certs.server.cert, user: SMTP_USER, pass: o.smtpServerPass ?? SECRET.SCFM_AF_SMTP_PASS });
  const fallback = await wecomStandIn(SECRET.SCFM_AF_WECOM_KEY);
  writeFileSync(join(dir, 'ca.pem'), certs.ca);

  const monitors =
    o.monitors === undefined ? ['web'] : Array.from({ length: o.monitors }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
  const config = {
    state: o.state ?? { type: 'file', path: join(dir, 'state') },
    channels: {
      [NAME.wecom]: {
        type: 'wecom',
        webhook: `http://127.0.0.1:${wecom.port}${WECOM_PATH}?key=` + '${SCFM_AF_WECOM_KEY}',
        timeoutMs: ROBOT_TIMEOUT_MS,
        ...o.channel?.wecom,
      },
      [NAME.dingtalk]: {
        type: 'dingtalk',
        webhook: `http://127.0.0.1:${dingtalk.port}${DINGTALK_PATH}?access_token=` + '${SCFM_AF_DT_TOKEN}',
        secret: '${SCFM_AF_DT_SECRET}',
        keywords: [KEYWORD],
        timeoutMs: ROBOT_TIMEOUT_MS,
        ...o.channel?.dingtalk,
      },
      [NAME.email]: {
        type: 'email',
        host: '127.0.0.1',
        port: smtp.port,
        // Implicit TLS on a port other than 465 has to be asked for; otherwise STARTTLS.
        ...(tls === 'implicit' ? { secure: true } : {}),
        user: SMTP_USER,
        pass: '${SCFM_AF_SMTP_PASS}',
        from: '监控 <monitor@example.com>',
        to: ['oncall@example.com'],
        ca: 'ca.pem', // relative to the config file
        timeoutMs: SMTP_TIMEOUT_MS,
        ...o.channel?.email,
      },
      [NAME.fallback]: {
        type: 'wecom',
        webhook: `http://127.0.0.1:${fallback.port}${WECOM_PATH}?key=` + '${SCFM_AF_WECOM_KEY}',
        timeoutMs: ROBOT_TIMEOUT_MS,
        ...o.channel?.fallback,
      },
    },
    alerts: { channels: CHANNELS.map((c) => NAME[c]), fallback: NAME.fallback },
    monitors: monitors.map((name) => ({ name, type: 'http', url: target.url(`/${name}`), samples: 1, attempts: 1, intervalMs: 0 })),
  };
  const configPath = join(dir, 'monitors.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  const robot = (c: Exclude<Receiver, 'email'>): RobotStandIn => (c === 'wecom' ? wecom : c === 'dingtalk' ? dingtalk : fallback);
  const sent = (c: Receiver): Sent[] =>
    c === 'email'
      ? smtp.received.map((m) => ({ text: `${m.mail.subject ?? ''}\n${m.mail.text ?? ''}`, confirmed: true }))
      : robot(c).received.map((r) => ({ text: markdownOf(r), confirmed: r.answer?.errcode === 0 }));
  return {
    dir,
    monitors,
    wecom,
    dingtalk,
    smtp,
    fallback,
    setTarget: (s) => {
      status = s;
    },
    setMode: (c, mode) => (c === 'email' ? smtp.setMode(mode as SmtpMode) : robot(c).setMode(mode as Mode)),
    sent,
    counts: () => ({ wecom: sent('wecom').length, dingtalk: sent('dingtalk').length, email: sent('email').length, fallback: sent('fallback').length }),
    run: () => runFunction('statusCheck', timerEvent(), localContext('statusCheck', TIME_LIMIT_MS), { configPath }),
    close: async () => {
      await Promise.all([target.close(), wecom.close(), dingtalk.close(), smtp.close(), fallback.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const deliveriesTo = (s: Summary, c: Receiver): DeliveryRecord[] => s.deliveries.filter((d) => d.channel === NAME[c]);

function onlyDelivery(s: Summary, c: Receiver): DeliveryRecord {
  const ds = deliveriesTo(s, c);
  assert.equal(ds.length, 1, `one delivery record for ${NAME[c]}: ${JSON.stringify(s.deliveries)}`);
  return ds[0]!;
}

/** The incident id a rendered notice shows (事件编号: 20261122-1452-a3f9). */
function incidentIds(text: string): string[] {
  return [...text.matchAll(/事件编号: (\d{8}-\d{4}-[0-9a-f]{4})/g)].map((m) => m[1]!);
}

// ---- 1. The fault matrix ----

interface Cell {
  channel: ChannelKey;
  fault: string;
  mode: Mode | SmtpMode;
  code: string;
  outcome: 'pending' | 'dead-letter';
  /** The request went out and no answer came: an 'unknown' outcome, retried. */
  unknown?: boolean;
}

const CELLS: Cell[] = [
  ...(['wecom', 'dingtalk'] as const).flatMap((channel): Cell[] => [
    { channel, fault: 'refused', mode: 'refuse', code: 'CONNECT_REFUSED', outcome: 'pending' },
    { channel, fault: 'timeout', mode: 'hang', code: 'TIMEOUT', outcome: 'pending', unknown: true },
    { channel, fault: 'HTTP 500', mode: 'http500', code: 'HTTP_500', outcome: 'pending' },
    // WeCom 45009, DingTalk 130101.
    { channel, fault: 'rate limited', mode: 'rateLimited', code: 'RATE_LIMITED', outcome: 'pending' },
    // WeCom 93000, DingTalk 300001: the webhook is not valid.
    { channel, fault: 'permanent', mode: 'permanent', code: 'INVALID_WEBHOOK', outcome: 'dead-letter' },
  ]),
  { channel: 'email', fault: 'refused', mode: 'refuse', code: 'CONNECT_REFUSED', outcome: 'pending' },
  // Never greets: nothing was sent, a plain retry.
  { channel: 'email', fault: 'timeout (no greeting)', mode: 'hang', code: 'TIMEOUT', outcome: 'pending' },
  // Silent after the message body: it may have arrived, an 'unknown' outcome.
  { channel: 'email', fault: 'timeout (after DATA)', mode: 'hangAfterData', code: 'TIMEOUT', outcome: 'pending', unknown: true },
  { channel: 'email', fault: 'tempfail 451', mode: 'tempfail', code: 'SMTP_451', outcome: 'pending' },
  { channel: 'email', fault: 'rate limited 450', mode: 'rateLimited', code: 'SMTP_450', outcome: 'pending' },
  { channel: 'email', fault: 'permanent 554', mode: 'permanent', code: 'SMTP_554', outcome: 'dead-letter' },
];

// The cells are independent (each its own stand-ins, target and state dir) and mostly wait on
// backoff timers, so they run at once: one after another they would take over a minute.
describe('fault matrix: one channel broken, the other two fine', { concurrency: true }, () => {
  const worlds = new Map<Cell, World>();
  let both: World; // for the fallback test: two channels broken at once
  before(async () => {
    // All worlds exist before any stand-in stops listening ('refuse'), so no new server can
    // be given a port a refusing stand-in is about to listen on again.
    for (const cell of CELLS) worlds.set(cell, await makeWorld({ smtpTls: 'implicit' }));
    // WeCom keeps its default timeout (10 s): a hung send then lasts until the run's deadline,
    // as it would in production, where retries of a hanging channel fill whatever time is left.
    both = await makeWorld({ smtpTls: 'implicit', channel: { wecom: { timeoutMs: 10_000 } } });
  });
  after(async () => {
    await Promise.all([...worlds.values(), both].map((w) => w.close()));
  });

  // "Fallback messages go out in the same run" (process.ts): telling people that a channel
  // was given up for good must not wait for an unrelated channel's retries, which may fill
  // the whole run ("one failing channel never holds up the others").
  test('a permanent failure is reported through the fallback in the same run, even while another channel hangs', async () => {
    await both.setMode('dingtalk', 'permanent');
    await both.setMode('wecom', 'hang');
    const s1 = await both.run();
    assert.deepEqual(s1.alerts.map((a) => a.kind), ['alert']);
    assert.deepEqual([onlyDelivery(s1, 'dingtalk').outcome, onlyDelivery(s1, 'wecom').outcome, onlyDelivery(s1, 'email').outcome], [
      'dead-letter',
      'pending',
      'delivered',
    ]);
    const fd = onlyDelivery(s1, 'fallback');
    assert.deepEqual(
      [fd.ok, fd.outcome, fd.fallbackFor],
      [true, 'delivered', NAME.dingtalk],
      `the fallback message waited for ${NAME.wecom}'s retries: ${JSON.stringify(fd)}`,
    );
    const fb = both.sent('fallback');
    assert.equal(fb.length, 1);
    assert.ok(fb[0]!.confirmed && fb[0]!.text.includes(`渠道 ${NAME.dingtalk} 未能送达`), fb[0]!.text);
  });

  for (const cell of CELLS) {
    test(`${cell.channel}: ${cell.fault}`, async () => {
      const w = worlds.get(cell)!;
      const C = cell.channel;
      const others = CHANNELS.filter((c) => c !== C);
      const permanent = cell.outcome === 'dead-letter';
      await w.setMode(C, cell.mode);

      // Run 1: the monitor starts failing.
      const s1 = await w.run();
      assert.deepEqual(
        s1.results.map((r) => [r.monitor, r.ok]),
        [['web', false]],
      );
      assert.deepEqual(
        s1.alerts.map((a) => [a.monitor, a.kind]),
        [['web', 'alert']],
      );
      const incident = s1.alerts[0]!.incidentId;
      for (const o of others) {
        const got = w.sent(o);
        assert.equal(got.length, 1, `${o} received exactly one message`);
        assert.ok(got[0]!.confirmed);
        assert.ok(got[0]!.text.includes('告警 web'), got[0]!.text);
        assert.deepEqual(incidentIds(got[0]!.text), [incident]);
        const d = onlyDelivery(s1, o);
        assert.deepEqual([d.ok, d.outcome, d.attempts, d.notices, d.carriedOver], [true, 'delivered', 1, 1, 0]);
      }
      const d1 = onlyDelivery(s1, C);
      assert.deepEqual([d1.ok, d1.outcome, d1.code], [false, cell.outcome, cell.code], JSON.stringify(d1));
      assert.ok(d1.attempts >= 1 && d1.attempts <= 5, `attempts ${d1.attempts}`);
      assert.ok(d1.message && d1.message.length > 0, 'the failure is explained');
      // The channels mark an answerless send as possibly delivered ('unknown', retried anyway).
      assert.equal(/may have been delivered/.test(d1.message ?? ''), cell.unknown === true, d1.message);
      const tried = w.sent(C);
      assert.ok(tried.every((m) => !m.confirmed), `${C} confirmed nothing while broken`);
      if (C !== 'email') {
        // What the robot saw matches the attempts the run counted: none when refused; one per
        // attempt when it answered; when it hung, the request arrived before the client gave up.
        if (cell.mode === 'refuse') assert.equal(tried.length, 0);
        else if (cell.mode === 'hang') assert.ok(tried.length >= 1 && tried.length <= d1.attempts, `${tried.length} of ${d1.attempts}`);
        else assert.equal(tried.length, d1.attempts);
      } else assert.equal(tried.length, 0, 'the SMTP server accepted nothing');
      if (permanent) {
        // Given up at once: retrying a bad webhook or a refused message cannot help.
        assert.equal(d1.attempts, 1);
        assert.equal(s1.deadLetters.length, 1);
        const letter = s1.deadLetters[0]!;
        assert.deepEqual([letter.channel, letter.monitors, letter.notices], [NAME[C], ['web'], 1]);
        assert.ok(letter.reason.startsWith(`${cell.code}: `), letter.reason);
        const fb = w.sent('fallback');
        assert.equal(fb.length, 1, 'the fallback channel is told once');
        assert.ok(fb[0]!.confirmed);
        assert.ok(fb[0]!.text.includes(`渠道 ${NAME[C]} 未能送达`), fb[0]!.text);
        assert.ok(fb[0]!.text.includes(cell.code), 'and why');
        assert.ok(fb[0]!.text.includes('告警 web'));
        assert.deepEqual(incidentIds(fb[0]!.text), [incident]);
        const fd = onlyDelivery(s1, 'fallback');
        assert.deepEqual([fd.ok, fd.fallbackFor], [true, NAME[C]]);
      } else {
        assert.deepEqual(s1.deadLetters, []);
        assert.equal(w.sent('fallback').length, 0, 'a retryable failure does not use the fallback');
        assert.deepEqual(deliveriesTo(s1, 'fallback'), []);
      }

      // Run 2: the channel is healed, the monitor still fails (no new alert is due).
      await w.setMode(C, 'ok');
      const c1 = w.counts();
      const s2 = await w.run();
      assert.deepEqual(s2.alerts, []);
      assert.deepEqual(s2.deadLetters, []);
      const c2 = w.counts();
      for (const o of others) assert.equal(c2[o], c1[o], `${o}: a confirmed delivery is never repeated`);
      assert.equal(c2.fallback, c1.fallback);
      if (permanent) {
        assert.deepEqual(s2.deliveries, [], 'a given-up message is not retried');
        assert.equal(c2[C], c1[C], `${C} receives nothing: it was given up`);
      } else {
        const d2 = onlyDelivery(s2, C);
        assert.deepEqual([d2.ok, d2.outcome, d2.attempts, d2.notices], [true, 'delivered', 1, 1]);
        assert.ok(d2.carriedOver >= 1, `carriedOver ${d2.carriedOver}`);
        assert.equal(s2.deliveries.length, 1, 'only the carried-over message is sent');
        // Exactly one new message, confirmed. For the timeout cells the run-1 requests that
        // hung may also have arrived: by design a duplicate is allowed (an answerless send is
        // retried), a loss is not. So the promise checked is: at least once in all, exactly
        // once confirmed, and never again after the confirmation (run 3).
        const fresh = w.sent(C).slice(c1[C]);
        assert.equal(fresh.length, 1, `${C} receives the carried-over alert exactly once`);
        assert.ok(fresh[0]!.confirmed);
        assert.ok(fresh[0]!.text.includes('告警 web'), fresh[0]!.text);
        assert.deepEqual(incidentIds(fresh[0]!.text), [incident]);
        const arrived = w.sent(C).filter((m) => incidentIds(m.text).includes(incident));
        assert.ok(arrived.length >= 1, 'no loss');
      }

      // Run 3: nothing is due and nothing is pending: nothing is sent anywhere.
      const s3 = await w.run();
      assert.deepEqual([s3.alerts, s3.deliveries, s3.deadLetters], [[], [], []]);
      assert.deepEqual(w.counts(), c2);
    });
  }
});

// ---- 2. Recovery ----

describe('recovery', () => {
  let w: World;
  before(async () => {
    w = await makeWorld();
  });
  after(() => w.close());

  test('each channel gets one "已恢复" message carrying the alert\'s incident id', async () => {
    const s1 = await w.run();
    assert.deepEqual(s1.alerts.map((a) => a.kind), ['alert']);
    const incident = s1.alerts[0]!.incidentId;

    w.setTarget(200);
    const s2 = await w.run();
    assert.equal(s2.ok, true);
    assert.deepEqual(
      s2.alerts.map((a) => [a.monitor, a.kind, a.incidentId]),
      [['web', 'resolved', incident]],
    );
    assert.deepEqual(s2.deliveries.map((d) => [d.channel, d.ok]).sort(), CHANNELS.map((c) => [NAME[c], true]).sort());
    for (const c of CHANNELS) {
      const got = w.sent(c);
      assert.equal(got.length, 2, `${c}: the alert, then the resolution`);
      assert.ok(got.every((m) => m.confirmed));
      const [alert, resolved] = [got[0]!.text, got[1]!.text];
      assert.ok(alert.includes('告警 web') && !alert.includes('已恢复'), alert);
      assert.ok(resolved.includes('已恢复 web') && !resolved.includes('告警 web'), resolved);
      assert.deepEqual(incidentIds(alert), [incident]);
      assert.deepEqual(incidentIds(resolved), [incident], 'the resolution names the same incident');
    }
    assert.equal(w.smtp.received[1]?.mail.subject, '[scf-monitor] 已恢复 web');
    assert.equal(w.sent('fallback').length, 0);

    // Healthy from now on: nothing more.
    const s3 = await w.run();
    assert.deepEqual([s3.alerts, s3.deliveries], [[], []]);
  });
});

// ---- 3. Grouping and caps ----

describe('grouping and caps', () => {
  let w: World;
  before(async () => {
    // WeCom keeps its default cap (20), so its 4096-byte limit decides; the others show 5.
    w = await makeWorld({ monitors: 30, channel: { dingtalk: { maxPerMessage: 5 }, email: { maxPerMessage: 5 } } });
  });
  after(() => w.close());

  /** The monitors a message shows as notices, and those its "另有 N 条" line names. */
  function layout(text: string): { shown: string[]; more: number; listed: string[] } {
    const shown = [...text.matchAll(/告警 (svc-\d\d)/g)].map((m) => m[1]!);
    const line = /另有 (\d+) 条未列出：(.*)$/m.exec(text);
    return line ? { shown, more: Number(line[1]), listed: line[2]!.replace(/<\/font>$/, '').split(', ') } : { shown, more: 0, listed: [] };
  }

  test('30 monitors failing at once: one message per channel, within the caps, naming every monitor', async () => {
    const s = await w.run();
    assert.equal(s.results.filter((r) => !r.ok).length, 30);
    assert.equal(s.alerts.length, 30);
    for (const c of CHANNELS) {
      const got = w.sent(c);
      assert.equal(got.length, 1, `${c}: one grouped message`);
      assert.ok(got[0]!.confirmed);
      assert.ok(got[0]!.text.includes('[scf-monitor] 30 个告警'), got[0]!.text.slice(0, 200));
      const d = onlyDelivery(s, c);
      assert.deepEqual([d.ok, d.notices, d.monitors.length], [true, 30, 30]);
    }

    const content = w.sent('wecom')[0]!.text;
    assert.ok(Buffer.byteLength(content, 'utf8') <= 4096, `${Buffer.byteLength(content, 'utf8')} bytes`);
    const wl = layout(content);
    assert.ok(wl.shown.length >= 1 && wl.shown.length <= 20, `wecom shows ${wl.shown.length}`);
    assert.equal(wl.shown.length + wl.more, 30);
    assert.deepEqual([...wl.shown, ...wl.listed].sort(), [...w.monitors].sort(), 'every monitor named once');

    for (const c of ['dingtalk', 'email'] as const) {
      const l = layout(w.sent(c)[0]!.text);
      assert.equal(l.shown.length, 5, `${c} shows maxPerMessage notices`);
      assert.equal(l.more, 25, `${c}: 另有 25 条`);
      assert.equal(l.listed.length, 25);
      assert.deepEqual([...l.shown, ...l.listed].sort(), [...w.monitors].sort(), `${c}: the rest are named`);
    }
    assert.equal(w.sent('fallback').length, 0);
  });
});

// ---- 4. Secrets never leak ----

describe('secrets never leak', () => {
  const worlds: World[] = [];
  after(async () => {
    await Promise.all(worlds.map((x) => x.close()));
  });

  test('failures on every channel and the fallback: no secret in the log, the summary or the table', async () => {
    const wrongPass = 'server-only-AF-pass'; // the server wants this; the config has another
    // A: a wrong SMTP password (EAUTH), WeCom 93000, a DingTalk secret that does not match,
    //    and a fallback channel on a port nobody listens on.
    const a = await makeWorld({
      smtpServerPass: wrongPass,
      dingtalkServerSecret: 'SEC-AF-the-robots-own-secret',
      channel: { fallback: { webhook: `http://127.0.0.1:${await closedPort()}${WECOM_PATH}?key=` + '${SCFM_AF_WECOM_KEY}' } },
    });
    // B: an SMTP server that repeats the password in its AUTH failure, a DingTalk robot that
    //    refuses connections, a fallback that never answers.
    const b = await makeWorld({ smtpServerPass: wrongPass });
    // C: nothing answers: both robots hang after taking the request, the SMTP server never
    //    greets. (Kept apart from B: a hanging channel's retries fill the run, and B's
    //    fallback would then never be tried; see the fallback test in the matrix.)
    const c = await makeWorld();
    worlds.push(a, b, c);
    await a.wecom.setMode('permanent');
    await b.smtp.setMode('leakyAuth');
    await b.dingtalk.setMode('refuse');
    await b.fallback.setMode('hang');
    await c.wecom.setMode('hang');
    await c.dingtalk.setMode('hang');
    await c.smtp.setMode('hang');

    const from = lines.length;
    const [sa, sb, sc] = await Promise.all([a.run(), b.run(), c.run()]);
    const logged = lines.slice(from);

    // The failure paths did happen (else the test would prove nothing).
    const codes = (s: Summary) => s.deliveries.map((d) => `${d.channel} ${d.code ?? 'ok'}`).sort();
    assert.deepEqual(codes(sa), [
      'ops-dingtalk REJECTED',
      'ops-email EAUTH',
      'ops-fallback CONNECT_REFUSED',
      'ops-fallback CONNECT_REFUSED',
      'ops-fallback CONNECT_REFUSED',
      'ops-wecom INVALID_WEBHOOK',
    ]);
    assert.deepEqual(codes(sb), ['ops-dingtalk CONNECT_REFUSED', 'ops-email EAUTH', 'ops-fallback TIMEOUT', 'ops-wecom ok']);
    assert.deepEqual(codes(sc), ['ops-dingtalk TIMEOUT', 'ops-email TIMEOUT', 'ops-wecom TIMEOUT']);
    const leaky = onlyDelivery(sb, 'email');
    assert.match(leaky.message ?? '', /535 Bad password \*\*\* for ops@example\.com/, 'the server echoed the password; it was blanked');
    assert.ok(a.dingtalk.received.length >= 1 && c.wecom.received.length >= 1 && c.dingtalk.received.length >= 1, 'the robots were reached');
    assert.ok(b.fallback.received.length >= 1, 'the hanging fallback was reached');
    assert.ok(logged.some((l) => l.includes('"event":"delivery"')) && logged.some((l) => l.includes('"event":"dead-letter"')));

    const pass = SECRET.SCFM_AF_SMTP_PASS;
    // DingTalk signatures are derived from the secret: as sent (URL-encoded) and decoded.
    const signs = [a, b, c].flatMap((x) => x.dingtalk.received).flatMap((r) => {
      const sign = r.query.get('sign');
      return sign ? [sign, encodeURIComponent(sign)] : [];
    });
    assert.ok(signs.length >= 2, 'the requests were signed');
    const secrets = [
      ...Object.values(SECRET),
      wrongPass,
      Buffer.from(pass).toString('base64'), // AUTH LOGIN
      Buffer.from(`\0${SMTP_USER}\0${pass}`).toString('base64'), // AUTH PLAIN
      ...signs,
    ];
    const outputs: [string, string][] = [
      ...logged.map((l, i): [string, string] => [`log line ${i}`, l]),
      ...[sa, sb, sc].flatMap((s, i): [string, string][] => [
        [`summary ${'ABC'[i]}`, JSON.stringify(s)],
        [`table ${'ABC'[i]}`, renderTable(s)],
      ]),
    ];
    for (const [where, text] of outputs) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `${where} carries a secret (${secret.slice(0, 6)}...): ${text}`);
    }
  });
});

// ---- 5. Two invocations racing on one state store ----

function racing(name: string, state: () => Record<string, unknown> | undefined) {
  test(`${name}: two runs at once alert once, each channel hears once`, async () => {
    const s = state();
    const w = await makeWorld(s ? { state: s } : {});
    try {
      const [x, y] = await Promise.all([w.run(), w.run()]);
      assert.ok([x, y].every((r) => r.results[0]?.ok === false), 'both runs saw the monitor fail');
      const alerts = [...x.alerts, ...y.alerts];
      assert.deepEqual(
        alerts.map((a) => [a.monitor, a.kind]),
        [['web', 'alert']],
        'exactly one alert across both summaries',
      );
      for (const c of CHANNELS) {
        const got = w.sent(c);
        assert.equal(got.length, 1, `${c} received exactly one message`);
        assert.ok(got[0]!.confirmed);
        assert.deepEqual(incidentIds(got[0]!.text), [alerts[0]!.incidentId]);
        const ds = [...deliveriesTo(x, c), ...deliveriesTo(y, c)];
        assert.deepEqual(
          ds.map((d) => d.outcome),
          ['delivered'],
          `one delivery of ${c} across both runs`,
        );
      }
      assert.equal(w.sent('fallback').length, 0);
      const z = await w.run();
      assert.deepEqual([z.alerts, z.deliveries], [[], []], 'nothing left over for a later run');
    } finally {
      await w.close();
    }
  });
}

describe('racing invocations', () => {
  let redis: RunningRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis.stop());

  racing('file store', () => undefined);
  racing('redis', () => ({ type: 'redis', url: redis.url, keyPrefix: `alert-faults-${randomUUID()}:` }));
});
