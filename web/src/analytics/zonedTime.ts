// Wall-clock maths in a named IANA time zone (the browser's, sent to the statistics as `tz`):
// local midnights and month starts as unix ms, and the wall time of an instant. Written on
// `Intl.DateTimeFormat` rather than `Date`'s local methods so that every function takes its zone
// and is tested in zones other than the machine's (half-hour offsets, daylight-saving days).
import { HOUR } from "../playback/time";

export interface WallTime {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, found);
  }
  return found;
}

/** The zone the browser runs in (an IANA name), "UTC" when it names none. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** The wall clock in `timeZone` at `ms`. */
export function wallTime(ms: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: (parts.hour ?? 0) % 24,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** How far `timeZone`'s wall clock is ahead of UTC at `ms` (negative west of Greenwich). */
export function offsetMs(ms: number, timeZone: string): number {
  const wall = wallTime(ms, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant of a wall time in `timeZone` (month 1..12; a day or month past its end rolls
 * over, as `Date.UTC` does). A wall time a daylight-saving change skips is read with the offset
 * before the change, so it lands just after the gap, as Python's zoneinfo does on the server.
 */
export function instant(timeZone: string, year: number, month: number, day: number, hour = 0): number {
  const wallAsUtc = Date.UTC(year, month - 1, day, hour);
  const first = wallAsUtc - offsetMs(wallAsUtc, timeZone);
  const second = wallAsUtc - offsetMs(first, timeZone);
  const wall = wallTime(second, timeZone);
  const exact = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute) === wallAsUtc;
  return exact ? second : Math.max(first, second);
}

/** The local midnight that begins the day of `ms`. */
export function startOfDay(ms: number, timeZone: string): number {
  const wall = wallTime(ms, timeZone);
  return instant(timeZone, wall.year, wall.month, wall.day);
}

/** The local midnight `days` days after the day of `ms` (before it when negative). */
export function addDays(ms: number, days: number, timeZone: string): number {
  const wall = wallTime(ms, timeZone);
  return instant(timeZone, wall.year, wall.month, wall.day + days);
}

/** The local midnight that begins the month of `ms`. */
export function startOfMonth(ms: number, timeZone: string): number {
  const wall = wallTime(ms, timeZone);
  return instant(timeZone, wall.year, wall.month, 1);
}

/** The first local midnight of the month `months` after the month of `ms`. */
export function addMonths(ms: number, months: number, timeZone: string): number {
  const wall = wallTime(ms, timeZone);
  return instant(timeZone, wall.year, wall.month + months, 1);
}

/** The first whole UTC hour at or after `ms`: where the statistics' hourly rows can begin. */
export function ceilHour(ms: number): number {
  return Math.ceil(ms / HOUR) * HOUR;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** "2026-11-25" in `timeZone`. */
export function formatDay(ms: number, timeZone: string): string {
  const wall = wallTime(ms, timeZone);
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)}`;
}

/** "2026-11" in `timeZone`. */
export function formatMonth(ms: number, timeZone: string): string {
  const wall = wallTime(ms, timeZone);
  return `${wall.year}-${pad(wall.month)}`;
}

/** "14:30" in `timeZone`. */
export function formatClock(ms: number, timeZone: string): string {
  const wall = wallTime(ms, timeZone);
  return `${pad(wall.hour)}:${pad(wall.minute)}`;
}
