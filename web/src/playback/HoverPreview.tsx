// The hover card over the timeline: the time under the pointer and a frame of it, latest wins.
import { createEffect, createSignal, onCleanup, Show } from "solid-js";
import { THUMBNAIL_WIDTH } from "./thumbnails";
import { formatWall } from "./time";

/** A frame to show for a hovered time: the instant it is of, and its picture once loaded. */
export interface Thumbnail {
  atMs: number;
  url: Promise<string>;
}

export interface HoverPreviewProps {
  x: number;
  ms: number;
  widthPx: number;
  /** The frame for `ms`, or null where nothing is recorded. */
  thumbnail?: (ms: number) => Thumbnail | null;
}

export default function HoverPreview(props: HoverPreviewProps) {
  const [shown, setShown] = createSignal<{ atMs: number; url: string } | null>(null);
  const [wantedAt, setWantedAt] = createSignal<number | null>(null);
  let inFlight = false;
  let wanted: number | null = null;
  let alive = true;
  onCleanup(() => (alive = false));

  // One request at a time; while it runs only the newest hovered time waits for its turn.
  const pump = () => {
    if (inFlight || wanted === null || !alive) return;
    const ms = wanted;
    wanted = null;
    const next = props.thumbnail?.(ms) ?? null;
    setWantedAt(next?.atMs ?? null);
    if (!next) {
      setShown(null);
      pump();
      return;
    }
    inFlight = true;
    next.url
      .then((url) => alive && setShown({ atMs: next.atMs, url }))
      .catch(() => alive && setShown(null))
      .finally(() => {
        inFlight = false;
        pump();
      });
  };
  createEffect(() => {
    wanted = props.ms;
    pump();
  });

  const left = () => Math.min(props.x - THUMBNAIL_WIDTH / 2, props.widthPx - THUMBNAIL_WIDTH);
  return (
    <div
      class="timeline-hover"
      data-testid="timeline-hover"
      style={{ left: `${Math.max(0, left())}px` }}
    >
      <Show when={shown()}>
        {(frame) => (
          <img
            src={frame().url}
            alt=""
            width={THUMBNAIL_WIDTH}
            classList={{ stale: frame().atMs !== wantedAt() }}
            data-at-ms={frame().atMs}
          />
        )}
      </Show>
      <span>{formatWall(props.ms)}</span>
    </div>
  );
}
