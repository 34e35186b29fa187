// The Events page's filters (cameras, labels, zones, rules, time, score): read from and written to the address's query (so a reload or a shared
// link keeps them), turned into the API's query, and applied to live messages.
import { DAY, HOUR } from "../playback/time";
import type { EventOut, EventQuery } from "./eventsApi";

export type TimePreset = "1h" | "24h" | "7d";

export const PRESETS: Record<TimePreset, { label: string; ms: number }> = {
  "1h": { label: "Last hour", ms: HOUR },
  "24h": { label: "Last 24 hours", ms: DAY },
  "7d": { label: "Last 7 days", ms: 7 * DAY },
};

export interface EventFilters {
  cameras: string[];
  labels: string[];
  zones: string[];
  /** Rule names (any camera's rule of that name); motion events have no rule. */
  rules: string[];
  /** A window that ends now (moves with time); null for any time or a custom range. */
  preset: TimePreset | null;
  /** A custom range (local time chosen by the user), unix ms; either end may be open. */
  fromMs: number | null;
  toMs: number | null;
  /** 0..1; null for any score. */
  minScore: number | null;
}

export function emptyFilters(): EventFilters {
  return { cameras: [], labels: [], zones: [], rules: [], preset: null, fromMs: null, toMs: null, minScore: null };
}

function values(query: URLSearchParams, name: string): string[] {
  const seen = new Set<string>();
  for (const value of query.getAll(name)) if (value.trim()) seen.add(value.trim());
  return [...seen];
}

/** Unix ms from "1795600000000" or an ISO-8601 date-time; null when neither. */
export function parseTime(text: string | null): number | null {
  if (!text) return null;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

function isPreset(text: string | null): text is TimePreset {
  return text !== null && Object.hasOwn(PRESETS, text);
}

/** The filters a query holds; what is malformed is left out (never an error). */
export function filtersFromQuery(query: URLSearchParams): EventFilters {
  const range = query.get("range");
  const preset = isPreset(range) ? range : null;
  const score = query.get("min_score");
  const minScore = score !== null && score.trim() !== "" ? Number(score) : NaN;
  return {
    cameras: values(query, "camera"),
    labels: values(query, "label"),
    zones: values(query, "zone"),
    rules: values(query, "rule"),
    preset,
    fromMs: preset ? null : parseTime(query.get("from")),
    toMs: preset ? null : parseTime(query.get("to")),
    minScore: Number.isFinite(minScore) && minScore > 0 && minScore <= 1 ? minScore : null,
  };
}

/** The query for the filters, in a fixed order, without the defaults ("" when there are none). */
export function filtersToQuery(filters: EventFilters): string {
  const query = new URLSearchParams();
  for (const camera of filters.cameras) query.append("camera", camera);
  for (const label of filters.labels) query.append("label", label);
  for (const zone of filters.zones) query.append("zone", zone);
  for (const rule of filters.rules) query.append("rule", rule);
  if (filters.preset) query.set("range", filters.preset);
  else {
    if (filters.fromMs !== null) query.set("from", String(filters.fromMs));
    if (filters.toMs !== null) query.set("to", String(filters.toMs));
  }
  if (filters.minScore !== null) query.set("min_score", String(filters.minScore));
  const text = query.toString();
  return text ? `?${text}` : "";
}

export function sameFilters(a: EventFilters, b: EventFilters): boolean {
  return filtersToQuery(a) === filtersToQuery(b);
}

export function hasFilters(filters: EventFilters): boolean {
  return filtersToQuery(filters) !== "";
}

/** The start_ms range the filters select at `nowMs`: [startMs, endMs), null for open. */
export function timeBounds(filters: EventFilters, nowMs: number): { startMs: number | null; endMs: number | null } {
  if (filters.preset) return { startMs: nowMs - PRESETS[filters.preset].ms, endMs: null };
  return { startMs: filters.fromMs, endMs: filters.toMs };
}

/** The API's query for the filters at `nowMs`. */
export function apiQuery(filters: EventFilters, nowMs: number): EventQuery {
  const query: EventQuery = {};
  if (filters.cameras.length) query.camera = filters.cameras;
  if (filters.labels.length) query.label = filters.labels;
  if (filters.zones.length) query.zone = filters.zones;
  if (filters.rules.length) query.rule = filters.rules;
  const { startMs, endMs } = timeBounds(filters, nowMs);
  if (startMs !== null) query.start = String(Math.floor(startMs));
  if (endMs !== null) query.end = String(Math.floor(endMs));
  if (filters.minScore !== null) query.min_score = filters.minScore;
  return query;
}

const anyOf = (wanted: readonly string[], value: string) => wanted.length === 0 || wanted.includes(value);

/** Whether the server would list `event` for these filters at `nowMs` (for live messages). */
export function matches(event: EventOut, filters: EventFilters, nowMs: number): boolean {
  if (!anyOf(filters.cameras, event.camera_id) || !anyOf(filters.labels, event.label)) return false;
  if (filters.zones.length && !event.zones.some((zone) => filters.zones.includes(zone))) return false;
  if (filters.rules.length && !(event.rule && filters.rules.includes(event.rule))) return false;
  if (filters.minScore !== null && event.score < filters.minScore) return false;
  const { startMs, endMs } = timeBounds(filters, nowMs);
  if (startMs !== null && event.start_ms < startMs) return false;
  return endMs === null || event.start_ms < endMs;
}

/** A short account of the filters for the empty state: "camera Gate, min. score 50%, last hour". */
export function describeFilters(filters: EventFilters, cameraName: (id: string) => string): string {
  const parts: string[] = [];
  if (filters.cameras.length) parts.push(`camera ${filters.cameras.map(cameraName).join(" or ")}`);
  if (filters.labels.length) parts.push(`label ${filters.labels.join(" or ")}`);
  if (filters.zones.length) parts.push(`zone ${filters.zones.join(" or ")}`);
  if (filters.rules.length) parts.push(`rule ${filters.rules.join(" or ")}`);
  if (filters.minScore !== null) parts.push(`score at least ${Math.round(filters.minScore * 100)}%`);
  if (filters.preset) parts.push(PRESETS[filters.preset].label.toLowerCase());
  else if (filters.fromMs !== null || filters.toMs !== null) parts.push("the chosen time range");
  return parts.join(", ");
}
