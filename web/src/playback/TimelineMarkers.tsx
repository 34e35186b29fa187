// The event lane under the timeline: a button per marker, its picture and label on hover/focus.
import { createMemo, createSignal, Index, Show } from "solid-js";
import { placeMarkers, type TimelineMarker } from "./markers";
import { formatWall, type View } from "./time";

export interface TimelineMarkersProps {
  markers: readonly TimelineMarker[];
  view: View;
  widthPx: number;
  onMarker: (marker: TimelineMarker) => void;
}

export default function TimelineMarkers(props: TimelineMarkersProps) {
  const layout = createMemo(() => placeMarkers(props.markers, props.view, props.widthPx));
  return (
    <Show when={props.markers.length > 0}>
      <div class="timeline-markers" data-testid="timeline-markers">
        <Index each={layout().placed}>
          {(item) => {
            const [open, setOpen] = createSignal(false);
            const marker = () => item().marker;
            return (
              <button
                type="button"
                class={`timeline-marker marker-${marker().kind ?? "event"}`}
                style={{ left: `${item().x}px` }}
                aria-label={`${marker().label} at ${formatWall(marker().atMs)}`}
                data-testid="timeline-marker"
                onClick={() => props.onMarker(marker())}
                onMouseEnter={() => setOpen(true)}
                onMouseLeave={() => setOpen(false)}
                onFocus={() => setOpen(true)}
                onBlur={() => setOpen(false)}
              >
                <Show when={open()}>
                  <span class="marker-tip" role="tooltip">
                    <Show when={marker().thumbnailUrl}>
                      {(url) => <img src={url()} alt="" />}
                    </Show>
                    <span>{marker().label}</span>
                    <span class="muted">{formatWall(marker().atMs)}</span>
                  </span>
                </Show>
              </button>
            );
          }}
        </Index>
        <Show when={layout().hidden > 0}>
          <span class="markers-hidden muted">+{layout().hidden} close together</span>
        </Show>
      </div>
    </Show>
  );
}
