/**
 * A healthy target cut by the deadline is not failing (issue 13.5): through the real handler,
 * with a channel and a file store, a monitor stopped after some good samples is judged on them
 * (ok, the cut noted), one stopped before any sample is not judged, and neither opens an
 * incident nor sends an alert.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runFunction } from '../lib/functions';
import { setLogSink } from '../lib/report/log';
import { httpServer, type Running } from '../dev/standins/servers';
import { wecomStandIn, type WecomStandIn } from './support/wecom';

let dir: string;
const lines: string[] = [];
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-cut-'));
  setLogSink((text) => lines.push(text));
});
after(() => {
  setLogSink((line) => process.stdout.write(line));
  rmSync(dir, { recursive: true, force: true });
});

describe('the deadline alone never opens an incident', () => {
  let web: Running;
  let hang: Running;
  let wecom: WecomStandIn;
  before(async () => {
    web = await httpServer((_req, res) => res.writeHead(200).end('ok'));
    hang = await httpServer(() => {});
    wecom = await wecomStandIn('cut-key');
  });
  after(async () => {
    await web.close();
    await hang.close();
    await wecom.close();
  });

  test('good samples then the deadline: ok, judged on them; no sample at all: not judged; no alert either way', async () => {
    const configPath = join(dir, 'monitors.yaml');
    writeFileSync(
      configPath,
      stringify({
        state: { type: 'file', path: join(dir, 'state') },
        channels: { ops: { type: 'wecom', webhook: wecom.webhook } },
        alerts: { channels: ['ops'] },
        monitors: [
          // 10 samples 400 ms apart cannot fit a 3 s run that keeps time for delivery.
          { name: 'healthy-cut', type: 'http', url: web.url('/'), samples: 10, intervalMs: 400 },
          { name: 'first-sample-cut', type: 'http', url: hang.url('/'), samples: 3, readTimeoutMs: 60_000 },
        ],
      }),
    );
    for (let run = 1; run <= 2; run++) {
      const s = await runFunction('statusCheck', undefined, { time_limit_in_ms: 3000 }, { configPath });
      const healthy = s.results.find((r) => r.monitor === 'healthy-cut')!;
      assert.ok(healthy.stats.samples >= 1 && healthy.stats.samples < 10, `samples ${healthy.stats.samples}`);
      assert.equal(healthy.ok, true, JSON.stringify(healthy.reasons));
      assert.deepEqual(healthy.reasons, []);
      assert.equal(healthy.cut?.code, 'DEADLINE');
      assert.match(healthy.cut!.message, new RegExp(`after ${healthy.stats.samples} of 10 samples`));

      const cut = s.results.find((r) => r.monitor === 'first-sample-cut')!;
      assert.deepEqual(cut.reasons.map((r) => r.code), ['DEADLINE']);
      assert.deepEqual(cut.samples, []);

      assert.deepEqual(s.alerts, [], `run ${run}: no incident, no alert`);
      assert.deepEqual(s.deliveries, []);
    }
    assert.equal(wecom.received.length, 0, 'nothing was sent');
  });
});
