// Moving around one camera's recordings: seek, step, jump, zoom, and the view following playback.
import { createEffect, untrack, type Accessor, type Setter } from "solid-js";
import { boundaries, nextTime, previousTime, type Interval } from "./intervals";
import { markerTimes, type TimelineMarker } from "./markers";
import type { PlaybackController } from "./playbackController";
import { keepVisible, latestView, viewEnd, zoomStep, type View } from "./time";

export interface Navigation {
  /** The user moved the view (drag, wheel, pinch, buttons). */
  changeView(view: View): void;
  seek(ms: number, direction?: 1 | -1): void;
  step(ms: number): void;
  /** To the previous/next event, or recording boundary while there are no events. */
  jump(direction: 1 | -1): void;
  zoom(direction: 1 | -1): void;
  latest(): void;
  togglePlay(): void;
}

function holds(view: View, ms: number | null): ms is number {
  return ms !== null && ms >= view.startMs && ms <= viewEnd(view);
}

export function createNavigation(
  view: Accessor<View>,
  setView: Setter<View>,
  player: PlaybackController,
  recorded: Accessor<readonly Interval[]>,
  markers: Accessor<readonly TimelineMarker[]>,
): Navigation {
  // The view follows the cursor while playing, until the user moves it away from the cursor.
  let follow = true;
  createEffect(() => {
    const cursor = player.cursor();
    if (cursor !== null && player.playing() && follow) {
      setView(keepVisible(untrack(view), cursor, Date.now()));
    }
  });

  const changeView = (next: View) => {
    follow = holds(next, player.cursor());
    setView(next);
  };
  const seek = (ms: number, direction: 1 | -1 = 1) => {
    follow = true;
    player.seek(ms, direction);
    setView(keepVisible(view(), player.cursor() ?? ms, Date.now()));
  };
  const jumpTimes = () =>
    markers().length > 0 ? markerTimes(markers()) : boundaries(recorded());

  return {
    changeView,
    seek,
    step(ms) {
      const cursor = player.cursor();
      if (cursor !== null) seek(cursor + ms, ms < 0 ? -1 : 1);
    },
    jump(direction) {
      const cursor = player.cursor();
      if (cursor === null) return;
      const times = jumpTimes();
      const target = direction === 1 ? nextTime(times, cursor) : previousTime(times, cursor);
      if (target !== null) seek(target, direction);
    },
    zoom(direction) {
      const v = view();
      const cursor = player.cursor();
      const anchor = holds(v, cursor) ? cursor : v.startMs + v.spanMs / 2;
      changeView(zoomStep(v, direction, anchor, Date.now()));
    },
    latest() {
      changeView(latestView(view().spanMs, Date.now()));
    },
    togglePlay() {
      follow = true;
      player.togglePlay();
    },
  };
}
