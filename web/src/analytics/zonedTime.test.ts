// Wall-clock maths in named zones: offsets, midnights across daylight-saving changes, half-hour
// zones, and a midnight that a change skips.
import {
  addDays,
  addMonths,
  ceilHour,
  formatClock,
  formatDay,
  formatMonth,
  instant,
  offsetMs,
  startOfDay,
  startOfMonth,
  wallTime,
} from "./zonedTime";

const HOUR = 3_600_000;
const NOON_UTC = Date.UTC(2026, 10, 25, 12, 0, 0); // Wednesday 25 November 2026

describe("wall time and offset", () => {
  it("reads the wall clock of a zone", () => {
    expect(wallTime(NOON_UTC, "Asia/Kolkata")).toEqual({ year: 2026, month: 11, day: 25, hour: 17, minute: 30, second: 0 });
    expect(wallTime(NOON_UTC, "America/New_York").hour).toBe(7);
    expect(wallTime(Date.UTC(2026, 10, 25, 23, 59, 59), "UTC")).toEqual({
      year: 2026,
      month: 11,
      day: 25,
      hour: 23,
      minute: 59,
      second: 59,
    });
  });

  it("knows each zone's offset, summer and winter", () => {
    expect(offsetMs(NOON_UTC, "UTC")).toBe(0);
    expect(offsetMs(NOON_UTC, "Asia/Kolkata")).toBe(5.5 * HOUR);
    expect(offsetMs(NOON_UTC, "America/New_York")).toBe(-5 * HOUR);
    expect(offsetMs(Date.UTC(2026, 6, 1), "America/New_York")).toBe(-4 * HOUR);
    expect(offsetMs(NOON_UTC + 123, "Asia/Kolkata")).toBe(5.5 * HOUR); // milliseconds do not count
  });
});

describe("midnights", () => {
  it("finds the local midnight of a day", () => {
    expect(startOfDay(NOON_UTC, "UTC")).toBe(Date.UTC(2026, 10, 25));
    expect(startOfDay(NOON_UTC, "Asia/Kolkata")).toBe(Date.UTC(2026, 10, 24, 18, 30));
    expect(startOfDay(NOON_UTC, "America/New_York")).toBe(Date.UTC(2026, 10, 25, 5));
    expect(startOfDay(Date.UTC(2026, 10, 25, 20), "Asia/Kolkata")).toBe(Date.UTC(2026, 10, 25, 18, 30));
  });

  it("steps over days of 23 and 25 hours", () => {
    const before = Date.UTC(2026, 2, 7, 12); // New York moves its clocks on Sunday 8 March 2026
    const saturday = startOfDay(before, "America/New_York");
    const sunday = addDays(saturday, 1, "America/New_York");
    const monday = addDays(saturday, 2, "America/New_York");
    expect(sunday - saturday).toBe(24 * HOUR);
    expect(monday - sunday).toBe(23 * HOUR);
    const november = startOfDay(Date.UTC(2026, 10, 1, 12), "America/New_York"); // back on 1 November
    expect(addDays(november, 1, "America/New_York") - november).toBe(25 * HOUR);
    expect(addDays(saturday, -7, "America/New_York")).toBe(Date.UTC(2026, 1, 28, 5));
  });

  it("reads a skipped midnight after the gap, as the server does", () => {
    // Santiago skips from 00:00 to 01:00 on 6 September 2026: Python's zoneinfo (fold 0) says
    // that midnight is 04:00 UTC, which is 01:00 local.
    expect(instant("America/Santiago", 2026, 9, 6)).toBe(1_788_667_200_000);
    expect(instant("America/Santiago", 2026, 9, 5)).toBe(1_788_580_800_000);
    expect(startOfDay(Date.UTC(2026, 8, 6, 12), "America/Santiago")).toBe(1_788_667_200_000);
  });

  it("finds month starts and rolls over years", () => {
    expect(startOfMonth(NOON_UTC, "Asia/Kolkata")).toBe(Date.UTC(2026, 9, 31, 18, 30));
    expect(addMonths(NOON_UTC, 2, "UTC")).toBe(Date.UTC(2027, 0, 1));
    expect(addMonths(NOON_UTC, -11, "UTC")).toBe(Date.UTC(2025, 11, 1));
  });
});

describe("hours and words", () => {
  it("rounds up to a whole UTC hour", () => {
    expect(ceilHour(Date.UTC(2026, 10, 24, 18, 30))).toBe(Date.UTC(2026, 10, 24, 19));
    expect(ceilHour(Date.UTC(2026, 10, 24, 18))).toBe(Date.UTC(2026, 10, 24, 18));
  });

  it("writes days, months and clock times in the zone", () => {
    expect(formatDay(NOON_UTC, "Pacific/Kiritimati")).toBe("2026-11-26"); // UTC+14
    expect(formatMonth(Date.UTC(2026, 10, 30, 20), "Asia/Tokyo")).toBe("2026-12");
    expect(formatClock(NOON_UTC, "Asia/Kolkata")).toBe("17:30");
    expect(formatClock(Date.UTC(2026, 10, 25, 0), "UTC")).toBe("00:00");
  });
});
