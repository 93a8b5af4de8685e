/**
 * A connect black hole on 127.0.0.1: a child process listens with backlog 1 and never accepts,
 * and fills its own accept queue. Linux drops SYNs to a listener whose queue is full, so a new
 * connect neither succeeds nor is refused: it hangs, as towards a firewalled host, without any
 * traffic leaving loopback.
 *
 * Node accepts whenever its event loop runs, so the child's main thread blocks (Atomics.wait)
 * right after listening, and a worker thread, whose loop is its own, opens the filling
 * connections and reports the port on fd 1.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface BlackHole {
  port: number;
  /** Connections the child holds in its queue. */
  queued: number;
  pid: number;
  close: () => Promise<void>;
}

// The child's code is plain JavaScript in arrays of lines: no escapes for a transpiler to reinterpret.

/** The worker: fills the queue, then reports "READY <port> <queued>" straight to fd 1. */
const FILLER = [
  "const net = require('node:net');",
  "const fs = require('node:fs');",
  "const { workerData } = require('node:worker_threads');",
  'const held = [];',
  'const parent = process.ppid;',
  // Orphaned (the test process died): take the whole process down, not just this thread.
  "setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL'); }, 200);",
  'const line = (text) => fs.writeSync(1, text + String.fromCharCode(10));',
  'const connectOne = () => new Promise((resolve) => {',
  "  const s = net.connect(workerData.port, '127.0.0.1');",
  '  held.push(s);',
  "  s.on('error', () => resolve(false));",
  '  const t = setTimeout(() => resolve(false), 300);',
  "  s.once('connect', () => { clearTimeout(t); resolve(true); });",
  '});',
  '(async () => {',
  '  let queued = 0;',
  '  for (let i = 0; i < 64; i++) {',
  "    if (!(await connectOne())) return line('READY ' + workerData.port + ' ' + queued);",
  '    queued++;',
  '  }',
  "  line('NOT-FULL ' + queued);",
  '})();',
].join('\n');

/** The child's main thread; the filler's source comes in as argv[1]. */
const CHILD = [
  "const net = require('node:net');",
  "const { Worker } = require('node:worker_threads');",
  'const server = net.createServer();',
  "server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {",
  '  new Worker(process.argv[1], { eval: true, workerData: { port: server.address().port } });',
  // Never return to the event loop, so nothing is ever accepted; ten minutes at most.
  '  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600000);',
  '  process.exit(0);',
  '});',
].join('\n');

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export function blackHole(): Promise<BlackHole> {
  const child = spawn(process.execPath, ['-e', CHILD, FILLER], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      void stop(child).then(() => reject(new Error(`black hole: ${why}${err ? `\n${err}` : ''}`)));
    };
    const timer = setTimeout(() => fail('no READY line within 10 s'), 10_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code, signal) => fail(`child exited (${code ?? signal})`));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /^(READY|NOT-FULL) (\d+)(?: (\d+))?\n/.exec(out);
      if (!line) return;
      if (line[1] !== 'READY') return fail(`the accept queue never filled (${line[2]} connections accepted by the kernel)`);
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ port: Number(line[2]), queued: Number(line[3]), pid: child.pid!, close: () => stop(child) });
    });
  });
}
