/**
 * The prober contract (blackbox_exporter's shape): one file per protocol, one function that
 * takes the target with its options and an AbortSignal and returns one typed sample. A
 * prober never throws for anything the target does: failures come back classified.
 */
import type { FailureCode } from '../report/codes';

export interface Failure {
  code: FailureCode;
  message: string;
}

export type Prober<Target, Sample> = (target: Target, signal: AbortSignal) => Promise<Sample>;

/** Monotonic milliseconds with sub-millisecond resolution. */
export const now = (): number => performance.now();
