/**
 * The push after a run (`metrics.pushgateway`): PUT replaces the group job/<job>/function/<fn>,
 * so a monitor taken out of the config stops being reported at the next run of its function.
 * Bounded by `timeoutMs` and the run's deadline; its outcome is returned, never thrown, because
 * a dashboard that cannot be fed is no reason to fail a monitoring run.
 */
export interface PushOutcome {
  ok: boolean;
  status?: number;
  error?: string;
  ms: number;
}

export async function pushMetrics(
  gateway: string,
  job: string,
  fn: string,
  body: string,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<PushOutcome> {
  const start = Date.now();
  const url = `${gateway.replace(/\/+$/, '')}/metrics/job/${encodeURIComponent(job)}/function/${encodeURIComponent(fn)}`;
  const signals = [AbortSignal.timeout(Math.max(1, opts.timeoutMs)), ...(opts.signal ? [opts.signal] : [])];
  try {
    const res = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
      body,
      signal: AbortSignal.any(signals),
      redirect: 'manual',
    });
    const text = await res.text().catch(() => '');
    if (res.ok) return { ok: true, status: res.status, ms: Date.now() - start };
    return { ok: false, status: res.status, error: `HTTP ${res.status}: ${text.slice(0, 200)}`, ms: Date.now() - start };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${opts.timeoutMs} ms or before the deadline` : (e.cause?.code ?? e.message);
    return { ok: false, error: why, ms: Date.now() - start };
  }
}
