/**
 * The sweep's prober: many TCP connects with a bounded number in flight. Built for an SCF
 * instance, which has 1,024 file descriptors (concurrency stays under 900, so the runtime, the
 * store and the API client keep theirs) and a few tens of thousands of ephemeral ports:
 * a connected socket is closed with RST (resetAndDestroy) so it never sits in TIME_WAIT.
 * Addresses are IP literals, so net.connect never resolves anything. One coarse timer scans for
 * timeouts instead of a timer per connection. A refusal is an answer from the host (it is
 * reachable); no answer within the timeout is loss; a failure on our side (no port, no
 * descriptor) is neither.
 */
import { connect, type Socket } from 'node:net';
import { bucketOf, BUCKETS, emptyGroup, UNREACHABLE_SAMPLE, type Counters } from './counters';
import { v4Text, type Group, type ShardTargets } from './targets';

/** What one attempt came to: a connect time in ms (>= 0), or one of these. */
export const LOST = -1;
export const LOCAL_ERROR = -2;
/** The deadline stopped it before it was judged. */
export const CUT = -3;

const LOCAL_CODES = new Set(['EADDRNOTAVAIL', 'EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EADDRINUSE']);

export interface ConnectSweepOptions {
  jobs: number;
  host: (job: number) => string;
  port: (job: number) => number;
  timeoutMs: number;
  concurrency: number;
  signal: AbortSignal;
  done: (job: number, result: number) => void;
}

export interface ConnectSweepResult {
  /** Jobs started (all of them unless the deadline came first). */
  started: number;
  cut: boolean;
  /** The error codes of local failures, counted. */
  localErrors: Record<string, number>;
}

interface Attempt {
  job: number;
  t0: number;
  socket: Socket;
}

export function connectSweep(o: ConnectSweepOptions): Promise<ConnectSweepResult> {
  return new Promise((resolve) => {
    const live = new Set<Attempt>();
    const localErrors: Record<string, number> = {};
    let next = 0;
    let ended = false;
    const settle = (a: Attempt, result: number, connected: boolean) => {
      if (!live.delete(a)) return;
      if (connected) a.socket.resetAndDestroy();
      else a.socket.destroy();
      o.done(a.job, result);
    };
    const launch = (job: number) => {
      const socket = connect({ host: o.host(job), port: o.port(job) });
      const a: Attempt = { job, t0: performance.now(), socket };
      live.add(a);
      socket.once('connect', () => {
        const ms = performance.now() - a.t0;
        settle(a, ms <= o.timeoutMs ? ms : LOST, true);
        fill();
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (!live.has(a)) return;
        const ms = performance.now() - a.t0;
        let result = LOST;
        if (err.code === 'ECONNREFUSED') result = ms <= o.timeoutMs ? ms : LOST;
        else if (err.code && LOCAL_CODES.has(err.code)) {
          result = LOCAL_ERROR;
          localErrors[err.code] = (localErrors[err.code] ?? 0) + 1;
        }
        settle(a, result, false);
        fill();
      });
    };
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(scan);
      o.signal.removeEventListener('abort', onAbort);
      resolve({ started: next, cut: next < o.jobs, localErrors });
    };
    const fill = () => {
      if (ended) return;
      while (live.size < o.concurrency && next < o.jobs && !o.signal.aborted) launch(next++);
      if (live.size === 0 && (next >= o.jobs || o.signal.aborted)) end();
    };
    const scan = setInterval(() => {
      const now = performance.now();
      let freed = false;
      for (const a of live) {
        if (now - a.t0 > o.timeoutMs) {
          settle(a, LOST, false);
          freed = true;
        }
      }
      if (freed) fill();
    }, Math.max(5, Math.min(50, Math.floor(o.timeoutMs / 4))));
    const onAbort = () => {
      for (const a of [...live]) settle(a, CUT, false);
      fill();
    };
    o.signal.addEventListener('abort', onAbort, { once: true });
    fill();
  });
}

export interface ShardProbeOptions {
  attempts: number;
  timeoutMs: number;
  concurrency: number;
  signal: AbortSignal;
}

export interface ShardProbeResult {
  counters: Counters;
  cut: boolean;
  localErrors: Record<string, number>;
}

/**
 * Every target of a shard, `attempts` times. Attempt k of every target runs before attempt
 * k+1 of any, so the attempts on one host are spread over the run rather than back to back.
 */
export async function probeShard(t: ShardTargets, groups: readonly Group[], opts: ShardProbeOptions): Promise<ShardProbeResult> {
  const n = t.count;
  const tried = new Uint8Array(n);
  const answered = new Uint8Array(n);
  const lostLocal = new Uint32Array(groups.length);
  const attempts = new Float64Array(groups.length);
  const answers = new Float64Array(groups.length);
  const histograms: (Uint32Array | undefined)[] = [];
  const host = (j: number) => {
    const i = j % n;
    const a = t.v4[i]!;
    return a >= 0 ? v4Text(a) : t.v6.get(i)!;
  };
  const result = await connectSweep({
    jobs: n * opts.attempts,
    host,
    port: (j) => t.port[j % n]!,
    timeoutMs: opts.timeoutMs,
    concurrency: opts.concurrency,
    signal: opts.signal,
    done: (j, r) => {
      if (r === CUT) return;
      const i = j % n;
      const g = t.group[i]!;
      if (r === LOCAL_ERROR) {
        lostLocal[g]!++;
        return;
      }
      tried[i]!++;
      attempts[g]!++;
      if (r >= 0) {
        answered[i]!++;
        answers[g]!++;
        (histograms[g] ??= new Uint32Array(BUCKETS))[bucketOf(r)]!++;
      }
    },
  });
  const counters: Counters = {};
  const of = (g: number) => (counters[groups[g]!.name] ??= emptyGroup(groups[g]!.labels));
  for (let i = 0; i < n; i++) {
    const c = of(t.group[i]!);
    c.targets++;
    if (tried[i]! > 0) c.probed++;
    if (tried[i]! > 0 && answered[i] === 0) {
      c.unreachable++;
      if (c.unreachableSample.length < UNREACHABLE_SAMPLE) {
        const a = t.v4[i]!;
        c.unreachableSample.push(a >= 0 ? `${v4Text(a)}:${t.port[i]}` : `[${t.v6.get(i)}]:${t.port[i]}`);
      }
    }
  }
  for (let g = 0; g < groups.length; g++) {
    const c = counters[groups[g]!.name];
    if (!c) continue;
    c.attempts = attempts[g]!;
    c.answered = answers[g]!;
    c.localErrors = lostLocal[g]!;
    const h = histograms[g];
    if (h) for (let b = 0; b < BUCKETS; b++) if (h[b]) c.histogram[b] = h[b]!;
  }
  return { counters, cut: result.cut, localErrors: result.localErrors };
}
