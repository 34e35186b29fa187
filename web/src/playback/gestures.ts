// Pointer and wheel gestures on the timeline: click to seek, drag to pan, drag the cursor to scrub,
// Shift+drag to select a range, two fingers to pinch-zoom, the wheel to zoom (or pan sideways).
import type { Interval } from "./intervals";
import { panBy, xToMs, zoomAt, type View } from "./time";

export const DRAG_THRESHOLD_PX = 4;
export const CURSOR_GRAB_PX = { mouse: 10, touch: 24 };

export type DragMode = "pan" | "scrub" | "select";

/** What a drag does, decided once it has moved past the threshold. */
export function dragMode(shiftKey: boolean, onCursor: boolean): DragMode {
  if (shiftKey) return "select";
  return onCursor ? "scrub" : "pan";
}

/** Zoom factor for a wheel event: one notch (100 px) ≈ 16 %, pixels and lines alike. */
export function wheelFactor(deltaY: number, deltaMode: number): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(px * 0.0015);
}

export interface GestureTarget {
  view(): View;
  width(): number;
  now(): number;
  cursorX(): number | null;
  setView(view: View): void;
  seek(ms: number): void;
  scrub(ms: number): void;
  select(range: Interval): void;
  hover(x: number | null): void;
}

interface Drag {
  id: number;
  x0: number;
  view0: View;
  shift: boolean;
  onCursor: boolean;
  mode: DragMode | null;
  lastX: number;
}

/** Handlers to bind on the track element; x positions are relative to its left edge. */
export function createGestures(target: GestureTarget) {
  const pointers = new Map<number, number>();
  let drag: Drag | null = null;
  let pinch: { d0: number; view0: View; anchorMs: number } | null = null;
  const localX = (event: PointerEvent | WheelEvent) =>
    event.clientX - (event.currentTarget as Element).getBoundingClientRect().left;
  const timeAt = (x: number, view = target.view()) =>
    xToMs(view, target.width(), Math.min(Math.max(0, x), target.width()));

  const apply = (d: Drag, x: number) => {
    if (d.mode === "pan") target.setView(panBy(d.view0, x - d.x0, target.width(), target.now()));
    else if (d.mode === "scrub") target.scrub(timeAt(x));
    else if (d.mode === "select") {
      const a = timeAt(d.x0, d.view0);
      const b = timeAt(x);
      target.select({ startMs: Math.min(a, b), endMs: Math.max(a, b) });
    }
  };

  return {
    pointerdown(event: PointerEvent) {
      if (event.pointerType === "mouse" && event.button !== 0) return;
      (event.currentTarget as Element).setPointerCapture?.(event.pointerId);
      const x = localX(event);
      pointers.set(event.pointerId, x);
      if (pointers.size === 2) {
        const [a, b] = [...pointers.values()] as [number, number];
        const d0 = Math.max(1, Math.abs(a - b));
        pinch = { d0, view0: target.view(), anchorMs: timeAt((a + b) / 2) };
        drag = null;
        return;
      }
      const cursorX = target.cursorX();
      const grab = event.pointerType === "mouse" ? CURSOR_GRAB_PX.mouse : CURSOR_GRAB_PX.touch;
      const onCursor = cursorX !== null && Math.abs(cursorX - x) <= grab;
      const view0 = target.view();
      const shift = event.shiftKey;
      drag = { id: event.pointerId, x0: x, view0, shift, onCursor, mode: null, lastX: x };
    },
    pointermove(event: PointerEvent) {
      const x = localX(event);
      if (pointers.has(event.pointerId)) pointers.set(event.pointerId, x);
      if (pinch && pointers.size === 2) {
        const [a, b] = [...pointers.values()] as [number, number];
        const factor = pinch.d0 / Math.max(1, Math.abs(a - b));
        target.setView(zoomAt(pinch.view0, factor, pinch.anchorMs, target.now()));
        return;
      }
      if (drag && drag.id === event.pointerId) {
        if (drag.mode === null && Math.abs(x - drag.x0) > DRAG_THRESHOLD_PX) {
          drag.mode = dragMode(drag.shift, drag.onCursor);
          target.hover(null);
        }
        drag.lastX = x;
        if (drag.mode !== null) apply(drag, x);
        return;
      }
      if (event.pointerType === "mouse") target.hover(x);
    },
    pointerup(event: PointerEvent) {
      pointers.delete(event.pointerId);
      if (pinch) {
        if (pointers.size < 2) pinch = null;
        return;
      }
      const d = drag;
      if (!d || d.id !== event.pointerId) return;
      drag = null;
      const x = localX(event);
      if (d.mode === null || d.mode === "scrub") target.seek(timeAt(x));
      else apply(d, x);
    },
    pointercancel(event: PointerEvent) {
      pointers.delete(event.pointerId);
      const d = drag;
      pinch = null;
      drag = null;
      if (d?.mode === "scrub") target.seek(timeAt(d.lastX)); // end the scrub where it was
    },
    pointerleave() {
      target.hover(null);
    },
    wheel(event: WheelEvent) {
      event.preventDefault();
      const view = target.view();
      if (Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
        target.setView(panBy(view, -event.deltaX, target.width(), target.now()));
        return;
      }
      const factor = wheelFactor(event.deltaY, event.deltaMode);
      target.setView(zoomAt(view, factor, timeAt(localX(event)), target.now()));
    },
  };
}
