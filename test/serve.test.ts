/**
 * `scf-monitor serve` as a user runs it: a child process that prints where it listens on
 * stderr, answers through the function's own handler, stops cleanly on SIGTERM; and the
 * usage errors and `validate`'s warning for a check nobody could ping.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = join(resolve(__dirname, '..'), 'bin', 'scf-monitor.js');

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  delete e.SCF_MONITOR_CONFIG;
  delete e.NODE_TEST_CONTEXT;
  return e;
}

function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(process.execPath, [CLI, ...args], { cwd, env: env(), timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout: String(stdout), stderr: String(stderr) }),
    ),
  );
}

function configDir(monitors: unknown[], extra: Record<string, unknown> = {}): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-serve-'));
  const path = join(dir, 'monitors.json');
  writeFileSync(path, JSON.stringify({ state: { type: 'file', path: join(dir, 'state') }, monitors, ...extra }));
  return { dir, path };
}

describe('serve', () => {
  test('serve ingest: "listening on" on stderr, a ping answered by the handler, exit 0 on SIGTERM', async () => {
    const { dir, path } = configDir([{ name: 'backup', type: 'heartbeat', period: '1h', token: 'serve-test-token-1' }]);
    const child = spawn(process.execPath, [CLI, 'serve', 'ingest', '--port', '0', '--config', path], { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stderr = '';
      const url = await new Promise<string>((ok, fail) => {
        child.stderr.on('data', (c: Buffer) => {
          stderr += c.toString();
          const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stderr);
          if (m) ok(m[1]!);
        });
        child.once('exit', (code) => fail(new Error(`exited ${code}: ${stderr}`)));
      });
      const ok = await fetch(`${url}/ping/backup`, { headers: { authorization: 'Bearer serve-test-token-1' } });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { ok: true, check: 'backup', kind: 'success' });
      const denied = await fetch(`${url}/ping/backup?token=nope`);
      assert.equal(denied.status, 401);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.equal(stderr.includes('serve-test-token-1'), false, 'the token is never printed');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('usage errors: not an HTTP function, a bad port, a bad config: exit 2 with the reason', async () => {
    const { dir, path } = configDir([{ name: 'x', type: 'heartbeat', period: '1h' }]);
    try {
      const notHttp = await run(['serve', 'statusCheck', '--config', path], dir);
      assert.equal(notHttp.code, 2);
      assert.match(notHttp.stderr, /^scf-monitor: "statusCheck" is not an HTTP function \(known: ingest/);
      const port = await run(['serve', 'ingest', '--port', 'eighty', '--config', path], dir);
      assert.equal(port.code, 2);
      assert.match(port.stderr, /--port must be a port number from 0 to 65535, got "eighty"/);
      writeFileSync(path, JSON.stringify({ monitors: [{ name: 'bad/name', type: 'heartbeat', period: '1h' }] }));
      const bad = await run(['serve', 'ingest', '--config', path], dir);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /monitors\[0\]\.name: is part of a URL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('validate warns about a heartbeat or host nobody could ping or report for', async () => {
    const { dir, path } = configDir([
      { name: 'no-token', type: 'heartbeat', period: '1h' },
      { name: 'has-token', type: 'heartbeat', period: '1h', token: 't0ken-value' },
      { name: 'web-01', type: 'host' },
    ]);
    try {
      const r = await run(['validate', '--config', path], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /warning: monitors\[0\] \(no-token\): has no token and ingest.token is not set: ingest refuses its pings \(403\)/);
      assert.match(r.stderr, /warning: monitors\[2\] \(web-01\): .* refuses its reports/);
      assert.equal(r.stderr.includes('has-token'), false);
      writeFileSync(path, JSON.stringify({ ingest: { token: 'global-token-1' }, monitors: [{ name: 'no-token', type: 'heartbeat', period: '1h' }] }));
      const fine = await run(['validate', '--config', path], dir);
      assert.equal(fine.stderr.includes('has no token'), false, fine.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
