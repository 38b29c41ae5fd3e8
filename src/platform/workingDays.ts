/**
 * School working days on the Europe/London calendar.
 *
 * Every date here is a calendar date written 'YYYY-MM-DD' (a LocalDate). Arithmetic
 * is done on calendar dates (Date.UTC at midnight is only used as a day counter),
 * never on multiples of 24 hours, so the clock changes at the end of March and
 * October cannot shift a day. A wall-clock time on a date becomes a UTC instant
 * only at the edge, with Intl (zonedTimeToUtc).
 */

/** A calendar date, 'YYYY-MM-DD'. */
export type LocalDate = string;

export const SCHOOL_TIME_ZONE = 'Europe/London';

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLocalDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Day number since 1970-01-01 of a calendar date (no time zone involved). */
function dayNumber(date: LocalDate): number {
  const m = DATE_RE.exec(date);
  if (!m || !isLocalDate(date)) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}

function fromDayNumber(n: number): LocalDate {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addCalendarDays(date: LocalDate, n: number): LocalDate {
  return fromDayNumber(dayNumber(date) + n);
}

/** Calendar days from a to b (b - a). */
export function calendarDaysBetween(a: LocalDate, b: LocalDate): number {
  return dayNumber(b) - dayNumber(a);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: LocalDate): number {
  return new Date(dayNumber(date) * DAY_MS).getUTCDay();
}

export function isWeekend(date: LocalDate): boolean {
  const d = dayOfWeek(date);
  return d === 0 || d === 6;
}

export function isWorkingDay(date: LocalDate, holidays: ReadonlySet<string>): boolean {
  return !isWeekend(date) && !holidays.has(date);
}

/** The date itself when it is a working day, else the next working day. */
export function nextWorkingDay(date: LocalDate, holidays: ReadonlySet<string>): LocalDate {
  let d = date;
  for (let i = 0; i < 400 && !isWorkingDay(d, holidays); i++) d = addCalendarDays(d, 1);
  return d;
}

/** The date itself when it is a working day, else the working day before it. */
export function previousWorkingDay(date: LocalDate, holidays: ReadonlySet<string>): LocalDate {
  let d = date;
  for (let i = 0; i < 400 && !isWorkingDay(d, holidays); i++) d = addCalendarDays(d, -1);
  return d;
}

/**
 * n working days after (n > 0) or before (n < 0) the date; the start date itself
 * is never counted. n = 0 returns the date unchanged (even if it is not a working day).
 */
export function addWorkingDays(date: LocalDate, n: number, holidays: ReadonlySet<string>): LocalDate {
  if (!Number.isInteger(n)) throw new RangeError(`working days must be a whole number: ${n}`);
  const step = n < 0 ? -1 : 1;
  let d = date;
  let left = Math.abs(n);
  let guard = 0;
  while (left > 0) {
    d = addCalendarDays(d, step);
    if (isWorkingDay(d, holidays)) left--;
    if (++guard > 5000) throw new RangeError('too many non-working days in a row');
  }
  return d;
}

/**
 * Working days from `from` to `to`: those after `from` up to and including `to`
 * (Monday → Friday of one week is 4). Negative when `to` is before `from`.
 */
export function workingDaysBetween(from: LocalDate, to: LocalDate, holidays: ReadonlySet<string>): number {
  const a = dayNumber(from);
  const b = dayNumber(to);
  if (a === b) return 0;
  const [lo, hi, sign] = a < b ? [a, b, 1] : [b, a, -1];
  let count = 0;
  for (let n = lo + 1; n <= hi; n++) if (isWorkingDay(fromDayNumber(n), holidays)) count++;
  return sign * count;
}

/** Holidays as a set of dates, from single days or inclusive ranges. */
export function holidaySet(entries: readonly (LocalDate | { start: LocalDate; end: LocalDate })[]): Set<string> {
  const set = new Set<string>();
  for (const e of entries) {
    if (typeof e === 'string') {
      dayNumber(e);
      set.add(e);
      continue;
    }
    const span = calendarDaysBetween(e.start, e.end);
    if (span < 0 || span > 366) throw new RangeError(`bad holiday range ${e.start}..${e.end}`);
    for (let i = 0; i <= span; i++) set.add(addCalendarDays(e.start, i));
  }
  return set;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallClock(instant: Date, timeZone: string): { date: LocalDate; ms: number } {
  const parts = formatter(timeZone).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const date = `${String(get('year')).padStart(4, '0')}-${String(get('month')).padStart(2, '0')}-${String(get('day')).padStart(2, '0')}`;
  const ms = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return { date, ms };
}

/** The calendar date an instant falls on in the time zone. */
export function localDateOf(instant: Date, timeZone = SCHOOL_TIME_ZONE): LocalDate {
  return wallClock(instant, timeZone).date;
}

/** The zone's offset from UTC at an instant, in minutes (London: 0 in winter, 60 in summer). */
export function zoneOffsetMinutes(instant: Date, timeZone = SCHOOL_TIME_ZONE): number {
  const whole = Math.floor(instant.getTime() / 1000) * 1000;
  return (wallClock(new Date(whole), timeZone).ms - whole) / 60_000;
}

/**
 * The UTC instant of a wall-clock time ('HH:MM') on a calendar date in the zone.
 * A time skipped by the spring clock change is taken as the same instant an hour on;
 * a repeated autumn time is its first occurrence.
 */
export function zonedTimeToUtc(date: LocalDate, time: string, timeZone = SCHOOL_TIME_ZONE): Date {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new RangeError(`not a time (HH:MM): ${time}`);
  const wall = dayNumber(date) * DAY_MS + (Number(m[1]) * 60 + Number(m[2])) * 60_000;
  const before = zoneOffsetMinutes(new Date(wall - DAY_MS), timeZone);
  const after = zoneOffsetMinutes(new Date(wall + DAY_MS), timeZone);
  const candidates = [...new Set([before, after])].map((offset) => wall - offset * 60_000);
  const valid = candidates.filter((c) => wallClock(new Date(c), timeZone).ms === wall);
  // In the spring gap no candidate shows that wall time: read it with the offset before the change.
  return new Date(valid.length > 0 ? Math.min(...valid) : wall - before * 60_000);
}
