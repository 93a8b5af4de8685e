/**
 * The alerting half of the config (lib/config/alerting-schema.ts) through `validateConfig`:
 * state, channels, alerts, maintenance windows, templates and channel references, with the
 * documented defaults and one clear problem per mistake, named by its path.
 */
import type { EmailChannelConfig } from '../lib/channels/email/schema';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateFullConfig } from '../lib/functions';
import { formatProblem, type PathKey, type Problem } from '../lib/config/errors';

const MONITOR = { name: 'api', type: 'http', url: 'https://api.example.com/health' };

const WECOM = { type: 'wecom', webhook: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' };
const DINGTALK = { type: 'dingtalk', webhook: 'https://oapi.dingtalk.com/robot/send?access_token=t' };
const EMAIL = { type: 'email', host: 'smtp.example.com', from: 'scf-monitor <alerts@example.com>', to: ['ops@example.com'] };

/** A config with the given top-level parts and one plain monitor unless `monitors` is given. */
function cfg(parts: Record<string, unknown>): Record<string, unknown> {
  return { monitors: [MONITOR], ...parts };
}

function valid(input: unknown) {
  const r = validateFullConfig(input);
  assert.deepEqual(r.problems, []);
  assert.ok(r.config);
  return r.config;
}

/** The one problem of a config that must not validate. */
function onlyProblem(input: unknown): Problem {
  const r = validateFullConfig(input);
  assert.equal(r.config, undefined, 'expected the config to be rejected');
  assert.equal(r.problems.length, 1, `expected one problem, got:\n${r.problems.map((p) => formatProblem(p)).join('\n')}`);
  return r.problems[0]!;
}

function assertProblem(input: unknown, path: PathKey[], message: string | RegExp) {
  const p = onlyProblem(input);
  assert.deepEqual(p.path, path);
  if (typeof message === 'string') assert.equal(p.message, message);
  else assert.match(p.message, message);
}

describe('a full alerting config', () => {
  const input = {
    state: { type: 'redis', url: 'rediss://:secret@redis.internal:6380/2' },
    channels: {
      'ops-wecom': { ...WECOM, mentions: ['zhangsan'] },
      'ops-ding': { ...DINGTALK, secret: 'SECabc', keywords: ['告警'], locale: 'en' },
      'ops-mail': { ...EMAIL, to: 'ops@example.com', template: { alert: '{{kind}} {{monitor}}: {{codes}}' } },
    },
    alerts: {
      channels: ['ops-wecom', 'ops-ding'],
      failureThreshold: 2,
      remindEveryMinutes: 30,
      fallback: 'ops-mail',
      maintenance: [{ cron: '0 2 * * 6', durationMinutes: 60 }],
    },
    monitors: [MONITOR, { name: 'db', type: 'tcp', host: '10.0.0.12', port: 3306, alert: { channels: ['ops-mail'], successThreshold: 3, sendOnResolved: false } }],
  };

  test('parses, with the defaults filled in', () => {
    const c = valid(input);
    assert.deepEqual(c.state, { type: 'redis', url: 'rediss://:secret@redis.internal:6380/2', keyPrefix: 'scf-monitor:', connectTimeoutMs: 3000 });
    assert.deepEqual(c.channels['ops-wecom'], {
      type: 'wecom',
      webhook: WECOM.webhook,
      mentions: ['zhangsan'],
      locale: 'zh-CN',
      maxPerMessage: 20,
      timeoutMs: 10_000,
    });
    assert.deepEqual(c.channels['ops-ding'], {
      type: 'dingtalk',
      webhook: DINGTALK.webhook,
      secret: 'SECabc',
      keywords: ['告警'],
      atMobiles: [],
      atAll: false,
      locale: 'en',
      maxPerMessage: 20,
      timeoutMs: 10_000,
    });
    assert.deepEqual(c.channels['ops-mail'], {
      type: 'email',
      host: 'smtp.example.com',
      port: 465,
      from: 'scf-monitor <alerts@example.com>',
      to: ['ops@example.com'],
      insecure: false,
      template: { alert: '{{kind}} {{monitor}}: {{codes}}' },
      locale: 'zh-CN',
      maxPerMessage: 20,
      timeoutMs: 10_000,
    });
    assert.deepEqual(c.alerts, {
      channels: ['ops-wecom', 'ops-ding'],
      failureThreshold: 2,
      remindEveryMinutes: 30,
      fallback: 'ops-mail',
      maintenance: [{ cron: '0 2 * * 6', durationMinutes: 60, timezone: 'Asia/Shanghai' }],
      deadLetterHours: 24,
    });
    assert.deepEqual(c.monitors[1]?.alert, { channels: ['ops-mail'], successThreshold: 3, sendOnResolved: false });
    assert.equal(c.monitors[0]?.alert, undefined);
  });

  test('the input is not changed by parsing', () => {
    const copy = structuredClone(input);
    valid(input);
    assert.deepEqual(input, copy);
  });
});

describe('defaults', () => {
  test('no alerting parts at all: file state, no channels, empty alerts', () => {
    const c = valid(cfg({}));
    assert.deepEqual(c.state, { type: 'file', path: '/tmp/scf-monitor' });
    assert.deepEqual(c.channels, {});
    assert.deepEqual(c.alerts, { deadLetterHours: 24 });
  });

  test('file state without a path', () => {
    assert.deepEqual(valid(cfg({ state: { type: 'file' } })).state, { type: 'file', path: '/tmp/scf-monitor' });
  });

  test('redis state: keyPrefix and connectTimeoutMs', () => {
    assert.deepEqual(valid(cfg({ state: { type: 'redis', url: 'redis://127.0.0.1:6379' } })).state, {
      type: 'redis',
      url: 'redis://127.0.0.1:6379',
      keyPrefix: 'scf-monitor:',
      connectTimeoutMs: 3000,
    });
  });

  test('a maintenance window in UTC keeps its timezone', () => {
    const c = valid(cfg({ alerts: { maintenance: [{ cron: '30 22 * * *', durationMinutes: 90, timezone: 'UTC' }] } }));
    assert.deepEqual(c.alerts.maintenance, [{ cron: '30 22 * * *', durationMinutes: 90, timezone: 'UTC' }]);
  });

  test('email: port 587 and secure are kept as given', () => {
    const c = valid(cfg({ channels: { m: { ...EMAIL, port: 587, secure: false } } }));
    const m = c.channels.m as EmailChannelConfig | undefined;
    assert.equal(m?.type, 'email');
    if (m?.type !== 'email') return;
    assert.equal(m.port, 587);
    assert.equal(m.secure, false);
  });

  test('remindEveryMinutes 0 (never) is allowed', () => {
    assert.equal(valid(cfg({ alerts: { remindEveryMinutes: 0 } })).alerts.remindEveryMinutes, 0);
  });
});

describe('channels', () => {
  test('unknown channel type names the known ones', () => {
    assertProblem(cfg({ channels: { tg: { type: 'telegram', chat: '123' } } }), ['channels', 'tg', 'type'], 'unknown type "telegram" (known types: email, wecom, dingtalk, sms)');
  });

  test('a channel without a type', () => {
    assertProblem(cfg({ channels: { w: { webhook: WECOM.webhook } } }), ['channels', 'w', 'type'], 'is required');
  });

  test('webhook not a URL', () => {
    assertProblem(cfg({ channels: { w: { ...WECOM, webhook: 'qyapi.weixin.qq.com/send' } } }), ['channels', 'w', 'webhook'], 'not a valid URL: it has no scheme; did you mean "https://qyapi.weixin.qq.com/..."?');
  });

  test('webhook not http(s)', () => {
    assertProblem(cfg({ channels: { d: { ...DINGTALK, webhook: 'ftp://oapi.dingtalk.com/robot' } } }), ['channels', 'd', 'webhook'], 'must be an http:// or https:// URL');
  });

  test('webhook missing', () => {
    assertProblem(cfg({ channels: { d: { type: 'dingtalk' } } }), ['channels', 'd', 'webhook'], 'is required');
  });

  test('email `to` not an address: the list index is named', () => {
    assertProblem(cfg({ channels: { m: { ...EMAIL, to: ['ops@example.com', 'ops.example.com'] } } }), ['channels', 'm', 'to', 1], 'not an e-mail address');
  });

  test('a single `to` string is checked too', () => {
    assertProblem(cfg({ channels: { m: { ...EMAIL, to: 'ops' } } }), ['channels', 'm', 'to', 0], 'not an e-mail address');
  });

  test('a string `to` becomes a list of one', () => {
    const m = valid(cfg({ channels: { m: { ...EMAIL, to: 'ops@example.com' } } })).channels.m as EmailChannelConfig | undefined;
    assert.ok(m?.type === 'email');
    assert.deepEqual(m.to, ['ops@example.com']);
  });

  test('`to` as a list stays a list', () => {
    const m = valid(cfg({ channels: { m: { ...EMAIL, to: ['a@example.com', 'b@example.com'] } } })).channels.m as EmailChannelConfig | undefined;
    assert.ok(m?.type === 'email');
    assert.deepEqual(m.to, ['a@example.com', 'b@example.com']);
  });

  test('`to` empty or not text', () => {
    assertProblem(cfg({ channels: { m: { ...EMAIL, to: [] } } }), ['channels', 'm', 'to'], /^must list at least one address/);
    assertProblem(cfg({ channels: { m: { ...EMAIL, to: 5 } } }), ['channels', 'm', 'to'], /^must be an address or a list of them/);
  });

  test('email without host', () => {
    const { host: _host, ...noHost } = EMAIL;
    assertProblem(cfg({ channels: { m: noHost } }), ['channels', 'm', 'host'], 'is required');
  });

  test('port out of range', () => {
    assertProblem(cfg({ channels: { m: { ...EMAIL, port: 70000 } } }), ['channels', 'm', 'port'], /must be at most 65535/);
  });

  test('unknown locale', () => {
    assertProblem(cfg({ channels: { w: { ...WECOM, locale: 'fr' } } }), ['channels', 'w', 'locale'], /^must be zh-CN or en/);
  });

  test('maxPerMessage and timeoutMs bounds', () => {
    assertProblem(cfg({ channels: { w: { ...WECOM, maxPerMessage: 0 } } }), ['channels', 'w', 'maxPerMessage'], /must be at least 1/);
    assertProblem(cfg({ channels: { w: { ...WECOM, timeoutMs: 60_001 } } }), ['channels', 'w', 'timeoutMs'], /must be at most 60000/);
  });

  test('a bad channel name', () => {
    assertProblem(cfg({ channels: { 'ops team': WECOM } }), ['channels', 'ops team'], /letters, digits/);
  });

  test('a key of another channel type is unknown', () => {
    // `secret` belongs to dingtalk, not wecom.
    assertProblem(cfg({ channels: { w: { ...WECOM, secret: 'SECx' } } }), ['channels', 'w', 'secret'], /^unknown key \(/);
  });
});

describe('templates', () => {
  test('an unknown placeholder is named, with the known ones', () => {
    const p = onlyProblem(cfg({ channels: { w: { ...WECOM, template: { alert: '{{monitor}} is {{status}}' } } } }));
    assert.deepEqual(p.path, ['channels', 'w', 'template', 'alert']);
    assert.match(p.message, /^unknown placeholder \{\{status\}\}/);
    assert.match(p.message, /known: .*\bmonitor\b/);
  });

  test('all known placeholders pass, in every kind', () => {
    const template = { alert: '{{kind}} {{monitor}} {{target}}', reminder: '{{ since }} {{at}}', resolved: '{{duration}} {{incidentId}}' };
    const w = valid(cfg({ channels: { w: { ...WECOM, template } } })).channels.w;
    assert.deepEqual(w?.type === 'wecom' ? w.template : undefined, template);
  });

  test('a template for an unknown kind', () => {
    assertProblem(cfg({ channels: { w: { ...WECOM, template: { fired: '{{monitor}}' } } } }), ['channels', 'w', 'template', 'fired'], /^unknown key \(/);
  });

  test('an empty template', () => {
    assertProblem(cfg({ channels: { w: { ...WECOM, template: { resolved: '' } } } }), ['channels', 'w', 'template', 'resolved'], 'must not be empty');
  });
});

describe('maintenance windows', () => {
  const win = (w: Record<string, unknown>) => cfg({ alerts: { maintenance: [{ cron: '0 2 * * 6', durationMinutes: 60, ...w }] } });

  test('bad cron: the path and the expected form', () => {
    for (const cron of ['0 2 * *', '0 2 * * * 6', '60 2 * * 6', '0 2 * * 5-1', 'every saturday']) {
      assertProblem(win({ cron }), ['alerts', 'maintenance', 0, 'cron'], 'not a valid 5-field cron expression (minute hour day-of-month month day-of-week)');
    }
  });

  test('cron forms that are fine', () => {
    for (const cron of ['*/15 1-3 * * MON-FRI', '0 2 1 JAN,JUL 7', '30 22 * * *']) valid(win({ cron }));
  });

  test('unknown timezone', () => {
    assertProblem(win({ timezone: 'Asia/Beijing' }), ['alerts', 'maintenance', 0, 'timezone'], 'not a known time zone (for example Asia/Shanghai)');
  });

  test('duration missing or out of range', () => {
    assertProblem(cfg({ alerts: { maintenance: [{ cron: '0 2 * * 6' }] } }), ['alerts', 'maintenance', 0, 'durationMinutes'], 'is required');
    assertProblem(win({ durationMinutes: 0 }), ['alerts', 'maintenance', 0, 'durationMinutes'], /must be at least 1/);
    // At most a week: 7 * 24 * 60 = 10080.
    assertProblem(win({ durationMinutes: 10081 }), ['alerts', 'maintenance', 0, 'durationMinutes'], /must be at most 10080/);
  });

  test("a monitor's own window is checked too", () => {
    const input = cfg({ monitors: [{ ...MONITOR, alert: { maintenance: [{ cron: '0 25 * * *', durationMinutes: 30 }] } }] });
    assertProblem(input, ['monitors', 0, 'alert', 'maintenance', 0, 'cron'], /not a valid 5-field cron/);
  });
});

describe('rules', () => {
  test('thresholds are whole numbers from 1', () => {
    assertProblem(cfg({ alerts: { failureThreshold: 0 } }), ['alerts', 'failureThreshold'], /must be at least 1/);
    assertProblem(cfg({ alerts: { successThreshold: 1.5 } }), ['alerts', 'successThreshold'], /must be a whole number/);
  });

  test('sendOnResolved must be a boolean', () => {
    assertProblem(cfg({ monitors: [{ ...MONITOR, alert: { sendOnResolved: 'yes' } }] }), ['monitors', 0, 'alert', 'sendOnResolved'], /^must be true or false/);
  });

  test('fallback and deadLetterHours are top-level only', () => {
    assertProblem(cfg({ monitors: [{ ...MONITOR, alert: { fallback: 'x' } }] }), ['monitors', 0, 'alert', 'fallback'], /^unknown key \(/);
  });
});

describe('channel references', () => {
  const channels = { 'ops-wecom': WECOM, 'ops-mail': EMAIL };

  test('alerts.channels', () => {
    assertProblem(cfg({ channels, alerts: { channels: ['ops-wecom', 'ops-sms'] } }), ['alerts', 'channels', 1], 'unknown channel "ops-sms" (configured: ops-wecom, ops-mail)');
  });

  test('alerts.fallback', () => {
    assertProblem(cfg({ channels, alerts: { fallback: 'ops-phone' } }), ['alerts', 'fallback'], 'unknown channel "ops-phone" (configured: ops-wecom, ops-mail)');
  });

  test('alerts.monitoringChannels', () => {
    assertProblem(cfg({ channels, alerts: { monitoringChannels: ['ops-mail', 'ops-pager'] } }), ['alerts', 'monitoringChannels', 1], 'unknown channel "ops-pager" (configured: ops-wecom, ops-mail)');
  });

  test('monitors[i].alert.channels', () => {
    const input = cfg({ channels, monitors: [MONITOR, { ...MONITOR, name: 'api2', alert: { channels: ['ops-mail', 'db-team'] } }] });
    assertProblem(input, ['monitors', 1, 'alert', 'channels', 1], 'unknown channel "db-team" (configured: ops-wecom, ops-mail)');
  });

  test('with no channels configured, the message says so', () => {
    assertProblem(cfg({ alerts: { channels: ['ops'] } }), ['alerts', 'channels', 0], 'unknown channel "ops" (no channels are configured under `channels:`)');
  });

  test('every unknown reference is reported, each at its path', () => {
    const r = validateFullConfig(cfg({ channels, alerts: { channels: ['a'], fallback: 'b' }, monitors: [{ ...MONITOR, alert: { channels: ['c'] } }] }));
    assert.equal(r.config, undefined);
    assert.deepEqual(
      r.problems.map((p) => p.path),
      [
        ['alerts', 'channels', 0],
        ['alerts', 'fallback'],
        ['monitors', 0, 'alert', 'channels', 0],
      ],
    );
    assert.ok(r.problems.every((p) => p.message.startsWith('unknown channel')));
  });

  test('names that exist on every object are not channels', () => {
    assertProblem(cfg({ channels, alerts: { fallback: 'toString' } }), ['alerts', 'fallback'], /^unknown channel "toString"/);
  });

  test('known references pass', () => {
    valid(cfg({ channels, alerts: { channels: ['ops-wecom'], fallback: 'ops-mail' }, monitors: [{ ...MONITOR, alert: { channels: ['ops-mail'] } }] }));
  });
});

describe('state', () => {
  test('bad redis URL', () => {
    for (const url of ['http://redis.internal:6379', 'redis.internal:6379x', 'not a url']) {
      assertProblem(cfg({ state: { type: 'redis', url } }), ['state', 'url'], 'must be a redis:// or rediss:// URL');
    }
  });

  test('redis without url', () => {
    assertProblem(cfg({ state: { type: 'redis' } }), ['state', 'url'], 'is required');
  });

  test('unknown state type', () => {
    assertProblem(cfg({ state: { type: 'mysql' } }), ['state', 'type'], 'unknown type "mysql" (known types: file, redis)');
  });

  test('empty file path', () => {
    assertProblem(cfg({ state: { type: 'file', path: '' } }), ['state', 'path'], 'must not be empty');
  });
});

describe('unknown keys', () => {
  const cases: [string, Record<string, unknown>, PathKey[]][] = [
    ['in alerts (a typo)', cfg({ alerts: { failureTreshold: 3 } }), ['alerts', 'failureTreshold']],
    ["in a monitor's alert", cfg({ monitors: [{ ...MONITOR, alert: { remindEvery: 10 } }] }), ['monitors', 0, 'alert', 'remindEvery']],
    ['in a channel', cfg({ channels: { w: { ...WECOM, url: 'https://x.example/' } } }), ['channels', 'w', 'url']],
    ['in an email channel', cfg({ channels: { m: { ...EMAIL, password: 'x' } } }), ['channels', 'm', 'password']],
    ['in a maintenance window', cfg({ alerts: { maintenance: [{ cron: '0 2 * * 6', durationMinutes: 60, tz: 'UTC' }] } }), ['alerts', 'maintenance', 0, 'tz']],
    ['in file state', cfg({ state: { type: 'file', dir: '/tmp/x' } }), ['state', 'dir']],
    ['in redis state', cfg({ state: { type: 'redis', url: 'redis://r:6379', prefix: 'x:' } }), ['state', 'prefix']],
  ];
  for (const [name, input, path] of cases) {
    test(name, () => assertProblem(input, path, /^unknown key \(/));
  }
});
