/**
 * One TCP connect measurement (the seed's inside/outside connectivity check): resolve,
 * connect, close. Attempts are retried like the HTTP prober's connection attempts.
 */
import { connect, isIP, type Socket } from 'node:net';
import { classifyError } from './classify';
import { timedLookup, type LookupMarks } from './lookup';
import type { DnsServerAddress } from './dns';
import { now, type Failure, type Prober } from './types';
import { onAbort as whenAborted } from '../util/abort';

export interface TcpTarget {
  host: string;
  port: number;
  connectTimeoutMs: number;
  attempts: number;
  /** Resolve the host through these servers instead of the system resolver. */
  dnsServers?: DnsServerAddress[];
}

export interface TcpObservation {
  remoteAddress?: string;
  attempts: number;
  timings: { dnsMs: number; connectMs: number; totalMs: number };
  error?: Failure;
}

interface Attempt {
  remoteAddress?: string;
  dnsMs: number;
  connectMs: number;
  error?: Failure;
}

/** A target's host without IPv6 brackets, and whether it is an address (isIP), worked out once per target. */
const hosts = new WeakMap<TcpTarget, { host: string; literal: number }>();
function hostOf(t: TcpTarget): { host: string; literal: number } {
  let h = hosts.get(t);
  if (!h) {
    const host = t.host.replace(/^\[|\]$/g, '');
    hosts.set(t, (h = { host, literal: isIP(host) }));
  }
  return h;
}

function attempt(t: TcpTarget, signal: AbortSignal): Promise<Attempt> {
  return new Promise((resolve) => {
    const { host, literal } = hostOf(t);
    const marks: LookupMarks = {};
    const t0 = now();
    let settled = false;
    let socket: Socket | undefined;
    let stopWaiting = () => {};
    const finish = (result: Omit<Attempt, 'dnsMs'> & { dnsMs?: number }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopWaiting();
      socket?.destroy();
      const dnsMs = marks.lookupEnd !== undefined ? marks.lookupEnd - (marks.lookupStart ?? t0) : 0;
      resolve({ dnsMs, ...result });
    };
    const onAbort = () => finish({ connectMs: 0, error: { code: 'DEADLINE', message: 'stopped at the function deadline' } });
    const addr = () => `${socket?.remoteAddress ?? host}:${t.port}`;
    const timer = setTimeout(() => {
      const resolving = marks.lookupStart !== undefined && marks.lookupEnd === undefined;
      finish({
        connectMs: 0,
        error: resolving
          ? { code: 'DNS_ERROR', message: `resolving ${host} did not finish within ${t.connectTimeoutMs} ms` }
          : { code: 'CONNECT_TIMEOUT', message: `no TCP connection to ${addr()} within ${t.connectTimeoutMs} ms` },
      });
    }, t.connectTimeoutMs);
    if (signal.aborted) return onAbort();
    stopWaiting = whenAborted(signal, onAbort);
    const via = t.dnsServers && { servers: t.dnsServers, withinMs: t.connectTimeoutMs, signal };
    // net never looks an address up, and a dotted quad is what getpeername would say: an IP
    // target costs no lookup closure and no system call beyond the connect.
    socket = connect(literal ? { host, port: t.port } : { host, port: t.port, lookup: timedLookup(marks, via) as never });
    socket.once('connect', () => {
      const at = now();
      finish({ remoteAddress: literal === 4 ? host : socket!.remoteAddress, connectMs: at - (marks.lookupEnd ?? t0) });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const phase = marks.lookupStart !== undefined && marks.lookupEnd === undefined ? 'dns' : 'connect';
      finish({ connectMs: 0, error: classifyError(err, phase, host, addr()) });
    });
  });
}

export const probeTcp: Prober<TcpTarget, TcpObservation> = async (t, signal) => {
  const start = now();
  let result: Attempt;
  let tries = 0;
  do {
    tries++;
    result = await attempt(t, signal);
  } while (result.error && result.error.code !== 'DEADLINE' && tries < t.attempts && !signal.aborted);
  const error = result.error && tries > 1 ? { ...result.error, message: `${result.error.message} (${tries} attempts)` } : result.error;
  return {
    remoteAddress: result.remoteAddress,
    attempts: tries,
    timings: { dnsMs: result.dnsMs, connectMs: result.connectMs, totalMs: now() - start },
    ...(error ? { error } : {}),
  };
};
