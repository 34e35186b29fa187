// Statistics -> the charts' columns, segments and bars, each with its Events page link (the same
// filters and time range as what it counts) and a name that states its number.
import { filtersFromQuery } from "../events/filters";
import {
  countRules,
  countText,
  crossingBars,
  eventColumns,
  eventsHref,
  labelColors,
  lineRules,
  PALETTE,
  peakColumns,
  totalBars,
} from "./chartData";
import { buckets, statsRange } from "./range";
import { DAY0, H, statsBody } from "./testStats";

const today = statsRange("today", DAY0 + 12 * H, "UTC");
const hours = buckets(today);
const names = (id: string) => ({ cam1: "Gate", cam2: "Yard" })[id] ?? id;
const filtersOf = (href: string) => filtersFromQuery(new URL(href, "http://x").searchParams);

describe("eventsHref", () => {
  it("is the Events page with the scope's filters and the range", () => {
    expect(eventsHref({ cameras: ["cam1"], labels: ["person"] }, 1000, 2000)).toBe(
      "/events?camera=cam1&label=person&from=1000&to=2000",
    );
    expect(eventsHref({ rules: ["Door & gate"], zones: ["Yard"] }, 1, 2)).toBe("/events?zone=Yard&rule=Door+%26+gate&from=1&to=2");
    expect(filtersOf(eventsHref({ rules: ["Door & gate"] }, 1, 2)).rules).toEqual(["Door & gate"]);
  });

  it("counts in words", () => {
    expect([countText(0), countText(1), countText(12)]).toEqual(["0 events", "1 event", "12 events"]);
  });
});

describe("events over time", () => {
  it("a column per hour, its height the API's series, stacked by label (commonest first)", () => {
    const columns = eventColumns(statsBody(), hours, ["cam1", "cam2"]);
    expect(columns).toHaveLength(24);
    expect(columns.map((c) => c.value).filter(Boolean)).toEqual([4, 5]);
    const nine = columns[9]!;
    expect(nine.segments.map((s) => [s.key, s.value, s.color])).toEqual([
      ["person", 1, PALETTE[0]],
      ["motion", 3, PALETTE[1]],
    ]);
    expect(nine.segments[1]!.name).toBe("motion, 2026-11-25 09:00–10:00: 3 events");
    expect(filtersOf(nine.segments[1]!.href)).toMatchObject({
      cameras: ["cam1", "cam2"],
      labels: ["motion"],
      fromMs: DAY0 + 9 * H,
      toMs: DAY0 + 10 * H,
    });
    expect(columns[10]).toMatchObject({ value: 0, segments: [] });
  });

  it("sums the days of a month", () => {
    const year = statsRange("12m", DAY0, "UTC");
    const stats = statsBody({
      series: [
        { start_ms: Date.UTC(2026, 10, 1), value: 2 },
        { start_ms: Date.UTC(2026, 10, 25), value: 5 },
        { start_ms: Date.UTC(2026, 9, 3), value: 1 },
      ],
      series_by_label: [
        {
          key: "person",
          points: [
            { start_ms: Date.UTC(2026, 9, 3), value: 1 },
            { start_ms: Date.UTC(2026, 10, 1), value: 2 },
            { start_ms: Date.UTC(2026, 10, 25), value: 5 },
          ],
        },
      ],
    });
    const columns = eventColumns(stats, buckets(year), []);
    expect(columns.map((c) => c.value)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 7]);
    const november = columns[11]!.segments[0]!;
    expect(november.name).toBe("person, 2026-11: 7 events");
    expect(filtersOf(november.href)).toMatchObject({ cameras: [], fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 11, 1) });
  });

  it("gives every label a colour, in the totals' order", () => {
    const colors = labelColors(statsBody({ by_label: [{ key: "car", count: 9 }] }));
    expect([...colors.entries()]).toEqual([
      ["car", PALETTE[0]],
      ["motion", PALETTE[1]],
      ["person", PALETTE[2]],
    ]);
  });
});

describe("rules", () => {
  it("tells line rules from count rules", () => {
    expect(lineRules(statsBody()).map((r) => r.rule)).toEqual(["Door"]);
    expect(countRules(statsBody()).map((r) => r.rule)).toEqual(["Crowd"]);
  });

  it("a count rule's peak per column, linked to its events on its camera", () => {
    const crowd = countRules(statsBody())[0]!;
    const columns = peakColumns(crowd, hours, names);
    expect(columns.map((c) => c.value).filter(Boolean)).toEqual([3]);
    const [segment] = columns[14]!.segments;
    expect(segment!.name).toBe("Crowd on Gate, 2026-11-25 14:00–15:00: at most 3 at once");
    expect(filtersOf(segment!.href)).toMatchObject({ cameras: ["cam1"], rules: ["Crowd"], fromMs: DAY0 + 14 * H, toMs: DAY0 + 15 * H });
  });

  it("a day's peak is the most of its hours", () => {
    const crowd = {
      ...countRules(statsBody())[0]!,
      peaks: [
        { start_ms: DAY0 - 24 * H, value: 2 },
        { start_ms: DAY0, value: 4 },
      ],
    };
    const columns = peakColumns(crowd, buckets(statsRange("7d", DAY0, "UTC")), names);
    expect(columns.map((c) => c.value)).toEqual([0, 0, 0, 0, 0, 2, 4]);
  });

  it("a line rule's crossings in and out, one link to its events in the range", () => {
    const [door] = crossingBars(statsBody(), today, names);
    expect(door).toMatchObject({ label: "Door on Yard", text: "in 3 · out 1", name: "Door on Yard: 3 in, 1 out" });
    expect(door!.parts.map((p) => p.value)).toEqual([3, 1]);
    expect(filtersOf(door!.href)).toMatchObject({ cameras: ["cam2"], rules: ["Door"], fromMs: today.startMs, toMs: today.endMs });
  });
});

describe("totals", () => {
  it("cameras: by name, each linked to its own events", () => {
    const rows = totalBars(statsBody().by_camera, "camera", today, ["cam1", "cam2"], names);
    expect(rows.map((r) => [r.label, r.text, r.name])).toEqual([
      ["Yard", "5", "Yard: 5 events"],
      ["Gate", "4", "Gate: 4 events"],
    ]);
    expect(filtersOf(rows[0]!.href)).toMatchObject({ cameras: ["cam2"], fromMs: today.startMs, toMs: today.endMs });
  });

  it("labels, rules and zones keep the chosen cameras", () => {
    const colors = new Map([["person", "#123456"]]);
    const [person] = totalBars(statsBody().by_label, "label", today, ["cam1"], names, colors);
    expect(person).toMatchObject({ name: "label person: 6 events", parts: [{ value: 6, color: "#123456" }] });
    expect(filtersOf(person!.href)).toMatchObject({ cameras: ["cam1"], labels: ["person"] });
    const [door] = totalBars(statsBody().by_rule, "rule", today, [], names);
    expect(door!.name).toBe("rule Door: 4 events");
    expect(filtersOf(door!.href)).toMatchObject({ cameras: [], rules: ["Door"] });
    const [yard] = totalBars(statsBody().by_zone, "zone", today, [], names);
    expect(filtersOf(yard!.href)).toMatchObject({ zones: ["Yard"], labels: [] });
  });
});
