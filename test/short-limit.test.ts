/**
 * Short time limits: monitors that run to their deadline must still leave one delivery attempt
 * per channel. Through the real handler, a loopback target that fails, one that never answers
 * (it keeps the monitors busy to their deadline), two real WeCom stand-ins; and `validate`
 * through the real CLI. Nothing here is timed: the test counts attempts and deliveries.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runFunction } from '../lib/functions';
import { localContext, timerEvent } from '../lib/runtime/scf';
import { setLogSink } from '../lib/report/log';
import { alertReserveMs, DELIVERY_FLOOR_MS } from '../lib/util/deadline';
import { httpServer, type Running } from '../dev/standins/servers';
import { WECOM_PATH, wecomStandIn, type WecomStandIn } from './support/wecom';

const KEY = 'wk-SL-55aa01-SECRET-KEY';
let dir: string;
let failing: Running;
let hanging: Running;
let one: WecomStandIn;
let two: WecomStandIn;
before(async () => {
  process.env.SCFM_SL_KEY = KEY;
  setLogSink(() => {});
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-short-limit-'));
  failing = await httpServer((_q, res) => res.writeHead(502).end('bad'));
  hanging = await httpServer(() => {});
  [one, two] = await Promise.all([wecomStandIn(KEY), wecomStandIn(KEY)]);
});
after(async () => {
  setLogSink((line) => process.stdout.write(line));
  delete process.env.SCFM_SL_KEY;
  await Promise.all([failing.close(), hanging.close(), one.close(), two.close()]);
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string): string {
  const hook = (s: WecomStandIn) => ({ type: 'wecom', webhook: `http://127.0.0.1:${s.port}${WECOM_PATH}?key=` + '${SCFM_SL_KEY}' });
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      state: { type: 'file', path: join(dir, `state-${name}`) },
      channels: { one: hook(one), two: hook(two) },
      alerts: { channels: ['one', 'two'] },
      monitors: [
        { name: 'down', type: 'http', url: failing.url('/down'), samples: 1, attempts: 1 },
        // Never answered: this monitor runs until the monitors' deadline.
        { name: 'slow', type: 'http', url: hanging.url('/slow'), samples: 1, attempts: 1, readTimeoutMs: 60_000 },
      ],
    }),
  );
  return path;
}

describe('short time limits still deliver', () => {
  for (const limit of [3000, 4000]) {
    test(`time_limit_in_ms ${limit}: monitors stop early enough for one attempt on each channel`, async () => {
      const before = [one.received.length, two.received.length];
      const s = await runFunction('statusCheck', timerEvent(), localContext('statusCheck', limit), { configPath: config(`l${limit}`) });
      assert.equal(s.results.find((r) => r.monitor === 'slow')?.reasons[0]?.code, 'DEADLINE', 'a monitor ran to its deadline');
      assert.deepEqual(s.alerts.map((a) => a.monitor), ['down']);
      assert.deepEqual(
        s.deliveries.map((d) => [d.channel, d.outcome, d.attempts]).sort(),
        [['one', 'delivered', 1], ['two', 'delivered', 1]],
        JSON.stringify(s.deliveries),
      );
      assert.deepEqual([one.received.length - before[0]!, two.received.length - before[1]!], [1, 1]);
    });
  }

  test('the reserve is never below one attempt from 3 s up, and never most of the run', () => {
    for (const limit of [3000, 4000, 6000, 10_000, 60_000, 900_000]) {
      assert.ok(alertReserveMs(limit) >= DELIVERY_FLOOR_MS, `${limit}`);
      assert.ok(alertReserveMs(limit) <= limit / 2, `${limit}`);
    }
  });
});

describe('validate: a timeout that cannot hold the monitors and the delivery', () => {
  const cli = (cwd: string, args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.NODE_TEST_CONTEXT;
      delete env.SCF_MONITOR_CONFIG;
      execFile(process.execPath, [resolve(__dirname, '..', 'bin', 'scf-monitor.js'), ...args], { cwd, env, timeout: 60_000 }, (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout: String(stdout), stderr: String(stderr) }),
      );
    });
  const yaml =
    'state: { type: redis, url: "redis://127.0.0.1:1" }\nchannels:\n  ops: { type: wecom, webhook: "http://127.0.0.1:1/x" }\nalerts: { channels: [ops] }\n' +
    'monitors:\n  - { name: web, type: http, url: "http://127.0.0.1:1/", samples: 1, attempts: 1, connectTimeoutMs: 100, readTimeoutMs: 100 }\n';
  const at = (timeout: number) => {
    const cwd = mkdtempSync(join(dir, 'validate-'));
    writeFileSync(join(cwd, 'm.yaml'), yaml);
    writeFileSync(join(cwd, 'serverless.yml'), `inputs:\n  functions:\n    statusCheck:\n      timeout: ${timeout}\n`);
    return cwd;
  };

  test('2 s: warns that alerts would never be sent', async () => {
    const r = await cli(at(2), ['validate', '--config', 'm.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: statusCheck: timeout 2 s in serverless\.yml leaves 1000 ms for alert delivery, less than the 1500 ms one attempt per channel needs/);
  });

  test('3 s: fits, no warning', async () => {
    const r = await cli(at(3), ['validate', '--config', 'm.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });
});
