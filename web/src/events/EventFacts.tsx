// An event's snapshot and facts, with the way to the playback page at its moment.
import { A } from "@solidjs/router";
import { Show } from "solid-js";
import type { EventOut } from "./eventsApi";
import { formatEventDuration, formatScore, formatStart, formatZones } from "./format";

export default function EventFacts(props: { event: EventOut; camera: string }) {
  const playbackHref = () =>
    `/playback/${encodeURIComponent(props.event.camera_id)}?at=${props.event.start_ms}`;
  return (
    <aside class="event-facts-panel">
      <Show when={props.event.snapshot_url} fallback={<p class="muted">No snapshot for this event.</p>}>
        {(url) => (
          <img
            class="event-snapshot"
            src={url()}
            alt={`Snapshot of the ${props.event.label} event`}
            data-testid="event-snapshot"
          />
        )}
      </Show>
      <dl class="event-facts-list" data-testid="event-facts">
        <dt>Camera</dt>
        <dd>{props.camera}</dd>
        <dt>Label</dt>
        <dd>{props.event.label}</dd>
        <dt>Zones</dt>
        <dd>{formatZones(props.event.zones)}</dd>
        <dt>Score</dt>
        <dd>{formatScore(props.event.score)}</dd>
        <dt>Started</dt>
        <dd>{formatStart(props.event.start_ms)}</dd>
        <dt>Duration</dt>
        <dd data-testid="event-detail-duration">{formatEventDuration(props.event.start_ms, props.event.end_ms)}</dd>
      </dl>
      <A href={playbackHref()} class="button" data-testid="open-in-playback">
        Open in playback
      </A>
    </aside>
  );
}
