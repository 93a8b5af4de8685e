/**
 * A real Prometheus Pushgateway (Debian's prometheus-pushgateway) on 127.0.0.1, a free port,
 * nothing persisted. Killed by stop() and, should a test forget, when the test process exits.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closedPort } from '../../dev/standins/servers';

export interface RunningPushgateway {
  url: string;
  stop: () => Promise<void>;
}

const BIN = 'prometheus-pushgateway';

export async function startPushgateway(): Promise<RunningPushgateway> {
  if (spawnSync(BIN, ['--version']).error) throw new Error(`${BIN} is needed by the push test: apt-get install -y prometheus-pushgateway (.ci/run installs it)`);
  const port = await closedPort();
  const child = spawn(BIN, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d) => (output += d));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`${BIN} exited: ${output.slice(0, 500)}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) return { url, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`${BIN} did not become ready on ${url}: ${output.slice(0, 500)}`);
}
