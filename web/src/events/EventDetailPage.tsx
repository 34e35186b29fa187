// The event view `/events/:eventId`: the snapshot, the facts, the clip from the recordings, a link
// to the playback page at that moment, and the older/newer events of the current filters.
import { A, useLocation, useNavigate, useParams } from "@solidjs/router";
import { createEffect, createMemo, createResource, createSignal, on, onCleanup, Show } from "solid-js";
import ErrorAlert from "../app/ErrorAlert";
import { createLoader } from "../settings/loader";
import { newerEvent, olderEvent } from "./adjacent";
import ClipPlayer from "./ClipPlayer";
import EventFacts from "./EventFacts";
import { listCameras } from "../settings/cameras/camerasApi";
import { getEvent, type EventOut } from "./eventsApi";
import { emptyFilters, filtersFromQuery, filtersToQuery, matches, sameFilters } from "./filters";
import { cameraName } from "./format";
import { createEventStream } from "./liveStream";
import "./events.css";

/** The recordings to play for `event` at `nowMs`: its clip, up to now while it goes on. */
export function clipRange(event: EventOut, nowMs: number): { startMs: number; endMs: number } {
  const endMs = event.end_ms === null ? nowMs : Math.min(event.clip.end_ms, nowMs);
  return { startMs: event.clip.start_ms, endMs };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export default function EventDetailPage() {
  const params = useParams<{ eventId: string }>();
  const location = useLocation();
  const navigate = useNavigate();
  const filters = createMemo(() => filtersFromQuery(new URLSearchParams(location.search)), emptyFilters(), {
    equals: sameFilters,
  });
  const search = () => filtersToQuery(filters());
  const cameras = createLoader(listCameras);
  const [event, { mutate }] = createResource(() => params.eventId, getEvent);
  const shown = () => (event.state === "ready" || event.state === "refreshing" ? event() : undefined);
  const [older, setOlder] = createSignal<EventOut | null>(null);
  const [newer, setNewer] = createSignal<EventOut | null>(null);
  const [neighbourError, setNeighbourError] = createSignal<string | null>(null);
  let alive = true;
  onCleanup(() => {
    alive = false;
  });

  // The neighbours, once per event (not again on its live updates) and filters.
  const shownId = createMemo(() => shown()?.id);
  createEffect(
    on([shownId, filters], ([id]) => {
      setOlder(null);
      setNewer(null);
      const current = shown();
      if (!id || !current) return;
      const now = Date.now();
      const wanted = () => alive && shown()?.id === id;
      Promise.all([olderEvent(current, filters(), now), newerEvent(current, filters(), now)])
        .then(([before, after]) => {
          if (!wanted()) return;
          setOlder(before);
          setNewer(after);
          setNeighbourError(null);
        })
        .catch((error: unknown) => wanted() && setNeighbourError(messageOf(error)));
    }),
  );

  // Live: this event's updates (an ongoing one ends), and a newer event arriving.
  createEventStream(
    () => filters().cameras,
    ({ event: update }) => {
      const current = shown();
      if (!current) return;
      if (update.id === current.id) mutate(update);
      else if (update.start_ms > current.start_ms && matches(update, filters(), Date.now())) {
        const next = newer();
        if (!next || update.start_ms < next.start_ms || update.id === next.id) setNewer(update);
      }
    },
    () => undefined,
  );

  // The player is made once per event (updates of an ongoing event do not restart it), once the
  // cameras say which stream is recorded.
  const clip = createMemo(
    () => {
      const current = shown();
      if (!current || (cameras.data() === null && cameras.error() === null)) return null;
      const camera = cameras.data()?.find((item) => item.id === current.camera_id);
      const stream = camera?.record_stream ?? "main";
      return { id: current.id, cameraId: current.camera_id, stream, ...clipRange(current, Date.now()) };
    },
    null,
    { equals: (a, b) => a?.id === b?.id },
  );
  const go = (target: EventOut | null) => target && navigate(`/events/${encodeURIComponent(target.id)}${search()}`);

  return (
    <section class="event-detail" aria-labelledby="event-title">
      <div class="row events-head">
        <A href={`/events${search()}`} data-testid="back-to-events">
          ← Events
        </A>
        <h1 id="event-title">
          <Show when={shown()} fallback="Event">
            {(current) => `${current().label} on ${cameraName(cameras.data() ?? undefined, current().camera_id)}`}
          </Show>
        </h1>
      </div>
      <Show when={event.error as unknown}>
        <ErrorAlert prefix="The event could not be loaded: " message={messageOf(event.error)} testId="event-error" />
      </Show>
      <Show when={event.loading && !shown()}>
        <p class="loading">Loading…</p>
      </Show>
      <Show when={shown()}>
        {(current) => (
          <div class="event-detail-body">
            <Show when={clip()} keyed>
              {(range) => (
                <ClipPlayer cameraId={range.cameraId} stream={range.stream} startMs={range.startMs} endMs={range.endMs} />
              )}
            </Show>
            <EventFacts event={current()} camera={cameraName(cameras.data() ?? undefined, current().camera_id)} />
          </div>
        )}
      </Show>
      <ErrorAlert prefix="The neighbouring events could not be found: " message={neighbourError()} />
      <nav class="row event-nav" aria-label="Other events">
        <button type="button" data-testid="event-older" disabled={!older()} onClick={() => go(older())}>
          ← Older event
        </button>
        <button type="button" data-testid="event-newer" disabled={!newer()} onClick={() => go(newer())}>
          Newer event →
        </button>
      </nav>
    </section>
  );
}
