// The shown list of events as pure functions: newest first, one row per id, pages and live
// messages merged in.
import type { EventOut } from "./eventsApi";

export type MessageKind = "opened" | "updated" | "closed";

/** One message of the event stream: what happened and the event as it is now. */
export interface EventMessage {
  kind: MessageKind;
  event: EventOut;
}

/** Newest first; the same start by id, so the order never depends on arrival. */
export function compareEvents(a: EventOut, b: EventOut): number {
  if (a.start_ms !== b.start_ms) return b.start_ms - a.start_ms;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** The list with `event` in place of the row of the same id, or inserted where it belongs. */
export function upsert(list: readonly EventOut[], event: EventOut): EventOut[] {
  const rest = list.filter((item) => item.id !== event.id);
  const index = rest.findIndex((item) => compareEvents(event, item) < 0);
  rest.splice(index === -1 ? rest.length : index, 0, event);
  return rest;
}

/** A further page (or a fresh first page) merged in: rows already shown are updated, not doubled. */
export function mergePage(list: readonly EventOut[], page: readonly EventOut[]): EventOut[] {
  return page.reduce<EventOut[]>((merged, event) => upsert(merged, event), [...list]);
}

/**
 * The list after a live message. An event the filters select is put in (or updated in place); one
 * they no longer select leaves. `floorMs` is the start of the oldest row while more pages wait on
 * the server: an older new event is left to "Load more" so that it does not show out of order.
 */
export function applyMessage(
  list: readonly EventOut[],
  message: EventMessage,
  selected: boolean,
  floorMs: number | null,
): EventOut[] {
  const shown = list.some((item) => item.id === message.event.id);
  if (!selected) return shown ? list.filter((item) => item.id !== message.event.id) : [...list];
  if (!shown && floorMs !== null && message.event.start_ms < floorMs) return [...list];
  return upsert(list, message.event);
}

/** A message from the stream's `event:` name and `data:` text, or null when it is not one. */
export function parseMessage(kind: string, data: string): EventMessage | null {
  if (kind !== "opened" && kind !== "updated" && kind !== "closed") return null;
  try {
    const event = JSON.parse(data) as EventOut;
    if (typeof event?.id !== "string" || typeof event.start_ms !== "number") return null;
    return { kind, event };
  } catch {
    return null;
  }
}
