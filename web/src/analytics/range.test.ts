// Presets -> the statistics' range and bucket; the columns drawn and the time range each counts,
// in whole-hour, half-hour and daylight-saving zones; the dashboard's choices in the address.
import { bucketIndex, buckets, dashboardFromQuery, dashboardToQuery, DEFAULT_RANGE, statsRange } from "./range";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0); // Wednesday 25 November 2026, noon UTC

describe("statsRange", () => {
  it("today: the local day by the hour", () => {
    expect(statsRange("today", NOW, "UTC")).toEqual({
      preset: "today",
      timeZone: "UTC",
      startMs: Date.UTC(2026, 10, 25),
      endMs: Date.UTC(2026, 10, 26),
      bucket: "hour",
      step: "hour",
    });
  });

  it("the last 7 and 30 days by the day, today included", () => {
    const week = statsRange("7d", NOW, "Europe/Paris");
    expect([week.startMs, week.endMs, week.bucket]).toEqual([Date.UTC(2026, 10, 18, 23), Date.UTC(2026, 10, 25, 23), "day"]);
    const month = statsRange("30d", NOW, "UTC");
    expect((month.endMs - month.startMs) / DAY).toBe(30);
  });

  it("the last 12 months by the day, drawn by the month", () => {
    const year = statsRange("12m", NOW, "UTC");
    expect([year.startMs, year.endMs, year.bucket, year.step]).toEqual([Date.UTC(2025, 11, 1), Date.UTC(2026, 11, 1), "day", "month"]);
  });

  it("starts and ends on whole UTC hours in a half-hour zone", () => {
    const today = statsRange("today", NOW, "Asia/Kolkata"); // local midnight is 18:30 UTC
    expect([today.startMs, today.endMs]).toEqual([Date.UTC(2026, 10, 24, 19), Date.UTC(2026, 10, 25, 19)]);
  });
});

describe("buckets", () => {
  it("an hour each, today", () => {
    const list = buckets(statsRange("today", NOW, "UTC"));
    expect(list).toHaveLength(24);
    expect(list[14]).toEqual({
      startMs: Date.UTC(2026, 10, 25, 14),
      fromMs: Date.UTC(2026, 10, 25, 14),
      toMs: Date.UTC(2026, 10, 25, 15),
      text: "2026-11-25 14:00–15:00",
      tick: "14:00",
    });
  });

  it("hours keep their half past in a half-hour zone", () => {
    const list = buckets(statsRange("today", NOW, "Asia/Kolkata"));
    expect(list).toHaveLength(24);
    expect(list[0]!.text).toBe("2026-11-25 00:30–01:30");
    expect(list[23]!.text).toBe("2026-11-25 23:30–00:30");
  });

  it("a day each: the events begun from its first whole hour to the next day's", () => {
    const list = buckets(statsRange("7d", NOW, "Asia/Kolkata"));
    expect(list.map((b) => b.text)).toEqual([19, 20, 21, 22, 23, 24, 25].map((day) => `2026-11-${day}`));
    const last = list[6]!;
    expect(last.startMs).toBe(Date.UTC(2026, 10, 24, 18, 30)); // the server's day start
    expect([last.fromMs, last.toMs]).toEqual([Date.UTC(2026, 10, 24, 19), Date.UTC(2026, 10, 25, 19)]);
    expect(list[0]!.fromMs).toBe(statsRange("7d", NOW, "Asia/Kolkata").startMs);
  });

  it("a day of 23 hours where the clocks go forward", () => {
    const list = buckets(statsRange("7d", Date.UTC(2026, 2, 10, 12), "America/New_York"));
    const sunday = list.find((b) => b.text === "2026-03-08")!;
    expect(sunday.toMs - sunday.fromMs).toBe(23 * HOUR);
    expect(list.filter((b) => b !== sunday).every((b) => b.toMs - b.fromMs === DAY)).toBe(true);
  });

  it("a month each over 12 months", () => {
    const list = buckets(statsRange("12m", NOW, "UTC"));
    const months = ["2025-12", ...Array.from({ length: 11 }, (_, i) => `2026-${String(i + 1).padStart(2, "0")}`)];
    expect(list.map((b) => b.text)).toEqual(months);
    expect([list[2]!.fromMs, list[2]!.toMs]).toEqual([Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1)]);
  });

  it("finds the column of a point", () => {
    const list = buckets(statsRange("12m", NOW, "UTC"));
    expect(bucketIndex(list, Date.UTC(2026, 1, 14))).toBe(2);
    expect(bucketIndex(list, Date.UTC(2025, 11, 1))).toBe(0);
    expect(bucketIndex(list, Date.UTC(2025, 10, 30))).toBe(-1);
  });
});

describe("the dashboard's address", () => {
  it("reads a range and cameras, and writes them without the default", () => {
    expect(dashboardFromQuery(new URLSearchParams("range=30d&camera=b&camera=a&camera=b&camera="))).toEqual({
      preset: "30d",
      cameras: ["b", "a"],
    });
    expect(dashboardFromQuery(new URLSearchParams("range=1y"))).toEqual({ preset: DEFAULT_RANGE, cameras: [] });
    expect(dashboardToQuery({ preset: "today", cameras: ["cam 1"] })).toBe("?range=today&camera=cam+1");
    expect(dashboardToQuery({ preset: DEFAULT_RANGE, cameras: [] })).toBe("");
  });
});
