/**
 * The push after every run (`metrics.pushgateway`) against a real Pushgateway on 127.0.0.1,
 * read back from its /metrics; and a gateway that is down or never answers, which must cost
 * the run at most its timeout and never fail it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFunction } from '../lib/functions';
import { setLogSink } from '../lib/report/log';
import { closedPort, httpServer, type Running } from '../dev/standins/servers';
import { blackHole, type BlackHole } from './support/blackhole';
import { startPushgateway, type RunningPushgateway } from './support/pushgateway';

let dir: string;
let target: Running;
let gateway: RunningPushgateway;
let hole: BlackHole;
const logs: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-push-'));
  target = await httpServer((_req, res) => res.end('ok'));
  gateway = await startPushgateway();
  hole = await blackHole();
  setLogSink((l) => logs.push(l));
});

after(async () => {
  await gateway?.stop();
  await hole?.close();
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

async function runWith(metrics: Record<string, unknown>, deadPort?: number) {
  const configPath = join(dir, `m-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    configPath,
    JSON.stringify({
      state: { type: 'file', path: join(dir, 'state') },
      metrics,
      monitors: [
        { name: 'homepage', type: 'http', url: target.url('/'), samples: 2, intervalMs: 0 },
        { name: 'db "primary"\\eu', type: 'tcp', host: '127.0.0.1', port: deadPort ?? (await closedPort()), samples: 1, attempts: 1 },
      ],
    }),
  );
  return runFunction('statusCheck', undefined, { time_limit_in_ms: 20_000 }, { configPath });
}

describe('push to a Pushgateway', () => {
  test('every run pushes its figures: read back from the gateway with the job and function labels, escaped names', async () => {
    const summary = await runWith({ pushgateway: gateway.url, job: 'ops-monitor' });
    assert.equal(summary.ok, false, 'one monitor fails; the push is still made');
    assert.equal(summary.metricsPush?.ok, true, JSON.stringify(summary.metricsPush));
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const line = (name: string, monitor: string) =>
      text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`monitor="${monitor}"`) && l.includes('job="ops-monitor"') && l.includes('function="statusCheck"'));
    assert.match(line('scf_monitor_up', 'homepage') ?? '', / 1$/);
    assert.match(line('scf_monitor_up', 'db \\"primary\\"\\\\eu') ?? 'missing', / 0$/);
    assert.match(line('scf_monitor_response_mean_ms', 'homepage') ?? '', / [\d.e+-]+$/);
    assert.match(line('scf_monitor_success_rate', 'homepage') ?? '', / 1$/);
    assert.ok(text.split('\n').some((l) => l.startsWith('scf_monitor_phase_ms{') && l.includes('phase="connect"') && l.includes('monitor="homepage"')));
    // The gateway's own record of the push: the group and when it was last pushed.
    assert.ok(text.split('\n').some((l) => l.startsWith('push_time_seconds{') && l.includes('job="ops-monitor"') && l.includes('function="statusCheck"')));
  });

  test('a gateway that refuses connections: the run stands, the failure is in the summary and the log', async () => {
    const summary = await runWith({ pushgateway: `http://127.0.0.1:${await closedPort()}` });
    assert.equal(summary.results.find((r) => r.monitor === 'homepage')!.ok, true);
    assert.equal(summary.metricsPush?.ok, false);
    assert.match(summary.metricsPush?.error ?? '', /ECONNREFUSED/);
    assert.ok(logs.some((l) => l.includes('"event":"metrics-push"')));
  });

  test('a gateway that never answers: the push gives up at timeoutMs and the run returns', async () => {
    const summary = await runWith({ pushgateway: `http://127.0.0.1:${hole.port}`, timeoutMs: 300 });
    assert.equal(summary.metricsPush?.ok, false);
    assert.match(summary.metricsPush?.error ?? '', /no answer within 300 ms/);
    assert.equal(summary.results.find((r) => r.monitor === 'homepage')!.ok, true, 'the run returned with its results');
  });
});
