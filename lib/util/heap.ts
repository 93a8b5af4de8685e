/**
 * V8's young generation, kept at the size it starts with. Left to itself it grows to two
 * 16 MB semi-spaces as soon as a run holds a few thousand records, and stays there: 30 MB of
 * a 128 MB function spent on space for short-lived objects (bench/memory.md). Set from inside
 * the process, so it holds however the platform starts node (SCF takes no NODE_OPTIONS of
 * ours); V8 reads this flag each time it would grow the space, so setting it late still works.
 * The cost is more frequent minor collections; run times in bench/memory.md stayed within noise.
 */
import { setFlagsFromString } from 'node:v8';

let done = false;

export function keepYoungGenerationSmall(): void {
  if (done) return;
  done = true;
  try {
    setFlagsFromString('--semi-space-growth-factor=1');
  } catch {
    // A runtime without the flag runs as before.
  }
}
