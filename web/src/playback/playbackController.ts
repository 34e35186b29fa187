// One camera's playback state: the cursor (wall time), play/pause, speed and the VOD windows.
import { createSignal, type Accessor } from "solid-js";
import { continueAfter, snap, type Interval } from "./intervals";
import { VodPlayer, vodUrl } from "./vodPlayer";
import { windowAround } from "./vodTime";

export const SPEEDS: readonly number[] = [0.5, 1, 2, 4, 8];
/** At the live edge of a recording in progress, look again this often for more of it. */
export const LIVE_WAIT_MS = 1_000;
const NO_LATER = "There is no recording after this moment.";
const NO_EARLIER = "There is no recording before this moment.";

export interface PlaybackController {
  cursor: Accessor<number | null>;
  playing: Accessor<boolean>;
  loading: Accessor<boolean>;
  error: Accessor<string | null>;
  rate: Accessor<number>;
  attach(video: HTMLVideoElement): void;
  /** Show `ms` (snapped to a recording in `direction`); keeps playing if playing. */
  seek(ms: number, direction?: 1 | -1): void;
  /** Move the cursor without loading (dragging the cursor); `seek` when the drag ends. */
  preview(ms: number): void;
  togglePlay(): void;
  setRate(rate: number): void;
  dispose(): void;
}

export function createPlaybackController(
  cameraId: string,
  stream: string,
  recorded: Accessor<readonly Interval[]>,
  now: () => number,
): PlaybackController {
  const [cursor, setCursor] = createSignal<number | null>(null);
  const [playing, setPlaying] = createSignal(false);
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [rate, setRateSignal] = createSignal(1);
  let player: VodPlayer | null = null;
  let scrubbing = false;
  let wantPlay = false;
  let liveWait: ReturnType<typeof setTimeout> | undefined;

  const open = (atMs: number, play: boolean) => {
    const window = windowAround(atMs, recorded(), now());
    if (!player || !window) return;
    void player.open(vodUrl(cameraId, stream, window), atMs, play);
  };

  // The window is over: go on with the next recording, or wait at the live edge for more.
  const goOn = (endMs: number) => {
    clearTimeout(liveWait);
    const next = continueAfter(recorded(), endMs, now());
    if (next === "wait") {
      liveWait = setTimeout(() => goOn(endMs), LIVE_WAIT_MS);
    } else if (next !== null) {
      setCursor(next);
      open(next, true);
    }
  };

  const controller: PlaybackController = {
    cursor,
    playing,
    loading,
    error,
    rate,
    attach(video) {
      player?.destroy();
      player = new VodPlayer(video, {
        time: (wallMs) => {
          if (!scrubbing) setCursor(wallMs);
        },
        playing: (value) => {
          setPlaying(value);
          if (value) setError(null);
        },
        error: setError,
        loading: setLoading,
        ended: goOn,
      });
      player.setRate(rate());
      const at = cursor();
      if (at !== null) open(at, false);
    },
    seek(ms, direction = 1) {
      clearTimeout(liveWait);
      scrubbing = false;
      const target = snap(recorded(), ms, direction);
      if (target === null) {
        setError(direction === 1 ? NO_LATER : NO_EARLIER);
        return;
      }
      setError(null);
      setCursor(target);
      if (!player) return;
      const play = wantPlay || !player.paused();
      if (!player.seek(target)) open(target, play);
    },
    preview(ms) {
      scrubbing = true;
      setCursor(ms);
    },
    togglePlay() {
      if (!player) return;
      if (!player.paused()) {
        clearTimeout(liveWait);
        wantPlay = false;
        player.pause();
        return;
      }
      const at = cursor();
      const held = player.loaded();
      wantPlay = true;
      if (at !== null && held && at >= held.startMs && at < held.endMs) player.play();
      else if (at !== null) controller.seek(at);
    },
    setRate(value) {
      setRateSignal(value);
      player?.setRate(value);
    },
    dispose() {
      clearTimeout(liveWait);
      player?.destroy();
      player = null;
    },
  };
  return controller;
}
