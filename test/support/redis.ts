/**
 * A real redis-server for tests: 127.0.0.1 only, a free port, a temporary directory, nothing
 * persisted. Killed by stop() and, should a test forget, when the test process exits.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from '../../dev/standins/servers';

export interface RunningRedis {
  /** redis://127.0.0.1:PORT, or redis://:PASSWORD@127.0.0.1:PORT with a password. */
  url: string;
  port: number;
  stop: () => Promise<void>;
}

const INSTALL_HINT =
  'redis-server is needed by the state store tests and was not found on PATH. ' +
  'Install it: Debian/Ubuntu `apt-get install -y redis-server`, macOS `brew install redis` ' +
  '(.ci/run installs it in CI).';

export async function startRedis(opts: { password?: string } = {}): Promise<RunningRedis> {
  if (spawnSync('redis-server', ['--version']).error) throw new Error(INSTALL_HINT);
  // A port picked free can be taken before redis binds it; another port then.
  let lastError: unknown;
  for (let i = 0; i < 3; i++) {
    try {
      return await startOn(await closedPort(), opts.password);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function startOn(port: number, password: string | undefined): Promise<RunningRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-redis-'));
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no'];
  if (password) args.push('--requirepass', password);
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  // A forgotten server must not keep the test process alive.
  child.unref();
  (child.stdout as unknown as Socket).unref();
  (child.stderr as unknown as Socket).unref();

  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // The child is unref'd, so waiting on it alone would let the event loop end first (the
      // test runner then cancels the hook); a timer holds the loop open until it exits.
      const hold = setInterval(() => {}, 1000);
      await exited;
      clearInterval(hold);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server on 127.0.0.1:${port} did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const auth = password ? `:${encodeURIComponent(password)}@` : '';
  return { url: `redis://${auth}127.0.0.1:${port}`, port, stop };
}

/** Whether a server on the port answers PING (NOAUTH counts: it is up, just locked). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(/^(\+PONG|-NOAUTH)/.test(d.toString())));
  });
}
