// What of an event's clip can be played: the part the recordings hold, or why nothing can yet.
import type { Interval } from "../playback/intervals";
import { MINUTE } from "../playback/time";

/** Recordings are indexed when their segment closes: a clip this recent may still show up. */
export const PENDING_MS = 3 * MINUTE;

export type ClipPlan =
  | { kind: "play"; window: Interval }
  | { kind: "pending" } // nothing indexed yet; ask again shortly
  | { kind: "missing" }; // nothing recorded, or deleted by retention

/** The playlist window for `clip` from the recorded intervals inside it (sorted), at `nowMs`. */
export function planClip(clip: Interval, recorded: readonly Interval[], nowMs: number): ClipPlan {
  const inside = recorded.filter((r) => r.endMs > clip.startMs && r.startMs < clip.endMs);
  const first = inside[0];
  const last = inside[inside.length - 1];
  if (!first || !last) return nowMs - clip.endMs < PENDING_MS ? { kind: "pending" } : { kind: "missing" };
  return {
    kind: "play",
    window: { startMs: Math.max(clip.startMs, first.startMs), endMs: Math.min(clip.endMs, last.endMs) },
  };
}
