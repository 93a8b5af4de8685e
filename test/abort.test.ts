/** lib/util/abort.ts: the waiters of one deadline signal. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { onAbort } from '../lib/util/abort';

test('an abort calls every waiter still waiting, once, and none that stopped', () => {
  const ac = new AbortController();
  const called: number[] = [];
  const stops = Array.from({ length: 10 }, (_, i) => onAbort(ac.signal, () => called.push(i)));
  // The first, the last and one between stop waiting; stopping twice changes nothing.
  for (const i of [0, 9, 4, 4]) stops[i]!();
  ac.abort();
  ac.abort();
  assert.deepEqual(called.sort((a, b) => a - b), [1, 2, 3, 5, 6, 7, 8]);
  stops[2]!(); // after the abort: harmless
  // A waiter added after the abort is called at once.
  let late = 0;
  onAbort(ac.signal, () => late++);
  assert.equal(late, 1);
});

test('a waiter that stops another while the abort runs: the other is not called', () => {
  const ac = new AbortController();
  const called: string[] = [];
  let stopB = () => {};
  // Added last, so the abort reaches it first (the list's head is the newest).
  stopB = onAbort(ac.signal, () => called.push('b'));
  onAbort(ac.signal, () => {
    called.push('a');
    stopB();
  });
  const stopSelf = onAbort(ac.signal, () => {
    called.push('self');
    stopSelf();
  });
  ac.abort();
  assert.deepEqual(called, ['self', 'a']);
});

test('a thousand checks come and go on one signal: nothing is kept, an abort then calls only the live', () => {
  const ac = new AbortController();
  let calls = 0;
  const live = new Set<() => void>();
  for (let i = 0; i < 1000; i++) {
    const stop = onAbort(ac.signal, () => calls++);
    live.add(stop);
    if (live.size > 50) {
      const first = live.values().next().value!;
      first();
      live.delete(first);
    }
  }
  ac.abort();
  assert.equal(calls, live.size);
});

test('a stopped waiter, kept by whoever holds its stop function, keeps none of the waiters that came after it', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const ac = new AbortController();
  const refs: WeakRef<object>[] = [];
  const live: (() => void)[] = [];
  let kept: (() => void) | undefined;
  // Checks coming and going five at a time, as a run's pool has them in flight; the first one
  // to finish is held on to (a retained exchange still holds its stop function).
  for (let i = 0; i < 200; i++) {
    const state = { sockets: new Array(1000).fill(i) };
    refs.push(new WeakRef(state));
    live.push(onAbort(ac.signal, () => state.sockets.length));
    if (live.length > 5) {
      const stop = live.shift()!;
      stop();
      kept ??= stop;
    }
  }
  for (const stop of live.splice(0)) stop();
  await new Promise((r) => setImmediate(r));
  gc();
  const alive = refs.filter((r) => r.deref() !== undefined).length;
  assert.ok(kept);
  assert.ok(alive <= 1, `${alive} of 200 waiters' state still reachable`);
});
