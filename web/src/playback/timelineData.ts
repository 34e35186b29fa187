// Loads a camera's recorded intervals and gaps for the visible window (and a margin), refreshing
// the recent part as recording goes on.
import { createSignal, onCleanup, type Accessor } from "solid-js";
import { api, unwrap } from "../api/client";
import type { Gap, Interval } from "./intervals";
import { viewEnd, type View } from "./time";

/** A window of data loaded for a view: its range and when it was fetched. */
export interface LoadedWindow {
  startMs: number;
  endMs: number;
  fetchedAtMs: number;
  /** It holds a recording still being written, whose end moves with every fragment. */
  growing?: boolean;
}

export interface TimelineData extends LoadedWindow {
  recorded: Interval[];
  gaps: Gap[];
}

/** Refetch the range holding "now" this often: new segments are indexed as they close. */
export const REFRESH_MS = 15_000;
/** ...and this often while it shows a recording in progress (a fragment reaches disk each 1 s). */
export const LIVE_REFRESH_MS = 2_000;

/** The range to ask for: the view and half a span on each side (panning stays smooth). */
export function fetchRange(view: View): Interval {
  const margin = view.spanMs / 2;
  return { startMs: Math.floor(view.startMs - margin), endMs: Math.ceil(viewEnd(view) + margin) };
}

/** Whether the loaded data no longer serves the view (outside it, or stale near now). */
export function needsFetch(data: LoadedWindow | null, view: View, nowMs: number): boolean {
  if (!data) return true;
  if (view.startMs < data.startMs || viewEnd(view) > data.endMs) return true;
  const holdsRecent = data.endMs >= data.fetchedAtMs - REFRESH_MS;
  const every = data.growing ? LIVE_REFRESH_MS : REFRESH_MS;
  return holdsRecent && nowMs - data.fetchedAtMs >= every;
}

export async function fetchTimeline(
  cameraId: string,
  stream: "main" | "sub",
  range: Interval,
  nowMs: number,
): Promise<TimelineData> {
  const body = unwrap(
    await api.GET("/api/v1/cameras/{camera_id}/timeline", {
      params: {
        path: { camera_id: cameraId },
        query: { start: String(range.startMs), end: String(range.endMs), stream, bucket: "none" },
      },
    }),
  );
  return {
    startMs: range.startMs,
    endMs: range.endMs,
    fetchedAtMs: nowMs,
    growing: body.recorded.some((r) => r.in_progress),
    recorded: body.recorded.map((r) =>
      r.in_progress
        ? { startMs: r.start_ms, endMs: r.end_ms, inProgress: true }
        : { startMs: r.start_ms, endMs: r.end_ms },
    ),
    gaps: body.gaps.map((g) => ({ startMs: g.start_ms, endMs: g.end_ms, cause: g.cause })),
  };
}

/**
 * Data for `view` from `load`, fetched again when `needsFetch` says so (checked every `checkMs`;
 * after a failure, not for 5 s), with the last error. Timeline and event markers share it.
 */
export function createWindowLoader<T extends LoadedWindow>(
  load: (range: Interval, nowMs: number) => Promise<T>,
  view: Accessor<View>,
  now: () => number,
  checkMs = 500,
): { data: Accessor<T | null>; error: Accessor<string | null> } {
  const [data, setData] = createSignal<T | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  let busy = false;
  let failedAt = -Infinity;
  const check = async () => {
    const nowMs = now();
    if (busy || nowMs - failedAt < 5_000 || !needsFetch(data(), view(), nowMs)) return;
    busy = true;
    try {
      const loaded = await load(fetchRange(view()), nowMs);
      setData(() => loaded);
      setError(null);
    } catch (problem) {
      failedAt = nowMs;
      setError(problem instanceof Error ? problem.message : String(problem));
    } finally {
      busy = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), checkMs);
  onCleanup(() => clearInterval(timer));
  return { data, error };
}

/** The timeline data for `view`, fetched when needed (checked every `checkMs`), and its error. */
export function createTimelineData(
  cameraId: string,
  stream: "main" | "sub",
  view: Accessor<View>,
  now: () => number,
  checkMs = 500,
): { data: Accessor<TimelineData | null>; error: Accessor<string | null> } {
  const load = (range: Interval, nowMs: number) => fetchTimeline(cameraId, stream, range, nowMs);
  return createWindowLoader(load, view, now, checkMs);
}
