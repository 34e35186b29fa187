// A camera's rules, the rule fields of events, and live detections: hand-written types close to
// the server's shapes (src/vms/analytics/rules/model.py) until the OpenAPI types are regenerated,
// and the calls that read and write them.
import { apiFetch } from "./client";

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";
export const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export type RuleKind = "zone" | "count" | "line" | "loiter";
export type Crossing = "a_to_b" | "b_to_a";

/** When a rule may fire: from `start` to `end` ("HH:MM" or "HH:MM:SS") on the days it starts. */
export interface ActiveWindow {
  days: Weekday[];
  start: string;
  end: string;
}

/** What every kind of rule has. */
export interface RuleBase {
  name: string;
  enabled: boolean;
  /** Object labels it applies to; empty: all. */
  labels: string[];
  /** 0..1, the track's detection score. */
  min_score: number;
  /** 0..1 of the picture's width and height. */
  min_width: number;
  min_height: number;
  /** Empty: always. */
  schedule: ActiveWindow[];
}

export interface ZoneRule extends RuleBase {
  kind: "zone";
  zone: string;
  trigger: "enter" | "exit" | "present";
}

export interface CountRule extends RuleBase {
  kind: "count";
  zone: string;
  above: number;
}

export interface LineRule extends RuleBase {
  kind: "line";
  line: string;
  direction: Crossing | "both";
}

export interface LoiterRule extends RuleBase {
  kind: "loiter";
  zone: string;
  dwell_s: number;
}

export type Rule = ZoneRule | CountRule | LineRule | LoiterRule;

/** A stored rule that cannot run now (its zone or line is gone or of the wrong kind). */
export interface RuleIssue {
  index: number;
  detail: string;
}

/** GET /cameras/{id}/rules. */
export interface CameraRules {
  rules: Rule[];
  issues: RuleIssue[];
  /** The site's time zone, in which schedules run (an IANA name). */
  timezone: string;
}

function rulesPath(cameraId: string): string {
  return `/api/v1/cameras/${encodeURIComponent(cameraId)}/rules`;
}

export async function getRules(cameraId: string): Promise<CameraRules> {
  const body = (await (await apiFetch(rulesPath(cameraId))).json()) as Partial<CameraRules>;
  return { rules: body.rules ?? [], issues: body.issues ?? [], timezone: body.timezone ?? "" };
}

/** Replace all of the camera's rules; answers with what the server stored (and its issues). A
 * refusal throws an ApiError whose problem has the 422 `errors` list. */
export async function putRules(cameraId: string, rules: Rule[]): Promise<CameraRules> {
  const response = await apiFetch(rulesPath(cameraId), {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ rules }),
  });
  const body = (await response.json()) as Partial<CameraRules>;
  return { rules: body.rules ?? rules, issues: body.issues ?? [], timezone: body.timezone ?? "" };
}

/** What an event from a rule adds to the event view (absent on motion events and older servers). */

export function thumbnailUrl(eventId: string): string {
  return `/api/v1/events/${encodeURIComponent(eventId)}/thumbnail.jpg`;
}

/** One object the detector sees now; `box` in pixels of the frame's width × height. */
export interface LiveObject {
  label: string;
  score: number;
  box: [number, number, number, number];
  track_id: number | null;
}

/** GET /cameras/{id}/detections: the latest analysed frame's objects. */
export interface LiveDetections {
  wall_ms: number;
  width: number;
  height: number;
  objects: LiveObject[];
}

export async function getDetections(cameraId: string, signal?: AbortSignal): Promise<LiveDetections> {
  const path = `/api/v1/cameras/${encodeURIComponent(cameraId)}/detections`;
  return (await (await apiFetch(path, signal ? { signal } : {})).json()) as LiveDetections;
}
