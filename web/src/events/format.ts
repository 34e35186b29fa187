// How an event's facts read: score, start, duration, zones and camera name.
import { formatWall } from "../playback/time";
import type { CameraView, EventOut } from "./eventsApi";

/** 0.234 -> "23%". */
export function formatScore(score: number): string {
  return `${Math.round(Math.min(1, Math.max(0, score)) * 100)}%`;
}

/** The local start time, with the date: "2026-11-25 14:30:05". */
export function formatStart(ms: number): string {
  return formatWall(ms);
}

/** 4200 -> "4 s", 65000 -> "1 min 5 s", 3720000 -> "1 h 2 min", 400 -> "<1 s"; null end -> "ongoing". */
export function formatEventDuration(startMs: number, endMs: number | null): string {
  if (endMs === null) return "ongoing";
  const seconds = Math.max(0, Math.round((endMs - startMs) / 1000));
  if (endMs - startMs < 1000) return "<1 s";
  if (seconds < 60) return `${seconds} s`;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}

export function formatZones(zones: readonly string[]): string {
  return zones.length ? zones.join(", ") : "no zone";
}

/** The camera's name, or its id while the cameras are not loaded (or it was removed). */
export function cameraName(cameras: readonly CameraView[] | undefined, id: string): string {
  const camera = cameras?.find((item) => item.id === id);
  return camera?.name || id;
}

/** One line for screen readers and titles: "motion on Gate at 2026-11-25 14:30:05, 23%". */
export function describeEvent(event: EventOut, camera: string): string {
  return `${event.label} on ${camera} at ${formatStart(event.start_ms)}, score ${formatScore(event.score)}`;
}
