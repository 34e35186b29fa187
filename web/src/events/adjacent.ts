// The older and newer neighbours of an event within the current filters (the detail view's
// previous/next buttons): one search each, newest first before the event, oldest first after it.
import { searchEvents, type EventOut, type EventQuery } from "./eventsApi";
import { apiQuery, type EventFilters } from "./filters";

function bounded(query: EventQuery, startMs: number | null, endMs: number | null): EventQuery {
  const next: EventQuery = { ...query };
  delete next.start;
  delete next.end;
  if (startMs !== null) next.start = String(startMs);
  if (endMs !== null && Number.isFinite(endMs)) next.end = String(endMs);
  return next;
}

/** The newest event that started before `event` and matches the filters, or null. */
export async function olderEvent(event: EventOut, filters: EventFilters, nowMs: number): Promise<EventOut | null> {
  const query = apiQuery(filters, nowMs);
  const end = Math.min(query.end === undefined ? Infinity : Number(query.end), event.start_ms);
  const start = query.start === undefined ? null : Number(query.start);
  const page = await searchEvents(bounded(query, start, end), { limit: 1 });
  return page.events[0] ?? null;
}

/** The oldest event that started after `event` and matches the filters, or null. */
export async function newerEvent(event: EventOut, filters: EventFilters, nowMs: number): Promise<EventOut | null> {
  const query = apiQuery(filters, nowMs);
  const start = Math.max(query.start === undefined ? -Infinity : Number(query.start), event.start_ms + 1);
  const end = query.end === undefined ? null : Number(query.end);
  const page = await searchEvents({ ...bounded(query, start, end), order: "oldest" }, { limit: 1 });
  return page.events[0] ?? null;
}
