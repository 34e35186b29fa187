// The timeline component: what it shows for given data, and click/drag/Shift+drag/wheel gestures.
import { fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import type { Interval } from "./intervals";
import Timeline from "./Timeline";
import type { View } from "./time";

const T0 = Date.UTC(2026, 10, 25, 10);

function setup(cursorMs: number | null = T0 + 300_000) {
  const calls = { seek: [] as number[], scrub: [] as number[], select: [] as Interval[] };
  const [view, setView] = createSignal<View>({ startMs: T0, spanMs: 600_000 }); // 1 px = 1 s
  const fills: number[] = [];
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(
    () =>
      ({
        setTransform: () => {},
        clearRect: () => {},
        fillRect: (x: number) => fills.push(x),
        fillText: () => {},
        beginPath: () => {},
        moveTo: () => {},
        lineTo: () => {},
        stroke: () => {},
      }) as unknown as CanvasRenderingContext2D,
  );
  render(() => (
    <Timeline
      view={view()}
      onView={setView}
      nowMs={T0 + 3_600_000}
      cursorMs={cursorMs}
      recorded={[{ startMs: T0 + 60_000, endMs: T0 + 420_000 }]}
      gaps={[]}
      markers={[]}
      selection={null}
      onSeek={(ms) => calls.seek.push(ms)}
      onScrub={(ms) => calls.scrub.push(ms)}
      onSelect={(range) => calls.select.push(range)}
      onMarker={() => {}}
    />
  ));
  const track = screen.getByTestId("timeline-track");
  type PointerType = "pointerDown" | "pointerMove" | "pointerUp";
  const pointer = (type: PointerType, x: number, shiftKey = false) =>
    fireEvent[type](track, { clientX: x, pointerId: 1, button: 0, pointerType: "mouse", shiftKey });
  return { calls, view, track, pointer, fills };
}

// jsdom has no PointerEvent: a MouseEvent with the pointer fields the gestures read.
class FakePointerEvent extends MouseEvent {
  readonly pointerId: number;
  readonly pointerType: string;
  constructor(type: string, init: PointerEventInit = {}) {
    super(type, init);
    this.pointerId = init.pointerId ?? 1;
    this.pointerType = init.pointerType ?? "mouse";
  }
}
beforeAll(() => vi.stubGlobal("PointerEvent", FakePointerEvent));
afterAll(() => vi.unstubAllGlobals());
afterEach(() => vi.restoreAllMocks());

describe("<Timeline>", () => {
  it("shows the cursor and says where it is, and paints the recording", () => {
    const { track, fills } = setup();
    expect(track.getAttribute("role")).toBe("slider");
    expect(track.getAttribute("aria-valuenow")).toBe(String(T0 + 300_000));
    expect(track.dataset.startMs).toBe(String(T0));
    expect(track.dataset.spanMs).toBe("600000");
    expect(screen.getByTestId("timeline-cursor").style.left).toBe("300px");
    expect(fills).toContain(60); // the recorded run starts at x = 60
    expect(screen.queryByTestId("timeline-markers")).toBeNull();
  });

  it("hides the cursor when it is outside the view", () => {
    setup(T0 - 5_000);
    expect(screen.queryByTestId("timeline-cursor")).toBeNull();
  });

  it("seeks where it is clicked", () => {
    const { pointer, calls } = setup();
    pointer("pointerDown", 120);
    pointer("pointerUp", 121);
    expect(calls.seek).toEqual([T0 + 121_000]);
  });

  it("pans when dragged, without seeking", () => {
    const { pointer, calls, view } = setup();
    pointer("pointerDown", 100);
    pointer("pointerMove", 160);
    pointer("pointerUp", 160);
    expect(view().startMs).toBe(T0 - 60_000);
    expect(calls.seek).toEqual([]);
  });

  it("scrubs when the cursor is dragged, and seeks where it is let go", () => {
    const { pointer, calls, view } = setup();
    pointer("pointerDown", 302);
    pointer("pointerMove", 340);
    pointer("pointerUp", 350);
    expect(calls.scrub).toEqual([T0 + 340_000]);
    expect(calls.seek).toEqual([T0 + 350_000]);
    expect(view().startMs).toBe(T0);
  });

  it("selects an export range with Shift+drag", () => {
    const { pointer, calls } = setup();
    pointer("pointerDown", 400, true);
    pointer("pointerMove", 200, true);
    pointer("pointerUp", 150, true);
    expect(calls.select.at(-1)).toEqual({ startMs: T0 + 150_000, endMs: T0 + 400_000 });
    expect(calls.seek).toEqual([]);
  });

  it("zooms around the pointer with the wheel", () => {
    const { track, view } = setup();
    fireEvent.wheel(track, { clientX: 300, deltaY: -200, deltaMode: 0 });
    expect(view().spanMs).toBeLessThan(600_000);
    const anchorFraction = (T0 + 300_000 - view().startMs) / view().spanMs;
    expect(anchorFraction).toBeCloseTo(0.5, 6);
  });
});

describe("<Timeline> on touch", () => {
  it("pinch-zooms around the fingers' midpoint", () => {
    const { track, view } = setup();
    const touch = (type: "pointerDown" | "pointerMove", id: number, x: number) =>
      fireEvent[type](track, { clientX: x, pointerId: id, pointerType: "touch" });
    touch("pointerDown", 1, 200);
    touch("pointerDown", 2, 400);
    touch("pointerMove", 2, 600); // fingers twice as far apart: half the span
    expect(view().spanMs).toBe(300_000);
    expect((T0 + 300_000 - view().startMs) / view().spanMs).toBeCloseTo(0.5, 6); // anchor kept
  });
});
