// The dashboard's ranges and buckets: a preset (today, last 7 or 30 days, last 12 months) becomes
// the statistics' range in the browser's time zone, the bucket the API is asked for, and the
// columns drawn, each with the exact time range of the events it counts (its links' range).
//
// The statistics count events by the UTC hour they began, and cut days in the asked zone from
// those hours (a day holds the hours that begin in it). So every range starts and ends on a whole
// UTC hour (a local midnight, or the first hour after it in a half-hour zone), and a day or
// month counts the events begun from the first whole hour of its first midnight to the first
// whole hour of the next: the Events page, asked for that range, lists exactly those events.
import { HOUR } from "../playback/time";
import { addDays, addMonths, ceilHour, formatClock, formatDay, formatMonth, startOfDay, startOfMonth } from "./zonedTime";

export type RangePreset = "today" | "7d" | "30d" | "12m";
/** One column: an hour or a day as the API counts them, or a month summed from its days. */
export type Step = "hour" | "day" | "month";

export const RANGES: Record<RangePreset, { label: string; when: string; step: Step; unit: "day" | "month"; count: number }> = {
  today: { label: "Today", when: "today", step: "hour", unit: "day", count: 1 },
  "7d": { label: "Last 7 days", when: "in the last 7 days", step: "day", unit: "day", count: 7 },
  "30d": { label: "Last 30 days", when: "in the last 30 days", step: "day", unit: "day", count: 30 },
  "12m": { label: "Last 12 months", when: "in the last 12 months", step: "month", unit: "month", count: 12 },
};
export const DEFAULT_RANGE: RangePreset = "7d";

/** What the statistics are asked for. */
export interface StatsRange {
  preset: RangePreset;
  timeZone: string;
  /** Whole UTC hours: [startMs, endMs). */
  startMs: number;
  endMs: number;
  bucket: "hour" | "day";
  step: Step;
}

/** The range of `preset` at `nowMs` in `timeZone`: whole local days (or months) up to today's. */
export function statsRange(preset: RangePreset, nowMs: number, timeZone: string): StatsRange {
  const { step, unit, count } = RANGES[preset];
  const [from, to] =
    unit === "month"
      ? [addMonths(startOfMonth(nowMs, timeZone), 1 - count, timeZone), addMonths(nowMs, 1, timeZone)]
      : [addDays(nowMs, 1 - count, timeZone), addDays(nowMs, 1, timeZone)];
  return {
    preset,
    timeZone,
    startMs: ceilHour(from),
    endMs: ceilHour(to),
    bucket: step === "hour" ? "hour" : "day",
    step,
  };
}

/** One column of a chart over time. */
export interface Bucket {
  /** Where it begins: an hour, a local midnight, or the midnight a month begins with. */
  startMs: number;
  /** The events it counts began in [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  /** For people and screen readers: "2026-11-25 14:00–15:00", "2026-11-25", "2026-11". */
  text: string;
  /** Under the column: "14:00", "Nov 25", "Nov". */
  tick: string;
}

const tickFormats = new Map<string, Intl.DateTimeFormat>();

function tickFormat(step: Step, timeZone: string): Intl.DateTimeFormat {
  const key = `${step} ${timeZone}`;
  let found = tickFormats.get(key);
  if (!found) {
    const parts: Intl.DateTimeFormatOptions = step === "day" ? { month: "short", day: "numeric" } : { month: "short" };
    found = new Intl.DateTimeFormat(undefined, { ...parts, timeZone });
    tickFormats.set(key, found);
  }
  return found;
}

/** Every column of the range, empty ones included, oldest first. */
export function buckets(range: StatsRange): Bucket[] {
  const { startMs, endMs, timeZone: zone } = range;
  const out: Bucket[] = [];
  if (range.step === "hour") {
    for (let ms = startMs; ms < endMs; ms += HOUR) {
      const text = `${formatDay(ms, zone)} ${formatClock(ms, zone)}–${formatClock(ms + HOUR, zone)}`;
      out.push({ startMs: ms, fromMs: ms, toMs: ms + HOUR, text, tick: formatClock(ms, zone) });
    }
    return out;
  }
  const monthly = range.step === "month";
  const first = monthly ? startOfMonth(startMs, zone) : startOfDay(startMs, zone);
  const next = (ms: number) => (monthly ? addMonths(ms, 1, zone) : addDays(ms, 1, zone));
  for (let ms = first; ceilHour(ms) < endMs; ms = next(ms)) {
    out.push({
      startMs: ms,
      fromMs: Math.max(ceilHour(ms), startMs),
      toMs: Math.min(ceilHour(next(ms)), endMs),
      text: monthly ? formatMonth(ms, zone) : formatDay(ms, zone),
      tick: tickFormat(range.step, zone).format(ms),
    });
  }
  return out;
}

/** The column a point of the statistics (an hour's or a day's start) falls in; -1 for none. */
export function bucketIndex(list: readonly Bucket[], ms: number): number {
  let found = -1;
  list.forEach((bucket, index) => {
    if (bucket.startMs <= ms) found = index;
  });
  return found;
}

/** The dashboard's choices, kept in the address (`?range=30d&camera=cam1`). */
export interface DashboardFilters {
  preset: RangePreset;
  cameras: string[];
}

function isPreset(text: string | null): text is RangePreset {
  return text !== null && Object.hasOwn(RANGES, text);
}

export function dashboardFromQuery(query: URLSearchParams): DashboardFilters {
  const range = query.get("range");
  const cameras = [...new Set(query.getAll("camera").map((c) => c.trim()).filter(Boolean))];
  return { preset: isPreset(range) ? range : DEFAULT_RANGE, cameras };
}

/** The query for the choices, without the default range ("" when there is nothing to say). */
export function dashboardToQuery(filters: DashboardFilters): string {
  const query = new URLSearchParams();
  if (filters.preset !== DEFAULT_RANGE) query.set("range", filters.preset);
  for (const camera of filters.cameras) query.append("camera", camera);
  const text = query.toString();
  return text ? `?${text}` : "";
}
