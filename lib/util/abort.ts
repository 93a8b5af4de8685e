/**
 * Waiting on the run's deadline signal. Every check in flight waits on it, so the waiters of a
 * signal hang off one 'abort' listener in a doubly linked list: EventTarget's addEventListener
 * scans the listeners already there for a duplicate (fifty checks in flight, fifty comparisons
 * per add and remove), and a Set churned by a thousand adds and deletes a run cost 6 µs per
 * check in rehashing (bench/results.md); a list node is added and unlinked in place.
 */
interface Waiter {
  fn: (() => void) | undefined;
  prev?: Waiter;
  next?: Waiter;
}

interface Waiters {
  head?: Waiter;
}

const waiting = new WeakMap<AbortSignal, Waiters>();

/** Calls `fn` when the signal aborts (at once if it already has); returns how to stop waiting. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => {};
  }
  let list = waiting.get(signal);
  if (!list) {
    const waiters: Waiters = {};
    list = waiters;
    waiting.set(signal, waiters);
    signal.addEventListener(
      'abort',
      () => {
        waiting.delete(signal);
        // Taken first: a waiter may stop waiting, its own or another's, while they are called.
        const all: Waiter[] = [];
        for (let w = waiters.head; w; w = w.next) all.push(w);
        for (const w of all) {
          const f = w.fn;
          w.fn = undefined;
          f?.();
        }
      },
      { once: true },
    );
  }
  const w: Waiter = { fn, next: list.head };
  if (list.head) list.head.prev = w;
  list.head = w;
  const waiters = list;
  return () => {
    if (!w.fn) return;
    w.fn = undefined;
    if (w.prev) w.prev.next = w.next;
    else if (waiters.head === w) waiters.head = w.next;
    if (w.next) w.next.prev = w.prev;
    // An unlinked node points at nothing: one kept by whoever holds this function must not keep
    // the waiters after it, and what they wait with (a thousand checks' sockets a run).
    w.prev = w.next = undefined;
  };
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
