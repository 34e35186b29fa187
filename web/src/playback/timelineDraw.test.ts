// The canvas painter: recorded runs, gaps by cause, the export range and the now edge.
import { DEFAULT_PALETTE, drawTimeline, LAYOUT, type Painter, type Scene } from "./timelineDraw";

interface Rect {
  style: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

function recorder(): Painter & { rects: Rect[]; lines: Array<[number, string]> } {
  const rects: Rect[] = [];
  const lines: Array<[number, string]> = [];
  let x = 0;
  const painter = {
    rects,
    lines,
    fillStyle: "" as string | CanvasGradient | CanvasPattern,
    strokeStyle: "" as string | CanvasGradient | CanvasPattern,
    lineWidth: 1,
    font: "",
    textAlign: "left" as CanvasTextAlign,
    textBaseline: "top" as CanvasTextBaseline,
    clearRect: () => {},
    fillRect(rx: number, ry: number, w: number, h: number) {
      rects.push({ style: String(painter.fillStyle), x: rx, y: ry, w, h });
    },
    fillText: () => {},
    beginPath: () => {},
    moveTo: (mx: number) => {
      x = mx;
    },
    lineTo: () => {},
    stroke: () => lines.push([x, String(painter.strokeStyle)]),
  };
  return painter;
}

const T0 = Date.UTC(2026, 10, 25, 10);
const scene: Scene = {
  view: { startMs: T0, spanMs: 1_000_000 }, // 1 px = 1 s at 1000 px
  widthPx: 1000,
  heightPx: 54,
  nowMs: T0 + 900_000,
  recorded: [
    { startMs: T0 + 100_000, endMs: T0 + 200_000 },
    { startMs: T0 + 500_000, endMs: T0 + 880_000 },
  ],
  gaps: [
    { startMs: T0 + 200_000, endMs: T0 + 500_000, cause: "camera_offline" },
    { startMs: T0 + 880_000, endMs: T0 + 900_000, cause: "something-new" },
  ],
  selection: { startMs: T0 + 150_000, endMs: T0 + 160_000 },
};

describe("drawTimeline", () => {
  it("paints recordings on the track where they are", () => {
    const ctx = recorder();
    drawTimeline(ctx, scene);
    const runs = ctx.rects.filter((r) => r.style === DEFAULT_PALETTE.recorded);
    expect(runs.map((r) => [r.x, r.x + r.w, r.y])).toEqual([
      [100, 200, LAYOUT.trackTop],
      [500, 880, LAYOUT.trackTop],
    ]);
  });

  it("paints gaps by cause, unknown causes in the fallback colour", () => {
    const ctx = recorder();
    drawTimeline(ctx, scene);
    const gaps = ctx.rects.filter((r) => r.y === LAYOUT.gapTop);
    expect(gaps.map((r) => [r.style, r.x, r.w])).toEqual([
      [DEFAULT_PALETTE.gap.camera_offline, 200, 300],
      [DEFAULT_PALETTE.gap.unknown, 880, 20],
    ]);
  });

  it("shades the export range and the future, and draws the now edge", () => {
    const ctx = recorder();
    drawTimeline(ctx, scene);
    const selection = ctx.rects.find((r) => r.style === DEFAULT_PALETTE.selection);
    expect(selection).toMatchObject({ x: 150, w: 10, y: 0 });
    const future = ctx.rects.find((r) => r.style === DEFAULT_PALETTE.future);
    expect(future).toMatchObject({ x: 900, w: 100 });
    expect(ctx.lines).toContainEqual([900, DEFAULT_PALETTE.now]);
  });

  it("draws no recording outside the view and no now edge for the past", () => {
    const ctx = recorder();
    drawTimeline(ctx, { ...scene, view: { startMs: T0 - 2_000_000, spanMs: 1_000_000 } });
    expect(ctx.rects.some((r) => r.style === DEFAULT_PALETTE.recorded)).toBe(false);
    expect(ctx.lines.some(([, style]) => style === DEFAULT_PALETTE.now)).toBe(false);
  });
});

describe("drawTimeline with a recording in progress", () => {
  const live: Scene = {
    ...scene,
    recorded: [{ startMs: T0 + 500_000, endMs: T0 + 880_000, inProgress: true }],
    gaps: [],
  };

  it("paints the time from the last fragment on disk to now as being recorded", () => {
    const ctx = recorder();
    drawTimeline(ctx, live);
    const recording = ctx.rects.filter((r) => r.style === DEFAULT_PALETTE.recording);
    expect(recording.map((r) => [r.x, r.x + r.w, r.y])).toEqual([[880, 900, LAYOUT.trackTop]]);
    const edge = ctx.rects.filter(
      (r) => r.style === DEFAULT_PALETTE.recorded && r.y < LAYOUT.trackTop,
    );
    expect(edge.map((r) => [r.x, r.w])).toEqual([[879, 2]]);
  });

  it("paints no live edge for closed recordings", () => {
    const ctx = recorder();
    drawTimeline(ctx, scene);
    expect(ctx.rects.filter((r) => r.style === DEFAULT_PALETTE.recording)).toEqual([]);
  });
});
