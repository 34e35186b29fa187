// Event markers for one camera's timeline: the camera's events in the loaded window (the view and a
// margin), fetched again when the view leaves it and every 15 s while it holds the recent past.
import type { Accessor } from "solid-js";
import { MAX_LIMIT, searchEvents, type EventOut } from "../events/eventsApi";
import type { Interval } from "./intervals";
import type { TimelineMarker } from "./markers";
import type { View } from "./time";
import { createWindowLoader, type LoadedWindow } from "./timelineData";

/** A busy month would be thousands of events; the lane shows far fewer anyway. */
export const MAX_MARKERS = 2_000;

export interface MarkerData extends LoadedWindow {
  markers: TimelineMarker[];
}

export function toMarker(event: EventOut): TimelineMarker {
  const zones = event.zones.length ? ` · ${event.zones.join(", ")}` : "";
  return {
    id: event.id,
    atMs: event.start_ms,
    label: `${event.label}${zones}`,
    thumbnailUrl: event.snapshot_url ?? undefined,
    kind: event.label,
  };
}

export async function fetchMarkers(cameraId: string, range: Interval, nowMs: number): Promise<MarkerData> {
  const query = { camera: [cameraId], start: String(range.startMs), end: String(range.endMs) };
  const markers: TimelineMarker[] = [];
  let cursor: string | null = null;
  do {
    const page = await searchEvents(query, { limit: MAX_LIMIT, cursor });
    markers.push(...page.events.map(toMarker));
    cursor = page.next_cursor ?? null;
  } while (cursor !== null && markers.length < MAX_MARKERS);
  return { ...range, fetchedAtMs: nowMs, markers };
}

/** The markers for `view`, fetched when needed (checked every `checkMs`), and the last error. */
export function createEventMarkers(
  cameraId: string,
  view: Accessor<View>,
  now: () => number,
  checkMs = 500,
): { markers: Accessor<TimelineMarker[]>; error: Accessor<string | null> } {
  const load = (range: Interval, nowMs: number) => fetchMarkers(cameraId, range, nowMs);
  const { data, error } = createWindowLoader(load, view, now, checkMs);
  return { markers: () => data()?.markers ?? [], error };
}
