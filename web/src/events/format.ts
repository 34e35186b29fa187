// How an event's facts read: score, start, duration, zones, camera name, and a rule event's rule,
// track, direction and counts.
import { formatWall } from "../playback/time";
import type { Crossing, RuleKind } from "../api/rules";
import { thumbnailUrl } from "../api/rules";
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

const RULE_KINDS: Record<RuleKind, string> = {
  zone: "zone",
  count: "count",
  line: "line crossing",
  loiter: "loitering",
};

/** "Gate in (line crossing)"; null for events no rule made (motion). */
export function formatRule(event: EventOut): string | null {
  if (!event.rule) return null;
  const kind = event.rule_kind ? RULE_KINDS[event.rule_kind] ?? event.rule_kind : null;
  return kind ? `${event.rule} (${kind})` : event.rule;
}

/** "A→B (in)" or "B→A (out)". */
export function formatDirection(direction: Crossing): string {
  return direction === "a_to_b" ? "A→B (in)" : "B→A (out)";
}

/** A line's running totals: "in 3 · out 1". */
export function formatCounts(counts: { in: number; out: number }): string {
  return `in ${counts.in} · out ${counts.out}`;
}

/** The facts of a rule event in a short line each (empty for motion events), list order. */
export function ruleFacts(event: EventOut): { key: string; text: string }[] {
  const facts: { key: string; text: string }[] = [];
  const rule = formatRule(event);
  if (rule) facts.push({ key: "rule", text: rule });
  if (event.track_id !== null && event.track_id !== undefined) facts.push({ key: "track", text: `track #${event.track_id}` });
  if (event.direction) facts.push({ key: "direction", text: formatDirection(event.direction) });
  if (event.counts) facts.push({ key: "counts", text: formatCounts(event.counts) });
  if (event.peak_count !== null && event.peak_count !== undefined) facts.push({ key: "peak", text: `peak ${event.peak_count}` });
  return facts;
}

/** The list's picture: the cropped thumbnail when the event has one, else the snapshot. */
export function listPicture(event: EventOut): string | null {
  return event.has_thumbnail ? thumbnailUrl(event.id) : event.snapshot_url;
}
