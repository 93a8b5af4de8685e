/** The `tcp` monitor: connect `samples` times; success rate, mean and std of connect time. */
import { parseDnsServer } from '../../config/monitor-base';
import type { TcpMonitor } from './schema';
import type { ResultRecord } from '../../report/record';
import { roundMs } from '../../report/stats';
import { probeTcp, type TcpTarget } from '../../probes/tcp';
import { takeSamples } from '../sampling';
import { judge } from '../verdict';
import type { RunContext } from '../context';

/** One target per monitor, reused by its samples and a warm instance's next runs (the config is). */
const targets = new WeakMap<TcpMonitor, TcpTarget>();
function proberTarget(m: TcpMonitor): TcpTarget {
  let target = targets.get(m);
  if (!target) {
    target = {
      host: m.host,
      port: m.port,
      connectTimeoutMs: m.connectTimeoutMs,
      attempts: m.attempts,
      ...(m.dnsServers ? { dnsServers: m.dnsServers.flatMap((s) => parseDnsServer(s) ?? []) } : {}),
    };
    targets.set(m, target);
  }
  return target;
}

export async function runTcp(m: TcpMonitor, ctx: RunContext): Promise<ResultRecord> {
  const timestamp = new Date().toISOString();
  const started = performance.now();
  const target = proberTarget(m);
  const { samples, cut } = await takeSamples(m.samples, m.intervalMs, ctx.signal, () => probeTcp(target, ctx.signal));
  const verdict = judge(
    samples.map((o) => ({
      ok: !o.error,
      error: o.error,
      timeMs: o.error ? undefined : o.timings.dnsMs + o.timings.connectMs,
      remoteAddress: o.remoteAddress,
    })),
    m.expect,
    m.samples,
    cut,
  );
  return {
    timestamp,
    function: ctx.functionName,
    monitor: m.name,
    type: m.type,
    target: `${m.host}:${m.port}`,
    ...verdict,
    durationMs: roundMs(performance.now() - started),
    samples: samples.map((o) => ({
      ok: !o.error,
      ...(o.remoteAddress ? { remoteAddress: o.remoteAddress } : {}),
      attempts: o.attempts,
      timings: { dnsMs: roundMs(o.timings.dnsMs), connectMs: roundMs(o.timings.connectMs), totalMs: roundMs(o.timings.totalMs) },
      ...(o.error ? { error: o.error } : {}),
    })),
  };
}
