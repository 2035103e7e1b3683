// Billing months ('YYYY-MM') and calendar dates ('YYYY-MM-DD') in an IANA time zone, with no date library:
// the zone's offset is read from Intl.DateTimeFormat and solved for around DST changes.

import { Remembered } from './remembered.js';

const DAY_MS = 86_400_000;
const MONTH_PATTERN = /^([1-9]\d{3})-(0[1-9]|1[0-2])$/;
const DATE_PATTERN = /^([1-9]\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

type Civil = { year: number; month: number; day: number };
type WallClock = Civil & { hour: number; minute: number; second: number };

/** Strict user-facing check: `YYYY-MM`, month 01–12, year 2000–2999. */
export function isMonth(text: string): boolean {
  return /^2\d{3}-(0[1-9]|1[0-2])$/.test(text);
}

/** 'HH:MM' on the zone's 24-hour clock. */
export function localTime(instant: Date, timeZone: string): string {
  const { hour, minute } = wallClockAt(instant.getTime(), timeZone);
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

export function monthOf(instant: Date, timeZone: string): string {
  const { year, month } = wallClockAt(instant.getTime(), timeZone);
  return formatMonth(year, month);
}

export function localDate(instant: Date, timeZone: string): string {
  return formatDate(wallClockAt(instant.getTime(), timeZone));
}

/** The instant the month begins in the zone: local midnight of the 1st (or the first instant after a DST gap). */
export function monthStart(month: string, timeZone: string): Date {
  const ms = monthStarts.of(`${timeZone} ${month}`, () => {
    const { year, month: m } = parseMonth(month);
    return wallClockToInstant({ year, month: m, day: 1, hour: 0, minute: 0, second: 0 }, timeZone);
  });
  return new Date(ms);
}

/** Every answer asks for the start of this month, and dates shown ask for theirs. */
const monthStarts = new Remembered<number>(1_024);

/** The instant a local date ('YYYY-MM-DD') begins in the zone. */
export function dayStart(date: string, timeZone: string): Date {
  return new Date(wallClockToInstant({ ...parseDate(date), hour: 0, minute: 0, second: 0 }, timeZone));
}

/** Strict user-facing check of a calendar date 'YYYY-MM-DD' that exists (no 2026-02-30). */
export function isDate(text: string): boolean {
  const match = /^(2\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.exec(text);
  return match !== null && Number(match[3]) <= daysInMonth(Number(match[1]), Number(match[2]));
}

export function addMonths(month: string, n: number): string {
  const { year, month: m } = parseMonth(month);
  return formatMonth(...monthsLater(year, m, n));
}

export function nextMonth(month: string): string {
  return addMonths(month, 1);
}

/** Every month from `fromInclusive` up to, not including, `toExclusive` (empty when it is not later). */
export function monthsBetween(fromInclusive: string, toExclusive: string): string[] {
  const count = monthIndex(toExclusive) - monthIndex(fromInclusive);
  return Array.from({ length: Math.max(count, 0) }, (_, i) => addMonths(fromInclusive, i));
}

/** Calendar arithmetic on 'YYYY-MM-DD': n months later, the day clamped (Jan 31 + 1 month = Feb 28/29). */
export function addMonthsToDate(date: string, n: number): string {
  const { year, month, day } = parseDate(date);
  const [y, m] = monthsLater(year, month, n);
  return formatDate({ year: y, month: m, day: Math.min(day, daysInMonth(y, m)) });
}

export function addDaysToDate(date: string, n: number): string {
  const { year, month, day } = parseDate(date);
  const d = new Date(Date.UTC(year, month - 1, day + n));
  return formatDate({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetweenDates(from: string, to: string): number {
  return (civilToUtcMs(parseDate(to)) - civilToUtcMs(parseDate(from))) / DAY_MS;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Gregorian: February has 29 days in years divisible by 4, except centuries not divisible by 400. */
function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!;
}

/** The year and month `n` months after (or before) a year and month. */
function monthsLater(year: number, month: number, n: number): [year: number, month: number] {
  const index = year * 12 + (month - 1) + n;
  return [Math.floor(index / 12), (index % 12) + 1];
}

function monthIndex(month: string): number {
  const { year, month: m } = parseMonth(month);
  return year * 12 + (m - 1);
}

function parseMonth(month: string): { year: number; month: number } {
  const match = MONTH_PATTERN.exec(month);
  if (!match) throw new RangeError(`not a month (YYYY-MM): ${JSON.stringify(month)}`);
  return { year: Number(match[1]), month: Number(match[2]) };
}

function parseDate(date: string): Civil {
  const match = DATE_PATTERN.exec(date);
  if (!match) throw new RangeError(`not a date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  const civil = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  if (civil.day > daysInMonth(civil.year, civil.month)) throw new RangeError(`no such date: ${date}`);
  return civil;
}

function formatMonth(year: number, month: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

function formatDate({ year, month, day }: Civil): string {
  return `${formatMonth(year, month)}-${String(day).padStart(2, '0')}`;
}

function civilToUtcMs({ year, month, day }: Civil): number {
  return Date.UTC(year, month - 1, day);
}

function wallToUtcMs(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Readings already made, by zone and whole second (the formatter shows no finer): `formatToParts` was a hot spot of
 * every answer, which reads the same few instants (now, the month's start and the offsets around it) many times.
 */
const wallClocks = new Remembered<Readonly<WallClock>>(4_096);

function wallClockAt(ms: number, timeZone: string): WallClock {
  if (!Number.isFinite(ms)) throw new RangeError('invalid date');
  const known = wallClocks.of(`${timeZone} ${Math.floor(ms / 1000)}`, () => {
    const wall: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    for (const part of formatterFor(timeZone).formatToParts(ms)) {
      if (part.type in wall) wall[part.type as keyof WallClock] = Number(part.value);
    }
    return wall;
  });
  return { ...known };
}

/** How far the zone's wall clock is ahead of UTC at this instant. */
function offsetAt(ms: number, timeZone: string): number {
  return wallToUtcMs(wallClockAt(ms, timeZone)) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a wall-clock reading happens in the zone. The offset depends on the very instant being solved
 * for, so each offset in effect nearby is tried and kept if it maps back to itself. A reading that happens
 * twice (clocks set back) takes the earlier; one skipped by a DST gap takes the offset from before the gap,
 * landing just after it — so the result always lies on the intended local day.
 */
function wallClockToInstant(wall: WallClock, timeZone: string): number {
  const wallMs = wallToUtcMs(wall);
  const offsets = new Set([wallMs - DAY_MS, wallMs, wallMs + DAY_MS].map((ms) => offsetAt(ms, timeZone)));
  const candidates = [...offsets].map((offset) => wallMs - offset);
  const exact = candidates.filter((ms) => offsetAt(ms, timeZone) === wallMs - ms);
  return exact.length > 0 ? Math.min(...exact) : Math.max(...candidates);
}
