/**
 * A broken measurement is not an outage (issue 19): the measurement machine on its own, then
 * speedTest through the real handler with the chinaz stand-in's page changed under it and two
 * WeCom stand-ins (the monitor's channel and `alerts.monitoringChannels`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { advance, advanceBroken, BROKEN_REPEAT_MS, isBrokenMeasurement, type MonitorState, type Observation } from '../lib/alerting/incident';
import { DEFAULT_RULES } from '../lib/config/alerting-schema';
import { viewNotice } from '../lib/alerting/messages';
import { smsParams } from '../lib/channels/sms/params';
import type { Reason } from '../lib/report/codes';
import { runFunction } from '../lib/functions';
import { localContext, timerEvent } from '../lib/runtime/scf';
import { setLogSink } from '../lib/report/log';
import { chinazNodes, startChinaz, type ChinazStandIn } from '../dev/standins/chinaz';
import { WECOM_PATH, wecomStandIn, type WecomStandIn } from './support/wecom';

const T0 = Date.parse('2026-11-21T00:00:00.000Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const PROVIDER: Reason[] = [{ code: 'PROVIDER_ERROR', message: "the provider's page changed" }];
const DOWN: Reason[] = [{ code: 'LOW_SUCCESS_RATE', message: '9 of 10 nodes failed' }];
let ids = 0;
const newId = () => `id${++ids}`;

test('which runs could not measure: PROVIDER_ERROR or PROBE_NETWORK alone (a DEADLINE beside them too), never beside a failure of the target', () => {
  assert.equal(isBrokenMeasurement(false, PROVIDER), true);
  assert.equal(isBrokenMeasurement(false, [{ code: 'PROBE_NETWORK', message: 'canary down' }]), true);
  assert.equal(isBrokenMeasurement(false, [...PROVIDER, { code: 'DEADLINE', message: 'cut' }]), true);
  assert.equal(isBrokenMeasurement(false, [...PROVIDER, ...DOWN]), false, 'the nodes that ran speak for the target');
  assert.equal(isBrokenMeasurement(false, [{ code: 'DEADLINE', message: 'cut' }]), false);
  assert.equal(isBrokenMeasurement(true, []), false);
});

test('broken: told when it starts, not again within a day, again after a day, and once when it clears; the failure counts never move', () => {
  let s: MonitorState | undefined;
  const kinds: string[] = [];
  const step = (minutes: number, reasons: Reason[]) => {
    const obs: Observation = { ok: reasons.length === 0, at: iso(minutes), reasons };
    const t = advanceBroken(s, obs, false, newId);
    s = t.state;
    if (t.notice) kinds.push(`${t.notice.kind}@${minutes}`);
    return t;
  };
  const first = step(0, PROVIDER);
  step(60, PROVIDER);
  step(BROKEN_REPEAT_MS / 60_000 - 1, PROVIDER);
  step(BROKEN_REPEAT_MS / 60_000, PROVIDER);
  assert.equal(s!.failures, 0, 'a broken run is not a failure of the target');
  const last = step(BROKEN_REPEAT_MS / 60_000 + 5, []);
  assert.deepEqual(kinds, ['broken@0', `broken@${BROKEN_REPEAT_MS / 60_000}`, `cleared@${BROKEN_REPEAT_MS / 60_000 + 5}`]);
  assert.equal(last.notice!.broken.id, first.notice!.broken.id, 'one id from start to clear');
  assert.equal(last.notice!.durationMs, (BROKEN_REPEAT_MS / 60_000 + 5) * 60_000);
  assert.equal(s!.broken, undefined);
});

test('broken during maintenance: nobody is told, then told once the window ends; a silent one clears silently', () => {
  let t = advanceBroken(undefined, { ok: false, at: iso(0), reasons: PROVIDER }, true, newId);
  assert.equal(t.notice, undefined);
  t = advanceBroken(t.state, { ok: false, at: iso(5), reasons: PROVIDER }, false, newId);
  assert.equal(t.notice?.kind, 'broken');
  const quiet = advanceBroken(undefined, { ok: false, at: iso(0), reasons: PROVIDER }, true, newId);
  assert.equal(advanceBroken(quiet.state, { ok: true, at: iso(1), reasons: [] }, false, newId).notice, undefined);
});

test('an open outage stays open while the measurement is broken, and a measured good run resolves it', () => {
  const rules = { ...DEFAULT_RULES, channels: ['ops'] };
  let s = advance(undefined, { ok: false, at: iso(0), reasons: DOWN }, rules, false, newId).state;
  assert.ok(s.incident);
  s = advanceBroken(s, { ok: false, at: iso(1), reasons: PROVIDER }, false, newId).state;
  assert.ok(s.incident, 'the broken run neither resolves nor re-alerts the outage');
  const cleared = advanceBroken(s, { ok: true, at: iso(2), reasons: [] }, false, newId);
  assert.equal(cleared.notice?.kind, 'cleared');
  const done = advance(cleared.state, { ok: true, at: iso(2), reasons: [] }, rules, false, newId);
  assert.equal(done.notice?.kind, 'resolved');
});

test('the wording is its own: not an alert, says nothing about the target, and says when it went to the monitor\'s own channels', () => {
  const n = {
    kind: 'broken' as const,
    function: 'speedTest',
    monitor: 'site-speed',
    type: 'speedtest',
    target: 'www.example.com',
    incidentId: 'm-1',
    since: iso(0),
    at: iso(0),
    reasons: PROVIDER,
    monitorChannels: true,
  };
  const en = viewNotice(n, 'en');
  assert.equal(en.headline, 'MEASUREMENT BROKEN site-speed');
  assert.ok(en.fields.some(([, v]) => /says nothing about the target/.test(v)));
  assert.ok(en.fields.some(([, v]) => /alerts\.monitoringChannels is not set/.test(v)));
  const zh = viewNotice({ ...n, kind: 'cleared', monitorChannels: false }, 'zh-CN');
  assert.equal(zh.headline, '监测已恢复 site-speed');
  assert.ok(!zh.fields.some(([, v]) => /monitoringChannels/.test(v)));
  const sms = smsParams([n], { fields: ['status', 'monitor'], maxLength: 6, locale: 'zh-CN' });
  assert.equal(sms[0], '监测失效');
});

const KEY = 'wk-MB-91d2aa-SECRET-KEY';
let dir: string;
let chinaz: ChinazStandIn;
let site: WecomStandIn;
let monitoring: WecomStandIn;

before(async () => {
  process.env.SCFM_MB_KEY = KEY;
  setLogSink(() => {});
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-broken-'));
  chinaz = await startChinaz({ nodes: chinazNodes(4) });
  [site, monitoring] = await Promise.all([wecomStandIn(KEY), wecomStandIn(KEY)]);
});

after(async () => {
  setLogSink((line) => process.stdout.write(line));
  delete process.env.SCFM_MB_KEY;
  await Promise.all([chinaz.close(), site.close(), monitoring.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const texts = (s: WecomStandIn) => s.received.filter((r) => r.answer?.errcode === 0).map((r) => String((r.json as { markdown: { content: string } }).markdown.content));
const hook = (s: WecomStandIn) => ({ type: 'wecom', locale: 'en', webhook: `http://127.0.0.1:${s.port}${WECOM_PATH}?key=` + '${SCFM_MB_KEY}' });

function speedTest(name: string, alerts: Record<string, unknown>) {
  const configPath = join(dir, `${name}.json`);
  writeFileSync(
    configPath,
    JSON.stringify({
      state: { type: 'file', path: join(dir, `state-${name}`) },
      channels: { site: hook(site), monitoring: hook(monitoring) },
      alerts,
      monitors: [{ name, type: 'speedtest', provider: 'chinaz', providerUrl: chinaz.url, host: 'www.example.com', nodeTimeoutMs: 2000 }],
    }),
  );
  return () => runFunction('speedTest', timerEvent(), localContext('speedTest', 20_000), { configPath });
}

test('speedTest, chinaz page changed: no outage alert; "measurement broken" to alerts.monitoringChannels once, and "measuring again" when the page is back', async () => {
  const run = speedTest('site-speed', { channels: ['site'], monitoringChannels: ['monitoring'] });
  chinaz.setPage('changed');
  const s1 = await run();
  assert.equal(s1.results[0]!.reasons[0]!.code, 'PROVIDER_ERROR');
  assert.deepEqual(s1.alerts.map((a) => [a.kind, a.channels]), [['broken', ['monitoring']]]);
  const s2 = await run();
  assert.deepEqual(s2.alerts, [], 'not again within a day');
  chinaz.setPage('normal');
  const s3 = await run();
  assert.equal(s3.results[0]!.ok, true);
  assert.deepEqual(s3.alerts.map((a) => [a.kind, a.incidentId]), [['cleared', s1.alerts[0]!.incidentId]]);
  assert.deepEqual(texts(site), [], 'the site channel never hears of the provider');
  const m = texts(monitoring);
  assert.equal(m.length, 2);
  assert.match(m[0]!, /MEASUREMENT BROKEN site-speed/);
  assert.match(m[0]!, /PROVIDER_ERROR/);
  assert.doesNotMatch(m[0]!, /ALERT/);
  assert.match(m[1]!, /MEASURING AGAIN site-speed/);
});

test('speedTest without alerts.monitoringChannels: "measurement broken" goes to the monitor\'s channels, marked as such', async () => {
  const before = texts(site).length;
  const run = speedTest('site-speed-2', { channels: ['site'] });
  chinaz.setPage('no-token');
  try {
    const s1 = await run();
    assert.deepEqual(s1.alerts.map((a) => [a.kind, a.channels]), [['broken', ['site']]]);
  } finally {
    chinaz.setPage('normal');
  }
  const t = texts(site).slice(before);
  assert.equal(t.length, 1);
  assert.match(t[0]!, /MEASUREMENT BROKEN site-speed-2/);
  assert.match(t[0]!, /alerts\.monitoringChannels is not set/);
});
