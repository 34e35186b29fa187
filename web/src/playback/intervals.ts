// Recorded intervals on the timeline: pixel runs to draw, gaps, snapping and boundary navigation.
import { msToX, viewEnd, type View } from "./time";

/** A half-open span of wall time [startMs, endMs), unix milliseconds. */
export interface Interval {
  startMs: number;
  endMs: number;
  /** Still being recorded: it ends at the last fragment on disk and grows until now. */
  inProgress?: boolean;
}

/** A span without recording, with the server's cause (camera_offline, vms_down, retention, …). */
export interface Gap extends Interval {
  cause: string;
}

/** Index of the first interval that ends after `ms` (intervals sorted, not overlapping). */
export function firstEndingAfter(intervals: readonly Interval[], ms: number): number {
  let low = 0;
  let high = intervals.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (intervals[mid]!.endMs <= ms) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The x ranges to paint for the intervals visible in the view: runs closer than `joinPx` are
 * joined and every run is at least `minPx` wide, so a month of one-minute segments costs at most
 * one rectangle per pixel column, and only the visible intervals are visited.
 */
export function pixelRuns(
  intervals: readonly Interval[],
  view: View,
  widthPx: number,
  joinPx = 1,
  minPx = 1,
): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  const end = viewEnd(view);
  for (let i = firstEndingAfter(intervals, view.startMs); i < intervals.length; i++) {
    const item = intervals[i]!;
    if (item.startMs >= end) break;
    const x0 = Math.max(0, msToX(view, widthPx, item.startMs));
    const x1 = Math.min(widthPx, Math.max(x0 + minPx, msToX(view, widthPx, item.endMs)));
    const last = runs[runs.length - 1];
    if (last && x0 - last[1] < joinPx) last[1] = Math.max(last[1], x1);
    else runs.push([x0, x1]);
  }
  return runs;
}

/** The parts of [startMs, endMs) not covered by any interval (gap detection on the client). */
export function gapsIn(intervals: readonly Interval[], startMs: number, endMs: number): Interval[] {
  const gaps: Interval[] = [];
  let cursor = startMs;
  for (let i = firstEndingAfter(intervals, startMs); i < intervals.length; i++) {
    const item = intervals[i]!;
    if (item.startMs >= endMs) break;
    if (item.startMs > cursor) gaps.push({ startMs: cursor, endMs: item.startMs });
    cursor = Math.max(cursor, item.endMs);
  }
  if (cursor < endMs) gaps.push({ startMs: cursor, endMs });
  return gaps;
}

/** The recording still being written, if the last interval is one. */
export function inProgress(intervals: readonly Interval[]): Interval | undefined {
  const last = intervals[intervals.length - 1];
  return last?.inProgress ? last : undefined;
}

/** The interval holding `ms`, if any. */
export function containing(intervals: readonly Interval[], ms: number): Interval | undefined {
  const item = intervals[firstEndingAfter(intervals, ms)];
  return item && item.startMs <= ms ? item : undefined;
}

/**
 * Where playback can show `ms`: itself when recorded; in a gap, the next recording's start when
 * moving forward (direction 1) or the last second before the previous one's end when moving back.
 */
export function snap(intervals: readonly Interval[], ms: number, direction: 1 | -1): number | null {
  const index = firstEndingAfter(intervals, ms);
  const item = intervals[index];
  if (item && item.startMs <= ms) return ms;
  if (direction === 1) return item ? item.startMs : null;
  const before = intervals[index - 1];
  return before ? Math.max(before.startMs, before.endMs - 1_000) : null;
}

/**
 * Where playback goes on after a window that ended at `endMs`: the next recorded time before
 * now; "wait" when it ended at the live edge of the recording in progress (the next fragment
 * reaches the disk within seconds, and the timeline then reaches further); null when nothing
 * follows.
 */
export function continueAfter(
  intervals: readonly Interval[],
  endMs: number,
  nowMs: number,
): number | "wait" | null {
  const next = snap(intervals, endMs, 1);
  if (next !== null && next < nowMs) return next;
  const live = inProgress(intervals);
  return live && endMs >= live.startMs ? "wait" : null;
}

/** Every start and end of a recording, in order (where playback can jump to). */
export function boundaries(intervals: readonly Interval[]): number[] {
  return intervals.flatMap((item) => [item.startMs, item.endMs]);
}

/** The last time in sorted `times` before `ms` by more than `slackMs`, or null. */
export function previousTime(times: readonly number[], ms: number, slackMs = 1_000): number | null {
  let found: number | null = null;
  for (const time of times) {
    if (time < ms - slackMs) found = time;
    else break;
  }
  return found;
}

/** The first time in sorted `times` after `ms` by more than `slackMs`, or null. */
export function nextTime(times: readonly number[], ms: number, slackMs = 1_000): number | null {
  return times.find((time) => time > ms + slackMs) ?? null;
}

/** A time to show a frame of: inside the interval at `ms`, kept off its very last instant. */
export function frameTime(intervals: readonly Interval[], ms: number): number | null {
  const item = containing(intervals, ms);
  if (!item) return null;
  return Math.min(Math.round(ms), item.endMs - 1);
}
