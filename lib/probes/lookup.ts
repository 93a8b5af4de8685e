/**
 * A dns.lookup wrapper that records when resolution finished, so DNS time is measured from the
 * resolver's own callback rather than inferred. Works for both shapes net asks for (one
 * address, or all of them when happy-eyeballs is on).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { now } from './types';

export interface LookupMarks {
  lookupStart?: number;
  lookupEnd?: number;
}

type Callback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export function timedLookup(marks: LookupMarks) {
  return (hostname: string, options: LookupOptions, callback: Callback): void => {
    marks.lookupStart = now();
    dnsLookup(hostname, { ...options }, ((err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
      marks.lookupEnd = now();
      callback(err, address, family);
    }) as never);
  };
}
