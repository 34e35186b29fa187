// Interval rendering (pixel runs), gap detection, snapping and boundary navigation.
import {
  boundaries,
  containing,
  continueAfter,
  firstEndingAfter,
  gapsIn,
  nextTime,
  pixelRuns,
  previousTime,
  snap,
  type Interval,
} from "./intervals";
import { DAY, MINUTE } from "./time";

const T0 = Date.UTC(2026, 10, 1);
const span = (a: number, b: number): Interval => ({ startMs: T0 + a * 1000, endMs: T0 + b * 1000 });
const recorded = [span(0, 60), span(60, 120), span(300, 400), span(1000, 1100)];

describe("pixel runs", () => {
  const view = { startMs: T0, spanMs: 1200 * 1000 }; // 1 px = 1.5 s at 800 px

  it("draws adjacent intervals as one run and gaps as space", () => {
    const runs = pixelRuns(recorded, view, 800);
    expect(runs).toHaveLength(3);
    expect(runs[0]).toEqual([0, 80]);
    expect(runs[1]![0]).toBeCloseTo(200);
    expect(runs[1]![1]).toBeCloseTo(266.67, 1);
  });

  it("clips to the view and skips what is outside", () => {
    const runs = pixelRuns(recorded, { startMs: T0 + 90_000, spanMs: 300_000 }, 300);
    expect(runs).toEqual([
      [0, 30],
      [210, 300],
    ]);
  });

  it("gives a tiny interval at least one pixel", () => {
    const runs = pixelRuns([span(10, 10.1)], view, 800);
    expect(runs[0]![1] - runs[0]![0]).toBeCloseTo(1);
  });

  it("draws a month of one-minute segments with short gaps in at most a run per pixel", () => {
    const month: Interval[] = [];
    for (let t = T0; t < T0 + 30 * DAY; t += MINUTE) {
      month.push({ startMs: t, endMs: t + MINUTE - 10_000 }); // a 10 s gap after each
    }
    const runs = pixelRuns(month, { startMs: T0, spanMs: 30 * DAY }, 1000);
    expect(runs).toHaveLength(1); // sub-pixel gaps are joined
    const hour = pixelRuns(month, { startMs: T0, spanMs: 60 * MINUTE }, 1000);
    expect(hour).toHaveLength(60); // at an hour each 10 s gap is visible
  });
});

describe("gap detection", () => {
  it("finds what is not recorded in a range", () => {
    expect(gapsIn(recorded, T0, T0 + 1200_000)).toEqual([
      span(120, 300),
      span(400, 1000),
      span(1100, 1200),
    ]);
    expect(gapsIn(recorded, T0 + 10_000, T0 + 50_000)).toEqual([]);
    expect(gapsIn([], T0, T0 + 1000)).toEqual([{ startMs: T0, endMs: T0 + 1000 }]);
  });
});

describe("lookup and snapping", () => {
  it("binary-searches the interval at a time", () => {
    expect(firstEndingAfter(recorded, T0 + 130_000)).toBe(2);
    expect(containing(recorded, T0 + 350_000)).toEqual(span(300, 400));
    expect(containing(recorded, T0 + 400_000)).toBeUndefined(); // ends are exclusive
  });

  it("snaps forward into the next recording, backward to before the previous end", () => {
    expect(snap(recorded, T0 + 50_000, 1)).toBe(T0 + 50_000);
    expect(snap(recorded, T0 + 200_000, 1)).toBe(T0 + 300_000);
    expect(snap(recorded, T0 + 200_000, -1)).toBe(T0 + 119_000);
    expect(snap(recorded, T0 + 2000_000, 1)).toBeNull();
    expect(snap(recorded, T0 - 1, -1)).toBeNull();
  });

  it("jumps between recording boundaries", () => {
    const times = boundaries(recorded);
    expect(nextTime(times, T0 + 130_000)).toBe(T0 + 300_000);
    expect(previousTime(times, T0 + 130_000)).toBe(T0 + 120_000);
    expect(previousTime(times, T0 + 300_500)).toBe(T0 + 120_000); // within a second: skip it
    expect(nextTime(times, T0 + 1100_000)).toBeNull();
  });
});

describe("continueAfter", () => {
  const closed = [span(0, 100), span(300, 400)];
  const live = [span(0, 100), { ...span(300, 400), inProgress: true }];
  it("goes on with the next recording", () => {
    expect(continueAfter(closed, T0 + 100_000, T0 + 500_000)).toBe(T0 + 300_000);
    expect(continueAfter(live, T0 + 100_000, T0 + 500_000)).toBe(T0 + 300_000);
  });
  it("waits at the live edge of a recording in progress, and stops after a closed one", () => {
    expect(continueAfter(live, T0 + 400_000, T0 + 401_000)).toBe("wait");
    expect(continueAfter(closed, T0 + 400_000, T0 + 401_000)).toBeNull();
    const grown = [span(0, 100), { ...span(300, 403), inProgress: true }];
    expect(continueAfter(grown, T0 + 400_000, T0 + 404_000)).toBe(T0 + 400_000);
  });
});
