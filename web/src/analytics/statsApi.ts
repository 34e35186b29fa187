// The dashboard's one call: GET /api/v1/events/stats for a range, its bucket, the browser's time
// zone and the cameras chosen (all when none).
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import type { StatsRange } from "./range";

export type EventStats = components["schemas"]["EventStatsView"];
export type TotalView = components["schemas"]["TotalView"];
export type PointView = components["schemas"]["PointView"];
export type RuleTotals = components["schemas"]["RuleTotalsView"];

export async function getStats(range: StatsRange, cameras: readonly string[]): Promise<EventStats> {
  const query = {
    start: String(range.startMs),
    end: String(range.endMs),
    bucket: range.bucket,
    tz: range.timeZone,
    ...(cameras.length ? { camera: [...cameras] } : {}),
  };
  return unwrap(await api.GET("/api/v1/events/stats", { params: { query } }));
}
