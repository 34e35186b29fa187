// An event's snapshot (with its object's path) and facts, with the way to the playback page at its
// moment.
import { A } from "@solidjs/router";
import { For, Show } from "solid-js";
import EventPicture from "./EventPicture";
import type { EventOut } from "./eventsApi";
import { formatEventDuration, formatScore, formatStart, formatZones, ruleFacts } from "./format";

const FACT_NAMES: Record<string, string> = {
  rule: "Rule",
  track: "Track",
  direction: "Direction",
  counts: "Crossings so far",
  peak: "Most at once",
};

export default function EventFacts(props: { event: EventOut; camera: string }) {
  const playbackHref = () =>
    `/playback/${encodeURIComponent(props.event.camera_id)}?at=${props.event.start_ms}`;
  return (
    <aside class="event-facts-panel">
      <Show when={props.event.snapshot_url} fallback={<p class="muted">No snapshot for this event.</p>}>
        {(url) => <EventPicture event={props.event} url={url()} />}
      </Show>
      <dl class="event-facts-list" data-testid="event-facts">
        <dt>Camera</dt>
        <dd>{props.camera}</dd>
        <dt>Label</dt>
        <dd>{props.event.label}</dd>
        <dt>Zones</dt>
        <dd>{formatZones(props.event.zones)}</dd>
        <For each={ruleFacts(props.event)}>
          {(fact) => (
            <>
              <dt>{FACT_NAMES[fact.key] ?? fact.key}</dt>
              <dd data-testid={`event-detail-${fact.key}`}>{fact.text}</dd>
            </>
          )}
        </For>
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
