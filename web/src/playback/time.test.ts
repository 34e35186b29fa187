// Time <-> pixel maths, zoom levels, panning limits and ticks of the timeline.
import {
  centredOn,
  clampView,
  DAY,
  fromLocalInput,
  HOUR,
  keepVisible,
  MAX_SPAN_MS,
  MIN_SPAN_MS,
  MINUTE,
  msToX,
  nextLevel,
  panBy,
  spanLabel,
  tickStep,
  ticks,
  toLocalInput,
  viewEnd,
  xToMs,
  zoomAt,
  zoomStep,
  ZOOM_LEVELS,
} from "./time";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const hour = { startMs: NOW - HOUR, spanMs: HOUR };

describe("time <-> pixels", () => {
  it("maps the view's ends to 0 and the width, and back", () => {
    expect(msToX(hour, 800, hour.startMs)).toBe(0);
    expect(msToX(hour, 800, viewEnd(hour))).toBe(800);
    expect(msToX(hour, 800, hour.startMs + 15 * MINUTE)).toBe(200);
    expect(xToMs(hour, 800, 200)).toBe(hour.startMs + 15 * MINUTE);
  });

  it("round-trips any instant", () => {
    for (const ms of [NOW - HOUR, NOW - 1234567, NOW + 5]) {
      expect(xToMs(hour, 1000, msToX(hour, 1000, ms))).toBeCloseTo(ms, 3);
    }
  });
});

describe("zoom", () => {
  it("steps through the levels from a month to a minute", () => {
    let span = MAX_SPAN_MS;
    const seen = [span];
    while (span > MIN_SPAN_MS) {
      span = nextLevel(span, 1);
      seen.push(span);
    }
    expect(seen).toEqual([...ZOOM_LEVELS]);
    expect(nextLevel(MIN_SPAN_MS, 1)).toBe(MIN_SPAN_MS);
    expect(nextLevel(MAX_SPAN_MS, -1)).toBe(MAX_SPAN_MS);
  });

  it("goes to the nearest level from a span between levels", () => {
    expect(nextLevel(2 * HOUR, 1)).toBe(HOUR);
    expect(nextLevel(2 * HOUR, -1)).toBe(6 * HOUR);
    expect(nextLevel(HOUR, -1)).toBe(6 * HOUR);
  });

  it("keeps the anchor at the same place on screen", () => {
    const anchor = hour.startMs + 45 * MINUTE; // at 75 %
    const zoomed = zoomAt(hour, 0.25, anchor, NOW);
    expect(zoomed.spanMs).toBe(15 * MINUTE);
    expect(msToX(zoomed, 800, anchor)).toBeCloseTo(600, 6);
    const stepped = zoomStep(hour, 1, anchor, NOW);
    expect(stepped.spanMs).toBe(15 * MINUTE);
    expect(msToX(stepped, 800, anchor)).toBeCloseTo(600, 6);
  });

  it("clamps spans to a minute and a month", () => {
    expect(zoomAt(hour, 1e-6, NOW - MINUTE, NOW).spanMs).toBe(MIN_SPAN_MS);
    expect(zoomAt(hour, 1e6, NOW - MINUTE, NOW).spanMs).toBe(MAX_SPAN_MS);
  });
});

describe("panning", () => {
  it("moves earlier when dragged right, by the dragged fraction of the span", () => {
    const panned = panBy(hour, 200, 800, NOW);
    expect(panned.startMs).toBe(hour.startMs - 15 * MINUTE);
    expect(panned.spanMs).toBe(HOUR);
  });

  it("never goes more than a tenth of the span past now", () => {
    const panned = panBy(hour, -100_000, 800, NOW);
    expect(viewEnd(panned)).toBeCloseTo(NOW + HOUR * 0.1, 6);
    expect(clampView({ startMs: NOW, spanMs: DAY }, NOW).startMs).toBeCloseTo(NOW - DAY * 0.9, 6);
  });

  it("re-centres only when the cursor leaves the view's middle", () => {
    expect(keepVisible(hour, hour.startMs + 30 * MINUTE, NOW)).toBe(hour);
    const moved = keepVisible(hour, hour.startMs - 2 * HOUR, NOW);
    expect(moved).toEqual(centredOn(hour.startMs - 2 * HOUR, HOUR, NOW));
  });
});

describe("ticks", () => {
  it("picks steps that leave room for labels", () => {
    expect(tickStep(HOUR, 800)).toBe(10 * MINUTE);
    expect(tickStep(MINUTE, 800)).toBe(10_000);
    expect(tickStep(30 * DAY, 800)).toBe(7 * DAY);
    expect(tickStep(DAY, 390)).toBe(6 * HOUR);
  });

  it("aligns ticks to local time and marks midnights", () => {
    const utc = () => 0; // UTC as the local zone: deterministic
    const day = { startMs: Date.UTC(2026, 10, 24, 22, 30), spanMs: 6 * HOUR };
    const marks = ticks(day, 800, utc);
    expect(marks[0]!.ms).toBe(Date.UTC(2026, 10, 24, 23, 0));
    expect(marks.every((t, i) => i === 0 || t.ms - marks[i - 1]!.ms === HOUR)).toBe(true);
    expect(marks.filter((t) => t.major).map((t) => t.ms)).toEqual([Date.UTC(2026, 10, 25)]);
  });
});

describe("labels and inputs", () => {
  it("names spans", () => {
    expect(spanLabel(30 * DAY)).toBe("30 d");
    expect(spanLabel(6 * HOUR)).toBe("6 h");
    expect(spanLabel(90 * MINUTE)).toBe("1.5 h");
    expect(spanLabel(15 * MINUTE)).toBe("15 min");
    expect(spanLabel(40_000)).toBe("40 s");
  });

  it("round-trips datetime-local values to the second", () => {
    const ms = new Date(2026, 10, 25, 14, 30, 5).getTime();
    expect(toLocalInput(ms)).toBe("2026-11-25T14:30:05");
    expect(fromLocalInput("2026-11-25T14:30:05")).toBe(ms);
    expect(fromLocalInput("2026-11-25T14:30")).toBe(ms - 5000);
    expect(fromLocalInput("")).toBeNull();
  });
});
