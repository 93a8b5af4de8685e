/**
 * 5-field cron (minute hour day-of-month month day-of-week) for maintenance windows, with the
 * usual forms: `*`, `5`, `1-5`, `*\/15`, `1-30/2`, lists, month and weekday names, 7 = Sunday.
 * As in Vixie cron, when both day fields are restricted a day matches either of them.
 */
export interface Cron {
  minute: Set<number>;
  hour: Set<number>;
  dayOfMonth: Set<number>;
  month: Set<number>;
  dayOfWeek: Set<number>;
  anyDayOfMonth: boolean;
  anyDayOfWeek: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function parseField(field: string, min: number, max: number, names: string[] = [], nameBase = 0): Set<number> {
  const value = (s: string): number => {
    const i = names.indexOf(s.toLowerCase());
    if (i >= 0) return i + nameBase;
    if (!/^\d+$/.test(s)) throw new Error(`bad value "${s}"`);
    const n = Number(s);
    if (n < min || n > max) throw new Error(`${n} is outside ${min}-${max}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const pieces = part.split('/');
    if (pieces.length > 2) throw new Error(`bad step in "${part}"`);
    const [range, stepText] = pieces as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in "${part}"`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      const ends = range.split('-');
      if (ends.length !== 2) throw new Error(`bad range "${range}"`);
      const [a, b] = ends as [string, string];
      [lo, hi] = [value(a), value(b)];
      if (lo > hi) throw new Error(`range "${range}" goes backwards`);
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    for (let n = lo; n <= hi; n += step) out.add(n);
  }
  return out;
}

export function parseCron(expr: string): Cron {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected 5 fields, got ${fields.length}`);
  const [mi, h, dom, mon, dow] = fields as [string, string, string, string, string];
  const dayOfWeek = parseField(dow, 0, 7, DAYS);
  if (dayOfWeek.delete(7)) dayOfWeek.add(0);
  return {
    minute: parseField(mi, 0, 59),
    hour: parseField(h, 0, 23),
    dayOfMonth: parseField(dom, 1, 31),
    month: parseField(mon, 1, 12, MONTHS, 1),
    dayOfWeek,
    anyDayOfMonth: dom.startsWith('*'),
    anyDayOfWeek: dow.startsWith('*'),
  };
}

/** Wall-clock fields of an instant in a time zone. */
export interface WallClock {
  minute: number;
  hour: number;
  day: number;
  month: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

export function wallClock(ms: number, timeZone: string): WallClock {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      minute: 'numeric',
      hour: 'numeric',
      day: 'numeric',
      month: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(ms)) parts[p.type] = p.value;
  return {
    minute: Number(parts.minute),
    hour: Number(parts.hour),
    day: Number(parts.day),
    month: Number(parts.month),
    weekday: DAYS.indexOf((parts.weekday ?? '').toLowerCase()),
  };
}

export function cronMatches(c: Cron, w: WallClock): boolean {
  if (!c.minute.has(w.minute) || !c.hour.has(w.hour) || !c.month.has(w.month)) return false;
  const dom = c.dayOfMonth.has(w.day);
  const dow = c.dayOfWeek.has(w.weekday);
  if (c.anyDayOfMonth || c.anyDayOfWeek) return dom && dow;
  return dom || dow;
}

/**
 * The start of the window that contains `now`, if any: a minute matching the cron no more than
 * `durationMinutes` ago (the window is [start, start + duration)).
 */
export function activeWindowStart(expr: string, durationMinutes: number, timeZone: string, now: number): number | undefined {
  const c = parseCron(expr);
  const thisMinute = now - (now % 60_000);
  const earliest = thisMinute - (durationMinutes - 1) * 60_000;
  // Intl is slow (tens of microseconds a call) and a window may span a week of minutes; while
  // the zone's offset is the same at both ends (no DST change inside), wall time is plain
  // arithmetic on the UTC fields.
  const offset = offsetMs(thisMinute, timeZone);
  const steady = offset === offsetMs(earliest, timeZone);
  for (let t = thisMinute; t >= earliest; t -= 60_000) {
    if (cronMatches(c, steady ? shifted(t + offset) : wallClock(t, timeZone))) return t;
  }
  return undefined;
}

function shifted(ms: number): WallClock {
  const d = new Date(ms);
  return { minute: d.getUTCMinutes(), hour: d.getUTCHours(), day: d.getUTCDate(), month: d.getUTCMonth() + 1, weekday: d.getUTCDay() };
}

/** The zone's offset from UTC at an instant (wall time minus UTC). */
function offsetMs(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const u = new Date(ms);
  // Wall and UTC differ by less than a day: rebuild wall time on UTC's date, then fix the day.
  let wall = Date.UTC(u.getUTCFullYear(), u.getUTCMonth(), u.getUTCDate(), w.hour, w.minute);
  const utc = ms - (ms % 60_000);
  if (w.day !== u.getUTCDate()) wall += (wall < utc ? 1 : -1) * 86_400_000;
  return wall - utc;
}
