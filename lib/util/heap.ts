/**
 * V8's young generation: left to grow, or kept at the size it starts with. Where node runs
 * with no memory limit it sizes V8 from the machine's memory, and the young generation grows
 * to two 16 MB semi-spaces as soon as a run holds a few thousand records, and stays there:
 * 30 MB spent on space for short-lived objects (bench/memory.md). Kept small, every check pays
 * for more frequent minor collections: about a tenth of the CPU of a 1,000-monitor run. So it
 * is kept small only when the run's expected peak would not leave room for the growth.
 * Under a memory limit node reads (a 128 MB cgroup, as a container gets) it sizes V8 from that
 * limit instead, and the young generation stays at 2 MB whatever this says (bench/cgroup.ts).
 */
import { setFlagsFromString } from 'node:v8';

/** What the grown young generation adds to the peak RSS: two 16 MB semi-spaces (bench/memory.md: +22 to +28 MB). */
export const YOUNG_GROWTH_MB = 32;

/** Whether a run expected to peak at `peakMb` may let the young generation grow within `limitMb`. */
export function youngGenerationMayGrow(peakMb: number, limitMb: number): boolean {
  return peakMb + YOUNG_GROWTH_MB <= limitMb;
}

/**
 * Set from inside the process, so it holds however the platform starts node (SCF takes no
 * NODE_OPTIONS of ours). Kept small from the bundle's load, before the config is read (parsing
 * 5,000 monitors is enough to grow it), and let grow once the config shows there is room:
 * V8 reads this flag each time it would grow the space, so the change applies from then on.
 */
function growthFactor(n: 1 | 2): void {
  try {
    setFlagsFromString(`--semi-space-growth-factor=${n}`);
  } catch {
    // A runtime without the flag runs as before.
  }
}

export function keepYoungGenerationSmall(): void {
  growthFactor(1);
}

let sized = false;

/**
 * Lets it grow (V8's own default) when the expected peak leaves room. Decided on an instance's
 * first run only: its config and memory do not change, and the estimate walks every monitor.
 */
export function sizeYoungGeneration(peakMb: () => number, limitMb: number): void {
  if (sized) return;
  sized = true;
  if (youngGenerationMayGrow(peakMb(), limitMb)) growthFactor(2);
}
