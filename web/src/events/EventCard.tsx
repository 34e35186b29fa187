// One event in the list: its thumbnail (or snapshot), camera, label, zones, score, start and
// duration, and for a rule's event the rule, track, direction and counts; the whole card links to
// the event's detail view (keeping the filters).
import { A } from "@solidjs/router";
import { For, Show } from "solid-js";
import type { EventOut } from "./eventsApi";
import { describeEvent, formatEventDuration, formatScore, formatStart, formatZones, listPicture, ruleFacts } from "./format";

interface Props {
  event: EventOut;
  camera: string;
  /** The filters' query ("?camera=…" or ""), carried to the detail view. */
  search: string;
}

export default function EventCard(props: Props) {
  const ongoing = () => props.event.end_ms === null;
  return (
    <li
      class="event-item"
      classList={{ ongoing: ongoing() }}
      data-testid="event-item"
      data-event-id={props.event.id}
    >
      <A
        href={`/events/${encodeURIComponent(props.event.id)}${props.search}`}
        class="event-link"
        aria-label={describeEvent(props.event, props.camera)}
      >
        <div class="event-thumb">
          <Show when={listPicture(props.event)} fallback={<span class="muted">No picture</span>}>
            {(url) => (
              <img src={url()} alt="" loading="lazy" width="160" height="90" data-testid="event-thumbnail" />
            )}
          </Show>
        </div>
        <div class="event-facts">
          <div class="event-title">
            <span class={`event-label label-${props.event.label}`}>{props.event.label}</span>
            <span class="event-camera">{props.camera}</span>
          </div>
          <div class="muted">
            <time datetime={new Date(props.event.start_ms).toISOString()}>{formatStart(props.event.start_ms)}</time>
            {" · "}
            <span data-testid="event-duration">{formatEventDuration(props.event.start_ms, props.event.end_ms)}</span>
          </div>
          <div class="event-meta">
            <span data-testid="event-score">score {formatScore(props.event.score)}</span>
            <span data-testid="event-zones">{formatZones(props.event.zones)}</span>
          </div>
          <Show when={ruleFacts(props.event).length > 0}>
            <div class="event-meta event-rule" data-testid="event-rule-facts">
              <For each={ruleFacts(props.event)}>{(fact) => <span data-testid={`event-${fact.key}`}>{fact.text}</span>}</For>
            </div>
          </Show>
        </div>
      </A>
    </li>
  );
}
