// Paints the timeline canvas: ticks, recorded runs, gaps by cause, export range and the now edge.
import { inProgress, pixelRuns, type Gap, type Interval } from "./intervals";
import { msToX, ticks, viewEnd, type View } from "./time";

/** The part of CanvasRenderingContext2D the painter uses (tests pass a recorder). */
export type Painter = Pick<
  CanvasRenderingContext2D,
  | "clearRect"
  | "fillRect"
  | "fillText"
  | "beginPath"
  | "moveTo"
  | "lineTo"
  | "stroke"
  | "fillStyle"
  | "strokeStyle"
  | "lineWidth"
  | "font"
  | "textAlign"
  | "textBaseline"
>;

export interface Palette {
  text: string;
  muted: string;
  border: string;
  recorded: string;
  /** From the end of the recording in progress to now: being recorded, not yet on disk. */
  recording: string;
  selection: string;
  now: string;
  future: string;
  gap: Record<string, string>; // by cause; "unknown" is the fallback
}

export const DEFAULT_PALETTE: Palette = {
  text: "#e6e8ec",
  muted: "#9aa2b1",
  border: "#2c313c",
  recorded: "#2fbf71",
  recording: "rgba(47, 191, 113, 0.35)",
  selection: "rgba(61, 139, 253, 0.3)",
  now: "#ef5350",
  future: "rgba(255, 255, 255, 0.04)",
  gap: {
    camera_offline: "#ef5350",
    vms_down: "#f0b429",
    retention: "#6b7280",
    unknown: "#3a404c",
  },
};

export interface Scene {
  view: View;
  widthPx: number;
  heightPx: number;
  nowMs: number;
  recorded: readonly Interval[];
  gaps: readonly Gap[];
  selection: Interval | null;
}

/** Vertical layout in CSS pixels. */
export const LAYOUT = { tickBottom: 18, trackTop: 22, trackBottom: 44, gapTop: 47, gapBottom: 51 };

export function drawTimeline(ctx: Painter, scene: Scene, palette: Palette = DEFAULT_PALETTE): void {
  const { view, widthPx: w, heightPx: h } = scene;
  ctx.clearRect(0, 0, w, h);

  const nowX = msToX(view, w, scene.nowMs);
  if (nowX < w) {
    ctx.fillStyle = palette.future;
    ctx.fillRect(Math.max(0, nowX), 0, w - Math.max(0, nowX), h);
  }

  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "top";
  ctx.textAlign = "left";
  ctx.lineWidth = 1;
  for (const tick of ticks(view, w)) {
    const x = Math.round(msToX(view, w, tick.ms)) + 0.5;
    ctx.strokeStyle = tick.major ? palette.muted : palette.border;
    ctx.beginPath();
    ctx.moveTo(x, tick.major ? 0 : 12);
    ctx.lineTo(x, LAYOUT.trackBottom);
    ctx.stroke();
    ctx.fillStyle = tick.major ? palette.text : palette.muted;
    ctx.fillText(tick.label, x + 3, 2);
  }

  ctx.fillStyle = palette.border;
  ctx.fillRect(0, LAYOUT.trackTop, w, LAYOUT.trackBottom - LAYOUT.trackTop);
  ctx.fillStyle = palette.recorded;
  for (const [x0, x1] of pixelRuns(scene.recorded, view, w)) {
    ctx.fillRect(x0, LAYOUT.trackTop, x1 - x0, LAYOUT.trackBottom - LAYOUT.trackTop);
  }
  drawLiveEdge(ctx, scene, palette);

  const end = viewEnd(view);
  for (const gap of scene.gaps) {
    if (gap.endMs <= view.startMs || gap.startMs >= end) continue;
    const x0 = Math.max(0, msToX(view, w, gap.startMs));
    const x1 = Math.min(w, Math.max(x0 + 1, msToX(view, w, gap.endMs)));
    ctx.fillStyle = palette.gap[gap.cause] ?? palette.gap.unknown ?? palette.muted;
    ctx.fillRect(x0, LAYOUT.gapTop, x1 - x0, LAYOUT.gapBottom - LAYOUT.gapTop);
  }

  if (scene.selection) {
    const x0 = Math.max(0, msToX(view, w, scene.selection.startMs));
    const x1 = Math.min(w, msToX(view, w, scene.selection.endMs));
    if (x1 > 0 && x0 < w) {
      ctx.fillStyle = palette.selection;
      ctx.fillRect(x0, 0, Math.max(1, x1 - x0), h);
    }
  }

  if (nowX >= 0 && nowX <= w) {
    ctx.strokeStyle = palette.now;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(nowX, 0);
    ctx.lineTo(nowX, h);
    ctx.stroke();
  }
}

/**
 * The recording in progress: a lighter run from its end (the last fragment on disk) to now, and
 * a bright edge where the playable part ends.
 */
function drawLiveEdge(ctx: Painter, scene: Scene, palette: Palette): void {
  const live = inProgress(scene.recorded);
  if (!live || scene.nowMs <= live.endMs) return;
  const { view, widthPx: w } = scene;
  const edge = msToX(view, w, live.endMs);
  const x0 = Math.max(0, edge);
  const x1 = Math.min(w, msToX(view, w, scene.nowMs));
  const height = LAYOUT.trackBottom - LAYOUT.trackTop;
  if (x1 > x0) {
    ctx.fillStyle = palette.recording;
    ctx.fillRect(x0, LAYOUT.trackTop, x1 - x0, height);
  }
  if (edge >= 0 && edge <= w) {
    ctx.fillStyle = palette.recorded;
    ctx.fillRect(Math.max(0, edge - 1), LAYOUT.trackTop - 3, 2, height + 6);
  }
}

/** The palette from the page's CSS variables, where they are set. */
export function paletteFrom(element: Element): Palette {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const base = DEFAULT_PALETTE;
  return {
    ...base,
    text: read("--text", base.text),
    muted: read("--muted", base.muted),
    border: read("--border", base.border),
    recorded: read("--ok", base.recorded),
    now: read("--bad", base.now),
  };
}
