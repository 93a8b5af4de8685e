/**
 * Runs tasks with at most `limit` in flight; once `signal` aborts no new task starts and the
 * unstarted ones get `skipped(i)`. Results keep the input order.
 */
export async function runPool<T, R>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  run: (item: T, index: number) => Promise<R>,
  skipped: (item: T, index: number) => R | Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = signal.aborted ? await skipped(items[i]!, i) : await run(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
