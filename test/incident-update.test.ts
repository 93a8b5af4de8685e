/**
 * A worse status on an open incident, for statusCheck, through the real handler: a loopback
 * target that answers 502, then 200 without the expected text, and two real WeCom stand-ins.
 * (kafkaLag's WARN/LAG_THRESHOLD -> STALL is in kafka.test.ts; both go through the same
 * incident machine and outbox.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFunction } from '../lib/functions';
import { localContext, timerEvent } from '../lib/runtime/scf';
import { setLogSink } from '../lib/report/log';
import { httpServer, type Running } from '../dev/standins/servers';
import { WECOM_PATH, wecomStandIn, type WecomStandIn } from './support/wecom';

const KEY = 'wk-IU-0c77e1-SECRET-KEY';
let dir: string;
let answer: 'bad gateway' | 'wrong page' | 'ok' = 'bad gateway';
let target: Running;
let one: WecomStandIn;
let two: WecomStandIn;
before(async () => {
  process.env.SCFM_IU_KEY = KEY;
  setLogSink(() => {});
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-incident-update-'));
  target = await httpServer((_q, res) => {
    if (answer === 'bad gateway') res.writeHead(502).end('bad gateway');
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(answer === 'ok' ? 'all ok' : 'maintenance page');
  });
  [one, two] = await Promise.all([wecomStandIn(KEY), wecomStandIn(KEY)]);
});
after(async () => {
  setLogSink((line) => process.stdout.write(line));
  delete process.env.SCFM_IU_KEY;
  await Promise.all([target.close(), one.close(), two.close()]);
  rmSync(dir, { recursive: true, force: true });
});

test('statusCheck: 502, then a page without the expected text: an update to every channel; the old status again is not news; the resolution quotes the last status, which was announced', async () => {
  const hook = (s: WecomStandIn) => ({ type: 'wecom', locale: 'en', webhook: `http://127.0.0.1:${s.port}${WECOM_PATH}?key=` + '${SCFM_IU_KEY}' });
  const configPath = join(dir, 'monitors.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      state: { type: 'file', path: join(dir, 'state') },
      channels: { one: hook(one), two: hook(two) },
      alerts: { channels: ['one', 'two'] },
      monitors: [{ name: 'web', type: 'http', url: target.url('/'), samples: 1, attempts: 1, expect: { bodyContains: 'all ok' } }],
    }),
  );
  const run = () => runFunction('statusCheck', timerEvent(), localContext('statusCheck', 10_000), { configPath });
  const texts = (s: WecomStandIn) => s.received.filter((r) => r.answer?.errcode === 0).map((r) => String((r.json as { markdown: { content: string } }).markdown.content));

  const s1 = await run();
  assert.deepEqual(s1.alerts.map((a) => [a.kind, a.worseThan]), [['alert', undefined]]);
  answer = 'wrong page';
  const s2 = await run();
  assert.deepEqual(s2.alerts.map((a) => [a.kind, a.worseThan, a.incidentId]), [['alert', ['HTTP_STATUS'], s1.alerts[0]!.incidentId]]);
  assert.deepEqual(s2.deliveries.map((d) => [d.channel, d.ok]).sort(), [['one', true], ['two', true]]);
  answer = 'bad gateway';
  const s3 = await run();
  assert.deepEqual(s3.alerts, [], 'HTTP_STATUS was announced already');
  answer = 'ok';
  const s4 = await run();
  assert.deepEqual(s4.alerts.map((a) => a.kind), ['resolved']);

  for (const s of [one, two]) {
    const t = texts(s);
    assert.equal(t.length, 3, 'alert, update, resolved');
    assert.match(t[0]!, /ALERT web/);
    assert.match(t[1]!, /WORSE web/);
    assert.match(t[1]!, /BODY_MISMATCH/);
    assert.match(t[1]!, /Before.*HTTP_STATUS/);
    assert.match(t[2]!, /RESOLVED web/);
    assert.ok(!/BODY_MISMATCH/.test(t[2]!) && /HTTP_STATUS/.test(t[2]!), `the resolution quotes the last status, announced before: ${t[2]}`);
  }
});
