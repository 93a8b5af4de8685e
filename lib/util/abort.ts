/**
 * Waiting on the run's deadline signal. One 'abort' listener per signal, fanning out to a Set. Every check in flight waits on the
 * run's deadline signal; EventTarget's addEventListener scans the listeners already there for
 * a duplicate, so with fifty checks in flight each add and remove costs fifty comparisons.
 */
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` when the signal aborts (at once if it already has); returns how to stop waiting. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => {};
  }
  let set = waiting.get(signal);
  if (!set) {
    const fns = new Set<() => void>();
    set = fns;
    waiting.set(signal, fns);
    signal.addEventListener(
      'abort',
      () => {
        waiting.delete(signal);
        for (const f of fns) f();
      },
      { once: true },
    );
  }
  set.add(fn);
  return () => set.delete(fn);
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(() => {
      stop();
      resolve();
    }, ms);
    const stop = onAbort(signal, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
