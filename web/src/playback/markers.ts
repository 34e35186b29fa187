// Event markers on the timeline: the shape callers pass in, and where each lands on screen.
import { msToX, viewEnd, type View } from "./time";

/** Something that happened at a moment (an event, a bookmark); drawn as a marker on the lane. */
export interface TimelineMarker {
  id: string;
  atMs: number;
  label: string;
  /** A small picture of the moment (for example an event snapshot), shown on hover/focus. */
  thumbnailUrl?: string;
  /** Colours the marker: a CSS class suffix such as "motion" or "person". */
  kind?: string;
}

export interface PlacedMarker {
  marker: TimelineMarker;
  x: number;
}

/**
 * The markers inside the view with their x, sorted by time; markers closer than `minGapPx` to the
 * previous shown one are left out so a busy hour stays readable (the count says how many).
 */
export function placeMarkers(
  markers: readonly TimelineMarker[],
  view: View,
  widthPx: number,
  minGapPx = 6,
): { placed: PlacedMarker[]; hidden: number } {
  const end = viewEnd(view);
  const visible = markers
    .filter((m) => m.atMs >= view.startMs && m.atMs < end)
    .sort((a, b) => a.atMs - b.atMs);
  const placed: PlacedMarker[] = [];
  for (const marker of visible) {
    const x = msToX(view, widthPx, marker.atMs);
    const last = placed[placed.length - 1];
    if (last && x - last.x < minGapPx) continue;
    placed.push({ marker, x });
  }
  return { placed, hidden: visible.length - placed.length };
}

/** The markers' times in order, for previous/next navigation. */
export function markerTimes(markers: readonly TimelineMarker[]): number[] {
  return markers.map((m) => m.atMs).sort((a, b) => a - b);
}
