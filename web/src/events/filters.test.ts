// Filters <-> the address's query, the API's query and matching live events.
import {
  apiQuery,
  describeFilters,
  emptyFilters,
  filtersFromQuery,
  filtersToQuery,
  hasFilters,
  matches,
  parseTime,
  type EventFilters,
} from "./filters";
import { eventBody, T0 } from "./testSupport";

const HOUR = 3_600_000;
const query = (text: string) => filtersFromQuery(new URLSearchParams(text));
const filters = (changes: Partial<EventFilters>): EventFilters => ({ ...emptyFilters(), ...changes });

describe("the address's query", () => {
  it("reads repeated cameras, labels, zones and rules, a preset and a score", () => {
    expect(query("camera=a&camera=b&label=motion&zone=Yard&zone=Gate&rule=Door&range=24h&min_score=0.25")).toEqual({
      cameras: ["a", "b"],
      labels: ["motion"],
      zones: ["Yard", "Gate"],
      rules: ["Door"],
      preset: "24h",
      fromMs: null,
      toMs: null,
      minScore: 0.25,
    });
  });

  it("reads a custom range in unix ms or ISO-8601", () => {
    const read = query(`from=${T0}&to=2026-11-25T13:00:00Z`);
    expect([read.fromMs, read.toMs]).toEqual([T0, T0 + HOUR]);
  });

  it("leaves out what is malformed, empty or repeated", () => {
    expect(query("camera=&camera=a&camera=a&range=2y&min_score=lots&from=soon")).toEqual(
      filters({ cameras: ["a"] }),
    );
    expect(query("min_score=1.5").minScore).toBeNull();
    expect(query("min_score=0").minScore).toBeNull();
  });

  it("writes them back in a fixed order without defaults, and reads the same again", () => {
    const chosen = filters({ cameras: ["b", "a"], zones: ["Yard"], rules: ["Door"], preset: "1h", fromMs: 5, minScore: 0.5 });
    const text = filtersToQuery(chosen);
    expect(text).toBe("?camera=b&camera=a&zone=Yard&rule=Door&range=1h&min_score=0.5");
    expect(query(text.slice(1))).toEqual({ ...chosen, fromMs: null });
    expect(filtersToQuery(emptyFilters())).toBe("");
    expect(hasFilters(emptyFilters())).toBe(false);
    expect(hasFilters(filters({ toMs: T0 }))).toBe(true);
  });

  it("keeps names that need escaping", () => {
    const text = filtersToQuery(filters({ zones: ["Front & back", "Gate=1"] }));
    expect(query(text.slice(1)).zones).toEqual(["Front & back", "Gate=1"]);
  });
});

describe("the API's query", () => {
  it("turns a preset into a start before now, and a custom range into both bounds", () => {
    expect(apiQuery(filters({ preset: "1h", labels: ["motion"], minScore: 0.2 }), T0)).toEqual({
      label: ["motion"],
      start: String(T0 - HOUR),
      min_score: 0.2,
    });
    expect(apiQuery(filters({ cameras: ["a"], rules: ["Door", "Gate"], fromMs: T0, toMs: T0 + HOUR }), T0)).toEqual({
      camera: ["a"],
      rule: ["Door", "Gate"],
      start: String(T0),
      end: String(T0 + HOUR),
    });
    expect(apiQuery(emptyFilters(), T0)).toEqual({});
  });
});

describe("matching a live event", () => {
  const event = eventBody("e1", T0, { camera_id: "cam1", zones: ["Yard"], score: 0.4 });

  it.each<[string, Partial<EventFilters>, boolean]>([
    ["no filters", {}, true],
    ["its camera", { cameras: ["cam2", "cam1"] }, true],
    ["another camera", { cameras: ["cam2"] }, false],
    ["its label", { labels: ["motion"] }, true],
    ["another label", { labels: ["person"] }, false],
    ["one of its zones", { zones: ["Gate", "Yard"] }, true],
    ["another zone", { zones: ["Gate"] }, false],
    ["a rule, for a motion event", { rules: ["Door"] }, false],
    ["a score it reaches", { minScore: 0.4 }, true],
    ["a score above it", { minScore: 0.45 }, false],
    ["the last hour", { preset: "1h" }, true],
    ["a range that ended before", { toMs: T0 }, false],
    ["a range that starts later", { fromMs: T0 + 1 }, false],
    ["a range around it", { fromMs: T0, toMs: T0 + 1 }, true],
  ])("%s", (_name, changes, expected) => {
    expect(matches(event, filters(changes), T0 + 60_000)).toBe(expected);
  });

  it("matches a rule's event by its rule", () => {
    const crossing = eventBody("e2", T0, { rule: "Door", rule_kind: "line" });
    expect(matches(crossing, filters({ rules: ["Gate", "Door"] }), T0)).toBe(true);
    expect(matches(crossing, filters({ rules: ["Gate"] }), T0)).toBe(false);
  });

  it("drops an event older than the preset's window", () => {
    expect(matches(event, filters({ preset: "1h" }), T0 + 2 * HOUR)).toBe(false);
  });
});

describe("describeFilters", () => {
  it("names what is chosen, with camera names", () => {
    const text = describeFilters(filters({ cameras: ["cam1"], zones: ["Yard"], rules: ["Door", "Crowd"], minScore: 1, preset: "7d" }), (id) =>
      id === "cam1" ? "Gate" : id,
    );
    expect(text).toBe("camera Gate, zone Yard, rule Door or Crowd, score at least 100%, last 7 days");
  });
});

describe("parseTime", () => {
  it("reads unix ms and ISO-8601, nothing else", () => {
    expect(parseTime(String(T0))).toBe(T0);
    expect(parseTime("2026-11-25T12:00:00Z")).toBe(T0);
    expect(parseTime("noon")).toBeNull();
    expect(parseTime(null)).toBeNull();
  });
});
