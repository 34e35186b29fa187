// The timeline of one camera: a canvas of recordings and gaps, the cursor, hover frames, markers.
import { createEffect, createSignal, onCleanup, onMount, Show } from "solid-js";
import { createGestures } from "./gestures";
import HoverPreview, { type Thumbnail } from "./HoverPreview";
import type { Gap, Interval } from "./intervals";
import type { TimelineMarker } from "./markers";
import { drawTimeline, DEFAULT_PALETTE, paletteFrom, type Palette } from "./timelineDraw";
import TimelineMarkers from "./TimelineMarkers";
import { formatWall, msToX, viewEnd, xToMs, type View } from "./time";

export interface TimelineProps {
  view: View;
  onView: (view: View) => void;
  nowMs: number;
  cursorMs: number | null;
  recorded: readonly Interval[];
  gaps: readonly Gap[];
  markers: readonly TimelineMarker[];
  selection: Interval | null;
  onSeek: (ms: number) => void;
  onScrub: (ms: number) => void;
  onSelect: (range: Interval) => void;
  onMarker: (marker: TimelineMarker) => void;
  thumbnail?: (ms: number) => Thumbnail | null;
}

export const TRACK_HEIGHT_PX = 54;
const FALLBACK_WIDTH_PX = 600; // before layout (and in tests without one)

export default function Timeline(props: TimelineProps) {
  let track!: HTMLDivElement;
  let canvas!: HTMLCanvasElement;
  const [width, setWidth] = createSignal(FALLBACK_WIDTH_PX);
  const [hoverX, setHoverX] = createSignal<number | null>(null);
  let palette: Palette = DEFAULT_PALETTE;

  const cursorX = () => {
    const at = props.cursorMs;
    if (at === null || at < props.view.startMs || at > viewEnd(props.view)) return null;
    return msToX(props.view, width(), at);
  };

  const gestures = createGestures({
    view: () => props.view,
    width,
    now: () => props.nowMs,
    cursorX,
    setView: (view) => props.onView(view),
    seek: (ms) => props.onSeek(ms),
    scrub: (ms) => props.onScrub(ms),
    select: (range) => props.onSelect(range),
    hover: setHoverX,
  });

  onMount(() => {
    palette = paletteFrom(track);
    const measure = () => setWidth(track.clientWidth || FALLBACK_WIDTH_PX);
    measure();
    if (typeof ResizeObserver !== "undefined") {
      const observer = new ResizeObserver(measure);
      observer.observe(track);
      onCleanup(() => observer.disconnect());
    }
    track.addEventListener("wheel", gestures.wheel, { passive: false });
    onCleanup(() => track.removeEventListener("wheel", gestures.wheel));
  });

  createEffect(() => {
    const w = width();
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(TRACK_HEIGHT_PX * dpr);
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawTimeline(
      ctx,
      {
        view: props.view,
        widthPx: w,
        heightPx: TRACK_HEIGHT_PX,
        nowMs: props.nowMs,
        recorded: props.recorded,
        gaps: props.gaps,
        selection: props.selection,
      },
      palette,
    );
  });

  const cursorText = () => (props.cursorMs === null ? "no position" : formatWall(props.cursorMs));
  return (
    <div class="timeline">
      <div
        ref={track}
        class="timeline-track"
        role="slider"
        tabindex="0"
        aria-label="Timeline: click to seek, drag to pan, Shift+drag to select an export range"
        aria-valuemin={Math.round(props.view.startMs)}
        aria-valuemax={Math.round(viewEnd(props.view))}
        aria-valuenow={props.cursorMs === null ? undefined : Math.round(props.cursorMs)}
        aria-valuetext={cursorText()}
        data-testid="timeline-track"
        data-start-ms={Math.round(props.view.startMs)}
        data-span-ms={Math.round(props.view.spanMs)}
        style={{ height: `${TRACK_HEIGHT_PX}px` }}
        onPointerDown={gestures.pointerdown}
        onPointerMove={gestures.pointermove}
        onPointerUp={gestures.pointerup}
        onPointerCancel={gestures.pointercancel}
        onPointerLeave={gestures.pointerleave}
      >
        <canvas ref={canvas} aria-hidden="true" />
        <Show when={cursorX() !== null}>
          <div
            class="timeline-cursor"
            data-testid="timeline-cursor"
            style={{ left: `${cursorX() ?? 0}px` }}
          />
        </Show>
        <Show when={hoverX() !== null}>
          <HoverPreview
            x={hoverX() ?? 0}
            ms={xToMs(props.view, width(), hoverX() ?? 0)}
            widthPx={width()}
            thumbnail={props.thumbnail}
          />
        </Show>
      </div>
      <TimelineMarkers
        markers={props.markers}
        view={props.view}
        widthPx={width()}
        onMarker={props.onMarker}
      />
    </div>
  );
}
