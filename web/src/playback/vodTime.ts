// Media time <-> wall time over a VOD playlist's fragments (EXT-X-PROGRAM-DATE-TIME), and windows.
import { containing, type Interval } from "./intervals";
import { MINUTE } from "./time";

/** What hls.js tells about each media segment: media start/duration (s) and its wall start (ms). */
export interface FragmentTime {
  start: number;
  duration: number;
  programDateTime: number | null;
}

/** How much of the recording one playlist covers around the wanted moment. */
export const WINDOW_BEFORE_MS = 2 * MINUTE;
export const WINDOW_AFTER_MS = 28 * MINUTE;

/** The wall time (ms) shown at media time `mediaS`, or null outside the fragments. */
export function wallAtMedia(fragments: readonly FragmentTime[], mediaS: number): number | null {
  for (const frag of fragments) {
    if (frag.programDateTime === null) continue;
    if (mediaS >= frag.start && mediaS < frag.start + frag.duration) {
      return frag.programDateTime + (mediaS - frag.start) * 1000;
    }
  }
  const last = fragments[fragments.length - 1];
  if (last?.programDateTime != null && Math.abs(mediaS - (last.start + last.duration)) < 0.05) {
    return last.programDateTime + last.duration * 1000; // the very end (after `ended`)
  }
  return null;
}

/**
 * The media time (s) that shows wall time `wallMs`: inside a fragment exactly, in a hole between
 * fragments (a gap in recording) the start of the next one; null before the first or after the
 * last fragment (the playlist does not hold that moment).
 */
export function mediaAtWall(fragments: readonly FragmentTime[], wallMs: number): number | null {
  let previousEnd: number | null = null;
  for (const frag of fragments) {
    const pdt = frag.programDateTime;
    if (pdt === null) continue;
    const endMs = pdt + frag.duration * 1000;
    if (wallMs >= pdt && wallMs < endMs) return frag.start + (wallMs - pdt) / 1000;
    if (wallMs < pdt) return previousEnd === null ? null : frag.start;
    previousEnd = endMs;
  }
  return null;
}

/** The wall range the fragments cover: [first start, last end), or null. */
export function coveredRange(fragments: readonly FragmentTime[]): Interval | null {
  const timed = fragments.filter((f) => f.programDateTime !== null);
  const first = timed[0];
  const last = timed[timed.length - 1];
  if (!first || !last) return null;
  return { startMs: first.programDateTime!, endMs: last.programDateTime! + last.duration * 1000 };
}

/** The playlist range to load for playing from `atMs`, within what is recorded and before now. */
export function windowAround(
  atMs: number,
  recorded: readonly Interval[],
  nowMs: number,
): Interval | null {
  if (!containing(recorded, atMs)) return null;
  const startMs = Math.round(atMs - WINDOW_BEFORE_MS);
  const endMs = Math.round(Math.min(atMs + WINDOW_AFTER_MS, nowMs));
  return endMs > atMs ? { startMs, endMs } : null;
}
