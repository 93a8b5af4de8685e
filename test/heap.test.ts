/** When the deployed handler keeps V8's young generation small (lib/util/heap.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sizeYoungGeneration, YOUNG_GROWTH_MB, youngGenerationMayGrow } from '../lib/util/heap';
import { peakMemoryMb } from '../lib/runtime/budget';
import type { MonitorConfig } from '../lib/config/schema';

const monitors = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `m${i}`, type: 'http', samples: 1 }) as unknown as MonitorConfig);

test('the young generation grows only where the expected peak leaves room for it', () => {
  assert.equal(youngGenerationMayGrow(128 - YOUNG_GROWTH_MB, 128), true);
  assert.equal(youngGenerationMayGrow(128 - YOUNG_GROWTH_MB + 1, 128), false);
  // 1,000 monitors in 128 MB: room to grow (the throughput bench's shape), with channels too.
  assert.equal(youngGenerationMayGrow(peakMemoryMb(monitors(1000), false), 128), true);
  assert.equal(youngGenerationMayGrow(peakMemoryMb(monitors(1000), true), 128), true);
  // 2,500 or 5,000 with alerts (bench/memory.ts) would not fit with it: kept small.
  assert.equal(youngGenerationMayGrow(peakMemoryMb(monitors(2500), true), 128), false);
  assert.equal(youngGenerationMayGrow(peakMemoryMb(monitors(5000), false), 128), false);
  // A bigger function has the room.
  assert.equal(youngGenerationMayGrow(peakMemoryMb(monitors(5000), true), 256), true);
});

test("the decision is an instance's first run's: later runs do not walk the monitors again", () => {
  let asked = 0;
  const peak = () => (asked++, 64);
  sizeYoungGeneration(peak, 128);
  sizeYoungGeneration(peak, 128);
  assert.equal(asked, 1);
});
