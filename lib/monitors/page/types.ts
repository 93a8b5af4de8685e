/** The page record's detail: timings over the samples, and the screenshot of a failing run. */

export interface TimingStats {
  meanMs: number;
  p95Ms: number;
  maxMs: number;
}

export interface PageDetail {
  /** Per timing (dnsMs ... blankScreenMs), over the samples that loaded. */
  timings: Record<string, TimingStats>;
  /** Where the failing run's PNG was written. */
  screenshot?: string;
  screenshotBytes?: number;
  /** Why a failing run has no screenshot (too large at every size tried, the folder not writable). */
  screenshotError?: string;
  /** Chromium's version, as the browser reports it. */
  browser?: string;
}

export interface FailedRequest {
  url: string;
  status?: number;
  error?: string;
  sameOrigin: boolean;
}

export interface PageSample {
  /** Requests the page made, the document included. */
  requests: number;
  /** Bytes received over the network (headers and encoded bodies), the document included. */
  transferBytes: number;
  failedRequests: FailedRequest[];
  consoleErrors: number;
  /** The first few console errors and uncaught exceptions, as the page logged them. */
  consoleMessages: string[];
}

declare module '../../report/record' {
  interface ResultRecord {
    /** page: per-timing statistics and the screenshot. */
    page?: PageDetail;
  }
  interface SampleRecord {
    /** page: what the sample's page requested, what failed and what it logged. */
    page?: PageSample;
  }
}
