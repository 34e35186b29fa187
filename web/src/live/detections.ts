// Live detections for the overlay: boxes moved from the analysed frame's pixels to the shown
// video's, their captions, and a poll of the detections endpoint while the overlay is on.
import { createEffect, createSignal, on, onCleanup, type Accessor } from "solid-js";
import { getDetections, type LiveDetections, type LiveObject } from "../api/rules";

export interface Size {
  width: number;
  height: number;
}

/** About four times a second: enough to follow a walker while setting up rules. */
export const POLL_MS = 250;
/** After a failure, ask again this much later. */
export const RETRY_MS = 1000;

/** A box [x1, y1, x2, y2] in pixels of `from` as x, y, width, height in pixels of `to` (the
 * analysed stream may be the sub stream while the main stream is shown), kept inside `to`. */
export function scaleBox(box: LiveObject["box"], from: Size, to: Size): { x: number; y: number; width: number; height: number } {
  if (from.width <= 0 || from.height <= 0) return { x: 0, y: 0, width: 0, height: 0 };
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  const clampX = (value: number) => Math.min(to.width, Math.max(0, value * sx));
  const clampY = (value: number) => Math.min(to.height, Math.max(0, value * sy));
  const [x1, y1, x2, y2] = [clampX(Math.min(box[0], box[2])), clampY(Math.min(box[1], box[3])), clampX(Math.max(box[0], box[2])), clampY(Math.max(box[1], box[3]))];
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

/** "person #12 87%", or "person 87%" for an object no track holds yet. */
export function caption(object: LiveObject): string {
  const track = object.track_id === null ? "" : ` #${object.track_id}`;
  return `${object.label}${track} ${Math.round(object.score * 100)}%`;
}

export interface DetectionPoll {
  latest: Accessor<LiveDetections | null>;
  error: Accessor<string | null>;
}

/** While `active()`, ask for the camera's detections every POLL_MS (one request at a time: the
 * next waits for the answer); switched off or disposed, stop and forget what was seen. */
export function createDetectionPoll(cameraId: string, active: Accessor<boolean>): DetectionPoll {
  const [latest, setLatest] = createSignal<LiveDetections | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let request: AbortController | null = null;
  let running = false;

  async function tick() {
    timer = undefined;
    const mine = new AbortController();
    request = mine;
    let wait = POLL_MS;
    try {
      const answer = await getDetections(cameraId, mine.signal);
      if (mine.signal.aborted) return;
      setLatest(answer);
      setError(null);
    } catch (failure) {
      if (mine.signal.aborted) return;
      setError(failure instanceof Error ? failure.message : String(failure));
      wait = RETRY_MS;
    }
    if (running) timer = setTimeout(() => void tick(), wait);
  }

  function stop() {
    running = false;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    request?.abort();
    request = null;
    setLatest(null);
    setError(null);
  }

  createEffect(
    on(active, (wanted) => {
      if (wanted && !running) {
        running = true;
        void tick();
      } else if (!wanted && running) stop();
    }),
  );
  onCleanup(stop);
  return { latest, error };
}
