// The calls the events pages make: event search and lookup, labels, cameras' zones and rules.
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { getRules } from "../api/rules";
import { getZones } from "../settings/zones/zonesApi";

/** An event as the list and the stream carry it (events from rules fill the rule fields). */
export type EventOut = components["schemas"]["EventView"];
export type EventPage = components["schemas"]["EventPageView"];
export type CameraView = components["schemas"]["CameraView"];

/** What GET /events takes, besides the page size and cursor (all optional, lists are "any of"). */
export interface EventQuery {
  camera?: string[];
  label?: string[];
  zone?: string[];
  rule?: string[];
  /** Unix ms: events that started at or after this… */
  start?: string;
  /** …and before this. */
  end?: string;
  min_score?: number;
  /** "newest" first (the server's default) or "oldest" first. */
  order?: "newest" | "oldest";
}

/** The server's most per page. */
export const MAX_LIMIT = 500;
export const PAGE_SIZE = 50;

export async function searchEvents(
  query: EventQuery,
  options: { limit?: number; cursor?: string | null } = {},
): Promise<EventPage> {
  const limit = options.limit ?? PAGE_SIZE;
  const cursor = options.cursor ?? undefined;
  return unwrap(await api.GET("/api/v1/events", { params: { query: { ...query, limit, cursor } } }));
}

export async function getEvent(eventId: string): Promise<EventOut> {
  return unwrap(
    await api.GET("/api/v1/events/{event_id}", { params: { path: { event_id: eventId } } }),
  );
}

export async function listLabels(): Promise<string[]> {
  return unwrap(await api.GET("/api/v1/events/labels"));
}

/** The names of a camera's zones (lines are left out: events touch zones). */
export async function zoneNames(cameraId: string): Promise<string[]> {
  const shapes = await getZones(cameraId);
  return shapes.filter((shape) => shape.kind === "zone").map((shape) => shape.name);
}

/** The names of a camera's rules. */
export async function ruleNames(cameraId: string): Promise<string[]> {
  return (await getRules(cameraId)).rules.map((rule) => rule.name);
}

/** What the zone and rule filters offer for these cameras: their names, sorted, each once. */
export async function zoneAndRuleNames(cameraIds: readonly string[]): Promise<{ zones: string[]; rules: string[] }> {
  const found = await Promise.all(cameraIds.map((id) => Promise.all([zoneNames(id), ruleNames(id)])));
  const sorted = (names: string[]) => [...new Set(names)].sort((a, b) => a.localeCompare(b));
  return { zones: sorted(found.flatMap(([zones]) => zones)), rules: sorted(found.flatMap(([, rules]) => rules)) };
}

/** The URL of the live event stream (server-sent events), for some cameras or all. */
export function streamUrl(cameras: readonly string[]): string {
  const query = new URLSearchParams(cameras.map((camera) => ["camera", camera]));
  const text = query.toString();
  return `/api/v1/events/stream${text ? `?${text}` : ""}`;
}
