// The Events page `/events`: filters kept in the address, the list newest first with "Load more",
// and new events arriving live from the event stream.
import { useLocation, useNavigate } from "@solidjs/router";
import { createEffect, createMemo, For, on, Show } from "solid-js";
import ErrorAlert from "../app/ErrorAlert";
import { createLoader } from "../settings/loader";
import EmptyState from "./EmptyState";
import EventCard from "./EventCard";
import { createEventFeed } from "./eventFeed";
import EventFilterBar from "./EventFilterBar";
import { listCameras } from "../settings/cameras/camerasApi";
import { listLabels, zoneAndRuleNames, type EventOut } from "./eventsApi";
import { emptyFilters, filtersFromQuery, filtersToQuery, sameFilters, type EventFilters } from "./filters";
import { cameraName } from "./format";
import LiveBadge from "./LiveBadge";
import { createEventStream } from "./liveStream";
import "./events.css";

export default function EventsPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const filters = createMemo(() => filtersFromQuery(new URLSearchParams(location.search)), emptyFilters(), {
    equals: sameFilters,
  });
  const setFilters = (next: EventFilters) => navigate(`/events${filtersToQuery(next)}`, { replace: true });
  const search = () => filtersToQuery(filters());

  const cameras = createLoader(listCameras);
  const labels = createLoader(listLabels);
  const feed = createEventFeed(filters);
  const live = createEventStream(() => filters().cameras, feed.apply, () => void feed.refresh());

  // The zones and rules to offer: those of the chosen cameras, or of every camera when none is.
  const shapeCameras = () => (filters().cameras.length ? filters().cameras : (cameras.data() ?? []).map((c) => c.id));
  const shapes = createLoader(() => zoneAndRuleNames(shapeCameras()));
  const shapeKey = createMemo(() => shapeCameras().join("\n"));
  createEffect(on(shapeKey, () => void shapes.reload(), { defer: true }));

  const withShown = (names: readonly string[], shown: (event: EventOut) => string | null | undefined) =>
    [...new Set([...names, ...feed.events().flatMap((e) => shown(e) ?? [])])].sort();
  const labelOptions = () => withShown(labels.data() ?? [], (e) => e.label);
  const ruleOptions = () => withShown(shapes.data()?.rules ?? [], (e) => e.rule);
  const nameOf = (id: string) => cameraName(cameras.data() ?? undefined, id);

  return (
    <section class="events-page" aria-labelledby="events-title">
      <div class="row events-head">
        <h1 id="events-title">Events</h1>
        <LiveBadge state={live()} />
      </div>
      <EventFilterBar
        filters={filters()}
        cameras={cameras.data() ?? []}
        labels={labelOptions()}
        zones={shapes.data()?.zones ?? []}
        rules={ruleOptions()}
        onChange={setFilters}
      />
      <ErrorAlert prefix="The cameras could not be loaded: " message={cameras.error()} />
      <ErrorAlert prefix="The zones and rules could not be loaded: " message={shapes.error()} />
      <ErrorAlert prefix="The events could not be loaded: " message={feed.error()} testId="events-error" />
      <Show when={!feed.loading()} fallback={<p class="loading">Loading events…</p>}>
        <Show
          when={feed.events().length > 0}
          fallback={
            <Show when={!feed.error()}>
              <EmptyState
                filters={filters()}
                cameras={cameras.data()}
                cameraName={nameOf}
                onClear={() => setFilters(emptyFilters())}
              />
            </Show>
          }
        >
          <ul class="event-list" data-testid="event-list" aria-label="Events, newest first">
            <For each={feed.events()}>
              {(event) => <EventCard event={event} camera={nameOf(event.camera_id)} search={search()} />}
            </For>
          </ul>
        </Show>
        <Show when={feed.hasMore()}>
          <button
            type="button"
            class="load-more"
            data-testid="load-more"
            disabled={feed.loadingMore()}
            onClick={() => void feed.loadMore()}
          >
            {feed.loadingMore() ? "Loading…" : "Load more"}
          </button>
        </Show>
      </Show>
    </section>
  );
}
