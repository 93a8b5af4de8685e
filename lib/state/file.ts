/**
 * The embedded state store: one JSON file per key in a directory. Writers of one key take a
 * lock file first, so two runs on one machine (SCF instance, CLI) never both win a
 * compare-and-set; readers take no lock, because a write is a rename and never half-visible.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UnreadableStateError, type Append, type SeriesPoint, type StateStore, type Versioned } from './types';

/** A series lives in hourly files, so dropping old points is deleting whole files, never rewriting one. */
const BUCKET_MS = 3_600_000;

/** A lock older than this is taken over even if its pid looks alive (hung, or a reused pid). */
const STALE_LOCK_MS = 10_000;
/** Longer than STALE_LOCK_MS, so a waiter outlives a dead owner's lock rather than giving up. */
const LOCK_WAIT_MS = 20_000;

interface ValueFile {
  version: string;
  value: unknown;
}
interface ListFile {
  items: unknown[];
}

/**
 * The hour each series directory was last trimmed to, for the whole process: a run opens its
 * own store, so a map per store would list every series' directory on every run (a thousand
 * monitors: a thousand listings a run, most of a history write's cost).
 */
const trimmedHour = new Map<string, number>();

/** The hours a series directory's file names hold, oldest first. */
function bucketsIn(names: readonly string[]): number[] {
  return names.map((n) => /^(\d+)\.jsonl$/.exec(n)?.[1]).filter((x): x is string => x !== undefined).map(Number).sort((a, b) => a - b);
}

/** A directory's names; undefined when it cannot be listed (the trim then says why). */
function listSync(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
}

export class FileStore implements StateStore {
  private made?: Promise<void>;

  /** `deadlineAt` (epoch ms): no lock is waited for past it, so a held lock cannot outlast the run. */
  constructor(
    private readonly dir: string,
    private readonly opts: { deadlineAt?: number } = {},
  ) {}

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const data = await this.read(key);
    if (data === undefined) return undefined;
    const d = data as Partial<ValueFile>;
    if (typeof d.version !== 'string' || d.version === '' || !('value' in d)) {
      throw new UnreadableStateError(key, this.file(key), 'items' in data ? 'holds a list, not a value' : 'not a value record');
    }
    return { value: d.value as T, version: d.version };
  }

  /**
   * With `appends`, the lists are written first and the value last, all under the locks: a
   * crash in between leaves the value (the outbox entry) in place, and the items carry an `id`
   * that is never appended twice, so the next run's redo adds nothing twice. Either way no
   * entry leaves the outbox without its dead letter.
   */
  async compareAndSet<T>(key: string, expected: string | undefined, value: T, appends: readonly Append[] = [], version = newVersion()): Promise<boolean> {
    return this.locked(key, async () => {
      if ((await this.version(key)) !== expected) return false;
      const commit = async (i: number): Promise<void> => {
        const a = appends[i];
        if (!a) return this.write(key, { version, value } satisfies ValueFile);
        return this.locked(a.key, async () => {
          const had = await this.list<{ id?: unknown }>(a.key);
          const seen = new Set(had.map((x) => x?.id).filter((id): id is string => typeof id === 'string'));
          const fresh = a.items.filter((x) => !seen.has((x as { id?: string } | null)?.id ?? '\u0000'));
          if (fresh.length) await this.write(a.key, { items: [...had, ...fresh].slice(-a.max) } satisfies ListFile);
          await commit(i + 1);
        });
      };
      await commit(0);
      return true;
    });
  }

  /**
   * The key's version, read from the head of the file where write() puts it: parsing the whole
   * value again under the lock, only to compare its version, cost the state's size in heap on
   * every commit. A file that does not start that way (a hand edit) is read in full.
   */
  async version(key: string): Promise<string | undefined> {
    let head = '';
    try {
      const fh = await open(this.file(key), 'r');
      try {
        const buf = Buffer.alloc(64);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        head = buf.toString('latin1', 0, bytesRead);
      } finally {
        await fh.close();
      }
    } catch (err) {
      if (code(err) === 'ENOENT') return undefined;
      throw fsError('read', this.file(key), err);
    }
    const m = /^\{"version":"([A-Za-z0-9_-]+)","value":/.exec(head);
    return m ? m[1] : (await this.get(key))?.version;
  }

  async quarantine(key: string, kind: 'value' | 'list', version?: string): Promise<string | undefined> {
    return this.locked(key, async () => {
      const path = this.file(key);
      let unreadable = false;
      try {
        const data = await this.read(key);
        if (data === undefined) return undefined;
        if (version !== undefined) unreadable = (data as Partial<ValueFile>).version === version;
        else if (kind === 'list') await this.list(key);
        else await this.get(key);
      } catch (err) {
        if (!(err instanceof UnreadableStateError)) throw err;
        unreadable = true;
      }
      if (!unreadable) return undefined;
      const aside = join(this.dir, `${fileName(key)}.unreadable-${new Date().toISOString().replace(/[:.]/g, '')}-${newVersion().slice(0, 6)}.json`);
      try {
        await rename(path, aside);
      } catch (err) {
        if (code(err) === 'ENOENT') return undefined;
        throw fsError('move aside', path, err);
      }
      return aside;
    });
  }

  async append<T>(key: string, item: T, max: number): Promise<void> {
    if (!(max >= 1)) throw new RangeError(`state key ${key}: max must be at least 1, got ${max}`);
    await this.locked(key, async () => {
      const items = [...(await this.list(key)), item].slice(-max);
      await this.write(key, { items } satisfies ListFile);
    });
  }

  async list<T>(key: string): Promise<T[]> {
    const data = await this.read(key);
    if (data === undefined) return [];
    if (!('items' in data) || !Array.isArray(data.items)) {
      throw new UnreadableStateError(key, this.file(key), 'version' in data ? 'holds a value, not a list' : 'not a list record');
    }
    return data.items as T[];
  }

  /**
   * Appends one line per point, unlocked and unsynced: O_APPEND keeps two writers' lines apart,
   * and a line cut by a crash is skipped on reading. A lost point is a gap in a chart, not a
   * lost alert, so history is not worth an fsync per monitor per run.
   */
  async addPoints(points: readonly SeriesPoint[], keepAfter: number): Promise<void> {
    // One file per series and hour; a series' directory name is worked out once per run.
    const series = new Map<string, { dir: string; files: Map<number, string[]> }>();
    for (const p of points) {
      let s = series.get(p.key);
      if (!s) series.set(p.key, (s = { dir: this.seriesDir(p.key), files: new Map() }));
      const bucket = Math.floor(p.at / BUCKET_MS);
      const lines = s.files.get(bucket);
      const line = JSON.stringify([p.at, p.item]);
      if (lines) lines.push(line);
      else s.files.set(bucket, [line]);
    }
    await this.ensureDir();
    const hour = Math.floor(keepAfter / BUCKET_MS);
    // Synchronous on purpose: a hundred small appends through the thread pool cost tens of
    // milliseconds in hand-offs, written in place they cost a few.
    for (const { dir, files } of series.values()) {
      for (const [bucket, lines] of files) {
        const file = `${dir}/${bucket}.jsonl`;
        const text = lines.length === 1 ? `${lines[0]}\n` : `${lines.join('\n')}\n`;
        try {
          try {
            appendFileSync(file, text);
          } catch (err) {
            if (code(err) !== 'ENOENT') throw err;
            mkdirSync(dir, { recursive: true });
            appendFileSync(file, text);
            // A directory made just now holds nothing to trim.
            trimmedHour.set(dir, hour);
          }
        } catch (err) {
          throw fsError('write', file, err);
        }
      }
    }
    // Whole hours only, and once an hour per series in a process: a warm instance pays a
    // directory listing per series per hour, not per run. Listed in place, like the appends;
    // only a series holding an hour at or before the cut goes on to be trimmed.
    const due: string[] = [];
    for (const [key, { dir }] of series) {
      if ((trimmedHour.get(dir) ?? -1) >= hour) continue;
      const names = listSync(dir);
      if (!names || bucketsIn(names).some((h) => h <= hour)) due.push(key);
      else trimmedHour.set(dir, hour);
    }
    if (due.length) await this.trimPoints(due, keepAfter);
  }

  async points<T>(key: string, from: number, to: number): Promise<{ at: number; item: T }[]> {
    const buckets = (await this.buckets(key)).filter((h) => (h + 1) * BUCKET_MS > from && h * BUCKET_MS <= to);
    const texts = await Promise.all(buckets.map((h) => readFile(join(this.seriesDir(key), `${h}.jsonl`), 'utf8').catch(() => '')));
    const out: { at: number; item: T }[] = [];
    for (const text of texts) {
      for (const line of text.split('\n')) {
        if (!line) continue;
        let row: unknown;
        try {
          row = JSON.parse(line);
        } catch {
          continue;
        }
        if (!Array.isArray(row) || typeof row[0] !== 'number') continue;
        if (row[0] >= from && row[0] <= to) out.push({ at: row[0], item: row[1] as T });
      }
    }
    // Two writers may interleave within an hour.
    return out.sort((a, b) => a.at - b.at);
  }

  async trimPoints(keys: readonly string[], before: number): Promise<number> {
    let dropped = 0;
    const hour = Math.floor(before / BUCKET_MS);
    for (const key of keys) {
      for (const h of await this.buckets(key)) {
        const file = join(this.seriesDir(key), `${h}.jsonl`);
        if ((h + 1) * BUCKET_MS <= before) {
          const text = await readFile(file, 'utf8').catch(() => '');
          await unlink(file).catch(() => {});
          dropped += text.split('\n').filter(Boolean).length;
        } else if (h === hour) {
          // The hour that straddles the cut: rewritten only here (cleanup), never on a run.
          const text = await readFile(file, 'utf8').catch(() => '');
          const lines = text.split('\n').filter(Boolean);
          const kept = lines.filter((l) => {
            const at = Number(/^\[(\d+)/.exec(l)?.[1]);
            return !(at < before);
          });
          if (kept.length < lines.length) {
            dropped += lines.length - kept.length;
            await this.writeText(file, kept.length ? kept.join('\n') + '\n' : '');
          }
        }
      }
      trimmedHour.set(this.seriesDir(key), hour);
    }
    return dropped;
  }

  async close(): Promise<void> {}

  /** The `.series` suffix cannot collide with a key's `.json`, `.lock` or `.tmp` (fileName has no dots). */
  private seriesDir(key: string): string {
    return join(this.dir, `${fileName(key)}.series`);
  }

  private async buckets(key: string): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.seriesDir(key));
    } catch (err) {
      if (code(err) === 'ENOENT') return [];
      throw fsError('read', this.seriesDir(key), err);
    }
    return bucketsIn(names);
  }

  private async writeText(path: string, text: string): Promise<void> {
    const tmp = `${path}.${process.pid}.${newVersion()}.tmp`;
    try {
      await writeFileAtomic(tmp, text);
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw fsError('write', path, err);
    }
  }

  private file(key: string, suffix = '.json'): string {
    return join(this.dir, fileName(key) + suffix);
  }

  private async read(key: string): Promise<ValueFile | ListFile | undefined> {
    const path = this.file(key);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (code(err) === 'ENOENT') return undefined;
      throw fsError('read', path, err);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new UnreadableStateError(key, path, text.length === 0 ? 'empty' : 'not valid JSON');
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UnreadableStateError(key, path, 'not a state record');
    return data as ValueFile | ListFile;
  }

  /** Temp file, fsync, rename: after a crash the key holds the old or the new value, never a mix. */
  private async write(key: string, data: ValueFile | ListFile): Promise<void> {
    const path = this.file(key);
    const tmp = join(this.dir, `.${fileName(key)}.${process.pid}.${newVersion()}.tmp`);
    try {
      const fh = await open(tmp, 'wx');
      try {
        // In pieces: the whole state as one string, and that string as one buffer, were twice
        // the state's size in memory at once.
        let chunk = '';
        for (const piece of jsonPieces(data, 4)) {
          chunk += piece;
          if (chunk.length >= WRITE_CHUNK) {
            await fh.write(chunk);
            chunk = '';
          }
        }
        await fh.write(chunk);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw fsError('write', path, err);
    }
  }

  private ensureDir(): Promise<void> {
    this.made ??= mkdir(this.dir, { recursive: true }).then(
      () => undefined,
      (err) => {
        this.made = undefined;
        throw fsError('create the directory', this.dir, err);
      },
    );
    return this.made;
  }

  private async locked<R>(key: string, body: () => Promise<R>): Promise<R> {
    await this.ensureDir();
    const lock = this.file(key, '.lock');
    const token = await acquire(lock, this.opts.deadlineAt);
    try {
      return await body();
    } finally {
      await release(lock, token);
    }
  }
}

/**
 * Letters, digits, `_` and `-` stay; every other UTF-8 byte becomes %XX. Names never contain
 * a dot, so the `.json` / `.lock` / `.tmp` suffixes cannot collide with another key's file.
 * Long keys are cut and end in a hash, inside the usual 255-byte name limit.
 */
export function fileName(key: string): string {
  let name = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(byte);
    name += /[A-Za-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (name.length <= 180) return name;
  // '~' is never produced above, so a shortened name cannot equal a plain one.
  return `${name.slice(0, 100)}~${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

async function writeFileAtomic(tmp: string, text: string): Promise<void> {
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const WRITE_CHUNK = 64 * 1024;

/**
 * JSON.stringify(v), as a sequence of pieces that join to exactly its text: plain objects and
 * lists are walked `depth` levels down, anything below (or not plain) is stringified whole.
 */
export function* jsonPieces(v: unknown, depth: number): Generator<string> {
  if (depth <= 0 || typeof v !== 'object' || v === null) {
    yield JSON.stringify(v);
    return;
  }
  if (Array.isArray(v)) {
    yield '[';
    for (let i = 0; i < v.length; i++) {
      if (i) yield ',';
      if (omitted(v[i])) yield 'null';
      else yield* jsonPieces(v[i], depth - 1);
    }
    yield ']';
    return;
  }
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    yield JSON.stringify(v);
    return;
  }
  yield '{';
  let first = true;
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (omitted(x)) continue;
    yield `${first ? '' : ','}${JSON.stringify(k)}:`;
    first = false;
    yield* jsonPieces(x, depth - 1);
  }
  yield '}';
}

/** What JSON.stringify leaves out of an object (and writes as null in a list). */
const omitted = (x: unknown) => x === undefined || typeof x === 'function' || typeof x === 'symbol';

function newVersion(): string {
  return randomBytes(12).toString('base64url');
}

/** Creates the lock file exclusively; its content says who holds it and since when. */
async function acquire(lock: string, runDeadline = Infinity): Promise<string> {
  const token = `${process.pid} ${Date.now()} ${newVersion()}`;
  const deadline = Math.min(Date.now() + LOCK_WAIT_MS, runDeadline);
  for (;;) {
    try {
      const fh = await open(lock, 'wx');
      try {
        await fh.writeFile(token);
      } finally {
        await fh.close();
      }
      return token;
    } catch (err) {
      if (code(err) !== 'EEXIST') throw fsError('create the lock', lock, err);
    }
    if (await isStale(lock)) await breakLock(lock);
    else if (Date.now() > deadline) {
      throw new Error(
        deadline === runDeadline ? `state store: ${lock} still held at the run's deadline` : `state store: ${lock} still held after ${LOCK_WAIT_MS / 1000} s`,
      );
    }
    else await sleep(2 + Math.random() * 8);
  }
}

async function release(lock: string, token: string): Promise<void> {
  // Only our own lock: if we were slow enough to be taken over, the file is someone else's now.
  if ((await readText(lock)) === token) await unlink(lock).catch(() => {});
}

async function isStale(lock: string): Promise<boolean> {
  const text = await readText(lock);
  if (text === undefined) return false;
  const [pid, since] = text.split(' ').map(Number);
  if (!pid || !since) {
    // Created but not yet written, or its owner died in between: only age can tell.
    const s = await stat(lock).catch(() => undefined);
    return s !== undefined && Date.now() - s.mtimeMs > STALE_LOCK_MS;
  }
  return !isAlive(pid) || Date.now() - since > STALE_LOCK_MS;
}

/**
 * Waiters that all saw one stale lock must not each delete it: the second would delete the
 * fresh lock the first one just took. So breaking needs its own short lock, and the lock is
 * deleted only if it is still the stale one that was judged.
 */
async function breakLock(lock: string): Promise<void> {
  const breaker = `${lock}.break`;
  let fh;
  try {
    fh = await open(breaker, 'wx');
  } catch (err) {
    if (code(err) !== 'EEXIST') throw fsError('create the lock', breaker, err);
    // Held for microseconds; an old one means its owner died mid-break.
    const s = await stat(breaker).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > STALE_LOCK_MS) await unlink(breaker).catch(() => {});
    await sleep(5);
    return;
  }
  try {
    if (await isStale(lock)) await unlink(lock).catch(() => {});
  } finally {
    await fh.close();
    await unlink(breaker).catch(() => {});
  }
}

/** Same machine, same pid namespace: the runs that share a state directory share both. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return code(err) !== 'ESRCH';
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function fsError(what: string, path: string, err: unknown): Error {
  const e = new Error(`state store: cannot ${what} ${path}: ${code(err) ?? (err as Error).message}`);
  (e as NodeJS.ErrnoException).code = code(err);
  return e;
}
