// The list the Events page shows: the first page for the filters, further pages on demand, live
// messages merged in, and a catch-up reload after a break in the live stream.
import { createEffect, createSignal, on, onCleanup, type Accessor } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { applyMessage, mergePage, type EventMessage } from "./eventList";
import { searchEvents, type EventOut, type EventQuery } from "./eventsApi";
import { apiQuery, matches, type EventFilters } from "./filters";

export interface EventFeed {
  events: Accessor<EventOut[]>;
  /** The first page for the current filters is on its way. */
  loading: Accessor<boolean>;
  loadingMore: Accessor<boolean>;
  error: Accessor<string | null>;
  hasMore: Accessor<boolean>;
  loadMore(): Promise<void>;
  /** Reload the first page and merge it in (after the live stream was broken). */
  refresh(): Promise<void>;
  apply(message: EventMessage): void;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createEventFeed(filters: Accessor<EventFilters>, now: () => number = Date.now): EventFeed {
  // The list itself is a plain array; the store shown follows it by id, so a row that changes is
  // updated in place (its DOM, focus and loaded thumbnail stay).
  let list: EventOut[] = [];
  const [rows, setRows] = createStore<EventOut[]>([]);
  const events = () => rows;
  const setEvents = (next: EventOut[]) => {
    list = next;
    setRows(reconcile(next, { key: "id" }));
  };
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(true);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let query: EventQuery = {};
  let generation = 0; // answers for older filters are dropped
  let alive = true;
  onCleanup(() => {
    alive = false;
  });
  const current = (mine: number) => alive && mine === generation;

  const first = async (value: EventFilters) => {
    const mine = ++generation;
    query = apiQuery(value, now());
    setEvents([]);
    setCursor(null);
    setLoading(true);
    setError(null);
    try {
      const page = await searchEvents(query);
      if (!current(mine)) return;
      setEvents(mergePage([], page.events));
      setCursor(page.next_cursor ?? null);
    } catch (failure) {
      if (current(mine)) setError(messageOf(failure));
    } finally {
      if (current(mine)) setLoading(false);
    }
  };
  createEffect(on(filters, (value) => void first(value)));

  const feed: EventFeed = {
    events,
    loading,
    loadingMore,
    error,
    hasMore: () => cursor() !== null,
    async loadMore() {
      const after = cursor();
      if (after === null || loadingMore()) return;
      const mine = generation;
      setLoadingMore(true);
      try {
        const page = await searchEvents(query, { cursor: after });
        if (!current(mine)) return;
        setEvents(mergePage(list, page.events));
        setCursor(page.next_cursor ?? null);
        setError(null);
      } catch (failure) {
        if (current(mine)) setError(messageOf(failure));
      } finally {
        if (current(mine)) setLoadingMore(false);
      }
    },
    async refresh() {
      const mine = generation;
      try {
        const page = await searchEvents(apiQuery(filters(), now()));
        if (!current(mine)) return;
        const shown = list;
        const newest = shown[0];
        const oldestFresh = page.events[page.events.length - 1];
        // The fresh page does not reach what is shown: events in between may be missing, so the
        // list starts over from it; otherwise it is merged in.
        const gap =
          newest && oldestFresh && page.next_cursor != null && oldestFresh.start_ms > newest.start_ms;
        if (gap) {
          setEvents(mergePage([], page.events));
          setCursor(page.next_cursor ?? null);
        } else setEvents(mergePage(shown, page.events));
        setError(null);
      } catch (failure) {
        if (current(mine)) setError(messageOf(failure));
      }
    },
    apply(message) {
      const oldest = list[list.length - 1];
      const floor = cursor() !== null && oldest ? oldest.start_ms : null;
      setEvents(applyMessage(list, message, matches(message.event, filters(), now()), floor));
    },
  };
  return feed;
}
