// Zoom buttons and the visible span over the timeline, and a jump back to the latest moment.
import { MAX_SPAN_MS, MIN_SPAN_MS, spanLabel } from "./time";

export interface ZoomBarProps {
  spanMs: number;
  onZoom: (direction: 1 | -1) => void;
  onLatest: () => void;
}

export default function ZoomBar(props: ZoomBarProps) {
  return (
    <div class="zoom-bar row" role="group" aria-label="Timeline zoom">
      <button
        type="button"
        onClick={() => props.onZoom(-1)}
        disabled={props.spanMs >= MAX_SPAN_MS}
        aria-label="Zoom out"
        title="Zoom out (−)"
        data-testid="zoom-out"
      >
        −
      </button>
      <span class="zoom-span" data-testid="zoom-span" aria-live="polite">
        {spanLabel(props.spanMs)}
      </span>
      <button
        type="button"
        onClick={() => props.onZoom(1)}
        disabled={props.spanMs <= MIN_SPAN_MS}
        aria-label="Zoom in"
        title="Zoom in (+)"
        data-testid="zoom-in"
      >
        +
      </button>
      <button type="button" onClick={() => props.onLatest()} title="Show the latest recording">
        Now
      </button>
    </div>
  );
}
