/**
 * Takes a monitor's samples one after another, `intervalMs` apart start to start (so a slow
 * sample does not stretch the schedule), and stops at the deadline keeping what it has.
 * A sample cut off by the deadline is dropped: it says nothing about the target.
 */
import { sleep } from '../util/abort';

/** Where the deadline found the monitor: not at all, between samples, or inside one. */
export type Cut = 'none' | 'between' | 'during';

export interface Sampled<S> {
  samples: S[];
  cut: Cut;
}

export async function takeSamples<S>(
  count: number,
  intervalMs: number,
  signal: AbortSignal,
  take: () => Promise<S>,
): Promise<Sampled<S>> {
  const samples: S[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    // The first sample starts at once: no timer, no promise to wait on.
    if (i > 0) await sleep(start + i * intervalMs - performance.now(), signal);
    if (signal.aborted) return { samples, cut: 'between' };
    const sample = await take();
    if (signal.aborted) return { samples, cut: 'during' };
    samples.push(sample);
  }
  return { samples, cut: 'none' };
}

/** A sampled monitor's longest run: samples `intervalMs` apart start to start, each taking up to `perSampleMs`. */
export function samplingWorstCaseMs(m: { samples: number; intervalMs: number }, perSampleMs: number): number {
  return (m.samples - 1) * Math.max(m.intervalMs, perSampleMs) + perSampleMs;
}
