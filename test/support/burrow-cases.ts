/**
 * LinkedIn Burrow's evaluator cases (core/internal/evaluator/caching_test.go: the `tests` table
 * of calculatePartitionStatus, and the module tests on storage/fixtures.go's groups), restated
 * as data and translated to what CKafka shows per poll. Burrow keeps, per partition, a ring of
 * the group's last commits (offset, commit time, lag at that time) and the broker's recent log
 * end offsets; CKafka's DescribeGroupOffsets gives per poll only the committed offset and the
 * log end, and DescribeGroupInfo the group's state. The translation:
 *
 * - one poll per commit of the ring, at the commit's time (committed = the commit's offset, log
 *   end = offset + its lag; a commit Burrow holds without a lag is a poll whose partition is
 *   answered with a Kafka error code, so its lag is unknown);
 * - then polls at the same spacing until Burrow's `timeNow`, the offset unchanged, the log end
 *   from Burrow's broker offsets, and the last poll's lag Burrow's `currentLag`;
 * - `window` = the ring's length (Burrow's `intervals`), as a count of polls;
 * - allowedLag = Burrow's; warnMinLag 0 (Burrow has none);
 * - the group Stable with one member, and again Empty (Burrow's evaluator does not see
 *   membership, so both are what Burrow's case can mean).
 *
 * Burrow's times are seconds (its offsets' timestamps in ms, divided here).
 */
import type { LagStatus } from '../../lib/monitors/ckafka/types';

export type BurrowStatus = 'OK' | 'WARN' | 'STALL' | 'STOP' | 'REWIND' | 'ERR' | 'NOTFOUND';

export interface BurrowCase {
  id: string;
  /** Burrow's own comment on the case, shortened. */
  what: string;
  /** The ring: [offset, lag at commit (null: Burrow holds no lag), commit time in s]. Empty: no partitions. */
  commits: [number, number | null, number][];
  /** Newest first, as Burrow lists them. */
  brokerOffsets: number[];
  currentLag: number;
  timeNow: number;
  allowedLag: number;
  /** The ring size when the ring is not full (fixtures.go's second group). */
  intervals?: number;
  /** The group does not exist at all. */
  missing?: boolean;
  burrow: BurrowStatus;
  ours: { Stable: LagStatus; Empty: LagStatus };
  /** Why ours differs from Burrow's, when it does. */
  why?: string;
  /** Ours with the default warnMinLag, where that differs from `ours`. */
  oursByDefault?: LagStatus;
}

const EMPTY_IS_STOP =
  'agrees with members; with none (Empty) ours is STOP: the group state says nobody is there to be stalled, and ' +
  "Burrow's evaluator does not look at membership";

const NO_COMMIT_TIMES =
  'CKafka shows no commit times: a consumer that stopped committing and one that commits the same offset look alike, so ' +
  'with members this is STALL (Burrow: STOP); with none (Empty) it is STOP';

export const BURROW_CASES: BurrowCase[] = [
  {
    id: 'table 0',
    what: 'OK because there is zero lag somewhere',
    commits: [[1000, 0, 100], [2000, 50, 200], [3000, 100, 300], [4000, 150, 400], [5000, 200, 500]],
    brokerOffsets: [5200],
    currentLag: 200,
    timeNow: 600,
    allowedLag: 0,
    burrow: 'OK',
    ours: { Stable: 'WARN', Empty: 'WARN' },
    oursByDefault: 'OK',
    why:
      "Burrow's ring only moves on a commit, so the lag-0 commit stays in it; CKafka is polled whether or not the consumer " +
      'commits, and the poll at 600 s pushes the lag-0 poll out of a 5-poll window: what remains is lag 50 to 200, never ' +
      'down, offsets moving. With the default warnMinLag (1000) it is OK',
  },
  {
    id: 'table 1',
    what: 'OK: time since the last commit (400 s) equals the span of the commits, not greater',
    commits: [[1000, 0, 100], [2000, 50, 200], [3000, 100, 300], [4000, 150, 400], [5000, 200, 500]],
    brokerOffsets: [5200],
    currentLag: 200,
    timeNow: 900,
    allowedLag: 0,
    burrow: 'OK',
    ours: { Stable: 'STALL', Empty: 'STOP' },
    why:
      'the polls at 500-900 s all show offset 5000 with 200 waiting: a whole window without movement. Burrow compares the ' +
      "time since the last commit with the commits' span (strictly greater), which needs commit times; a poll sees a " +
      'commit only at the next poll, so the window cannot tell 400 s from 399 s',
  },
  {
    id: 'table 2',
    what: 'STOP: time since the last commit (500 s) is more than the span, even though lag was zero at the start (#290)',
    commits: [[1000, 0, 100], [2000, 50, 200], [3000, 100, 300], [4000, 150, 400], [5000, 200, 500]],
    brokerOffsets: [5200],
    currentLag: 200,
    timeNow: 1000,
    allowedLag: 0,
    burrow: 'STOP',
    ours: { Stable: 'STALL', Empty: 'STOP' },
    why: NO_COMMIT_TIMES,
  },
  {
    id: 'table 3',
    what: 'STOP when lag is always non-zero as well',
    commits: [[1000, 50, 100], [2000, 100, 200], [3000, 150, 300], [4000, 200, 400], [5000, 250, 500]],
    brokerOffsets: [5250],
    currentLag: 250,
    timeNow: 1000,
    allowedLag: 0,
    burrow: 'STOP',
    ours: { Stable: 'STALL', Empty: 'STOP' },
    why: NO_COMMIT_TIMES,
  },
  {
    id: 'table 4',
    what: 'OK because of zero lag, though the offset never changes (one more commit makes it STALL)',
    commits: [[1000, 0, 100], [1000, 50, 200], [1000, 100, 300], [1000, 150, 400], [1000, 200, 500]],
    brokerOffsets: [1200],
    currentLag: 200,
    timeNow: 600,
    allowedLag: 0,
    burrow: 'OK',
    ours: { Stable: 'STALL', Empty: 'STOP' },
    why:
      "the poll at 600 s is Burrow's \"one more commit\": CKafka is polled on the timer, so the lag-0 poll leaves the " +
      'window one poll after the last commit and the offset has not moved across it',
  },
  {
    id: 'table 5',
    what: 'STALL because the lag is always non-zero',
    commits: [[1000, 100, 100], [1000, 150, 200], [1000, 200, 300], [1000, 250, 400], [1000, 300, 500]],
    brokerOffsets: [1300],
    currentLag: 300,
    timeNow: 600,
    allowedLag: 0,
    burrow: 'STALL',
    ours: { Stable: 'STALL', Empty: 'STOP' },
    why: EMPTY_IS_STOP,
  },
  {
    id: 'table 6',
    what: 'still STALL when the lag stays the same',
    commits: [[1000, 100, 100], [1000, 100, 200], [1000, 100, 300], [1000, 100, 400], [1000, 100, 500]],
    brokerOffsets: [1100],
    currentLag: 100,
    timeNow: 600,
    allowedLag: 0,
    burrow: 'STALL',
    ours: { Stable: 'STALL', Empty: 'STOP' },
    why: EMPTY_IS_STOP,
  },
  {
    id: 'table 7',
    what: 'OK: the offsets went backwards, but the consumer caught up the rewind within the window',
    commits: [[1000, 100, 100], [2000, 150, 200], [3000, 200, 300], [2000, 1250, 400], [4000, 300, 500]],
    brokerOffsets: [4300],
    currentLag: 300,
    timeNow: 600,
    allowedLag: 0,
    burrow: 'OK',
    ours: { Stable: 'OK', Empty: 'OK' },
  },
  {
    id: 'table 8',
    what: 'OK because the current lag is 0, though it would be stopped by the timestamps',
    commits: [[1000, 50, 100], [2000, 100, 200], [3000, 150, 300], [4000, 200, 400], [5000, 250, 500]],
    brokerOffsets: [5250],
    currentLag: 0,
    timeNow: 1000,
    allowedLag: 0,
    burrow: 'OK',
    ours: { Stable: 'OK', Empty: 'OK' },
  },
  {
    id: 'table 9',
    what: 'STOP by the timestamps: lag was zero at every commit, but new data arrived and nothing was committed since (#290)',
    commits: Array.from({ length: 15 }, (_, i) => [792748079 + i, 0, 1512224618 + i] as [number, number, number]),
    brokerOffsets: [792749024, 792749000, 792748800, 792748600, 792748500],
    currentLag: 931,
    timeNow: 1512224650,
    allowedLag: 0,
    burrow: 'STOP',
    ours: { Stable: 'STALL', Empty: 'STOP' },
    why: NO_COMMIT_TIMES,
  },
  {
    id: 'table 10',
    what: 'OK, though stopped by the timestamps, because the recent broker offsets show zero lag (#303)',
    commits: Array.from({ length: 15 }, (_, i) => [792748079 + i, 0, 1512224618 + i] as [number, number, number]),
    brokerOffsets: [792748094, 792748093, 792748093, 792748093],
    currentLag: 1,
    timeNow: 1512224650,
    allowedLag: 0,
    burrow: 'OK',
    ours: { Stable: 'OK', Empty: 'OK' },
  },
  {
    id: 'table 11',
    what: 'as case 0, with commits that carry no lag: they change nothing',
    commits: [
      [1000, 0, 100], [1500, null, 150], [2000, 50, 200], [2500, null, 250], [3000, 100, 300],
      [3500, null, 350], [4000, 150, 400], [4500, null, 450], [5000, 200, 500], [5500, null, 550],
    ],
    brokerOffsets: [5700],
    currentLag: 200,
    timeNow: 600,
    allowedLag: 0,
    burrow: 'OK',
    ours: { Stable: 'WARN', Empty: 'WARN' },
    oursByDefault: 'OK',
    why: 'as case 0: the poll at 600 s pushes the lag-0 poll out of the window (OK with the default warnMinLag)',
  },
  {
    id: 'table 12',
    what: 'OK: lag above zero and no commit for long enough, but within the allowed lag (1)',
    commits: [[1000, 2, 100], [2000, 1, 200], [2000, 1, 300]],
    brokerOffsets: [2001],
    currentLag: 1,
    timeNow: 550,
    allowedLag: 1,
    burrow: 'OK',
    ours: { Stable: 'OK', Empty: 'OK' },
  },
  {
    id: 'table 13',
    what: 'as case 5 (STALL) with an allowed lag of 99',
    commits: [[1000, 100, 100], [1000, 150, 200], [1000, 200, 300], [1000, 250, 400], [1000, 300, 500]],
    brokerOffsets: [1300],
    currentLag: 300,
    timeNow: 600,
    allowedLag: 99,
    burrow: 'STALL',
    ours: { Stable: 'STALL', Empty: 'STOP' },
    why: EMPTY_IS_STOP,
  },
  {
    id: 'table 14',
    what: 'as case 7 (a recovered rewind: OK) with an allowed lag of 99',
    commits: [[1000, 100, 100], [2000, 150, 200], [3000, 200, 300], [2000, 1250, 400], [4000, 300, 500]],
    brokerOffsets: [4300],
    currentLag: 300,
    timeNow: 600,
    allowedLag: 99,
    burrow: 'OK',
    ours: { Stable: 'OK', Empty: 'OK' },
  },
  {
    id: 'table 15',
    what: 'REWIND: the consumer did not get back to where it rewound from',
    commits: [[1000, 100, 100], [2000, 150, 200], [3000, 200, 300], [2000, 1250, 400], [2500, 300, 500]],
    brokerOffsets: [4300],
    currentLag: 300,
    timeNow: 600,
    allowedLag: 0,
    burrow: 'REWIND',
    ours: { Stable: 'REWIND', Empty: 'REWIND' },
  },
  {
    id: 'fixture testgroup',
    what: 'ten commits 10 s apart (1000 to 1900), broker at 4321: OK, total lag 2421',
    commits: Array.from({ length: 10 }, (_, i) => [1000 + i * 100, 4321 - (1000 + i * 100), i * 10] as [number, number, number]),
    brokerOffsets: [4321],
    currentLag: 2421,
    timeNow: 100,
    allowedLag: 0,
    burrow: 'OK',
    ours: { Stable: 'OK', Empty: 'OK' },
  },
  {
    id: 'fixture testgroup2',
    what: 'five commits in a ring of ten, the last 60 s ago after 40 s of commits: partition STOP, group ERR',
    commits: Array.from({ length: 5 }, (_, i) => [1000 + i * 100, 4321 - (1000 + i * 100), i * 10] as [number, number, number]),
    brokerOffsets: [4321],
    currentLag: 2921,
    timeNow: 100,
    allowedLag: 0,
    intervals: 10,
    burrow: 'ERR',
    ours: { Stable: 'OK', Empty: 'OK' },
    why:
      "Burrow calls it stopped because 60 s without a commit is more than the 40 s its five commits span (commit times); " +
      'the 10-poll window still holds the last commits, so ours waits until a whole window passes without movement ' +
      '(4 polls later: STALL with members, STOP without). Burrow reports a partition STOP as the group status ERR',
  },
  {
    id: 'fixture nosuchgroup',
    what: 'a group Burrow has no offsets for: NOTFOUND',
    commits: [],
    brokerOffsets: [],
    currentLag: 0,
    timeNow: 0,
    allowedLag: 0,
    missing: true,
    burrow: 'NOTFOUND',
    ours: { Stable: 'STOP', Empty: 'STOP' },
    why:
      'a monitor answers with a status, not HTTP 404: a named group CKafka reports Dead with no offsets is STOP saying ' +
      '"does not exist ... check the group name", on the first poll',
  },
  {
    id: 'fixture topic deleted',
    what: "the group's only topic deleted: OK, no partitions",
    commits: [],
    brokerOffsets: [],
    currentLag: 0,
    timeNow: 0,
    allowedLag: 0,
    intervals: 2,
    burrow: 'OK',
    ours: { Stable: 'OK', Empty: 'OK' },
  },
];
