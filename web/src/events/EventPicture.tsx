// An event's snapshot with the path of its tracked object drawn over it (an SVG polyline in the
// picture's own pixels, from a start dot to an arrow head where the object went).
import { createSignal, Show } from "solid-js";
import type { EventOut } from "./eventsApi";
import { pointsAttribute, scalePath, type PictureSize } from "./path";

const DEFAULT_SIZE: PictureSize = { width: 1280, height: 720 };

export default function EventPicture(props: { event: EventOut; url: string }) {
  const [size, setSize] = createSignal(DEFAULT_SIZE);
  const points = () => scalePath(props.event.path, size());
  const first = () => points()[0];
  const stroke = () => Math.max(2, size().width / 320);
  return (
    <div class="event-picture">
      <img
        class="event-snapshot"
        src={props.url}
        alt={`Snapshot of the ${props.event.label} event`}
        data-testid="event-snapshot"
        onLoad={(event) => {
          const image = event.currentTarget;
          if (image.naturalWidth > 0) setSize({ width: image.naturalWidth, height: image.naturalHeight });
        }}
      />
      <Show when={points().length > 1}>
        <svg
          class="event-path"
          viewBox={`0 0 ${size().width} ${size().height}`}
          preserveAspectRatio="none"
          aria-label="The object's path"
          role="img"
          data-testid="event-path"
        >
          <defs>
            <marker id="event-path-head" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="4" markerHeight="4" orient="auto">
              <path d="M 0 0 L 10 5 L 0 10 z" />
            </marker>
          </defs>
          <polyline points={pointsAttribute(points())} stroke-width={stroke()} marker-end="url(#event-path-head)" />
          <Show when={first()}>{(start) => <circle cx={start()[0]} cy={start()[1]} r={stroke() * 2} />}</Show>
        </svg>
      </Show>
    </div>
  );
}
