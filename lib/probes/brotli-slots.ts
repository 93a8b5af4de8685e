/**
 * Brotli decoders allocate the window the stream declares, up to 16 MiB (about 17 MB each),
 * however small the body: twenty at once took a 128 MB function to 393 MB. We no longer ask
 * for br, but a target may send it anyway, so at most MAX_BROTLI_DECODERS decode at a time
 * and the others wait their turn (their read timeout still runs).
 */
export const MAX_BROTLI_DECODERS = 2;

let active = 0;
let peak = 0;
const waiting: (() => void)[] = [];

/**
 * Calls `granted` once a decoder may be made (at once when a slot is free). The returned
 * function gives the slot back, or leaves the queue when the slot was never granted; calling
 * it again does nothing.
 */
export function acquireBrotliSlot(granted: () => void): () => void {
  let state: 'waiting' | 'held' | 'done' = 'waiting';
  const grant = () => {
    state = 'held';
    active++;
    if (active > peak) peak = active;
    granted();
  };
  if (active < MAX_BROTLI_DECODERS) grant();
  else waiting.push(grant);
  return () => {
    if (state === 'waiting') {
      const i = waiting.indexOf(grant);
      if (i >= 0) waiting.splice(i, 1);
    } else if (state === 'held') {
      active--;
      waiting.shift()?.();
    }
    state = 'done';
  };
}

/** For tests and the bench: decoders alive now, and the most alive at once since the last reset. */
export function brotliDecoders(): { active: number; peak: number } {
  return { active, peak };
}

export function resetBrotliPeak(): void {
  peak = active;
}
