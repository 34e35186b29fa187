// For the analytics tests only: a day of statistics as GET /events/stats answers it (UTC, by
// the hour), with motion and person events on two cameras, a line rule and a count rule.
import type { EventStats } from "./statsApi";

export const DAY0 = Date.UTC(2026, 10, 25); // Wednesday 25 November 2026, UTC midnight
export const H = 3_600_000;

export function statsBody(changes: Partial<EventStats> = {}): EventStats {
  return {
    start_ms: DAY0,
    end_ms: DAY0 + 24 * H,
    bucket: "hour",
    timezone: "UTC",
    total: 9,
    series: [
      { start_ms: DAY0 + 9 * H, value: 4 },
      { start_ms: DAY0 + 14 * H, value: 5 },
    ],
    by_label: [
      { key: "person", count: 6 },
      { key: "motion", count: 3 },
    ],
    by_camera: [
      { key: "cam2", count: 5 },
      { key: "cam1", count: 4 },
    ],
    by_rule: [
      { key: "Door", count: 4 },
      { key: "Crowd", count: 2 },
    ],
    by_zone: [{ key: "Yard", count: 3 }],
    series_by_label: [
      { key: "motion", points: [{ start_ms: DAY0 + 9 * H, value: 3 }] },
      {
        key: "person",
        points: [
          { start_ms: DAY0 + 9 * H, value: 1 },
          { start_ms: DAY0 + 14 * H, value: 5 },
        ],
      },
    ],
    rules: [
      { camera_id: "cam1", rule: "Crowd", crossings_in: 0, crossings_out: 0, peak: 3, peaks: [{ start_ms: DAY0 + 14 * H, value: 3 }] },
      { camera_id: "cam2", rule: "Door", crossings_in: 3, crossings_out: 1, peak: 0, peaks: [] },
    ],
    ...changes,
  };
}
