import { ApiError } from "../../api/client";
import type { Rule } from "../../api/rules";
import type { Shape } from "../zones/geometry";
import {
  allRuleErrors,
  blankDraft,
  changeKind,
  draftOf,
  hasErrors,
  issuesByRule,
  locate,
  nextRuleName,
  ruleErrors,
  ruleOf,
  serverErrors,
  summary,
} from "./ruleForm";

const shapes: Shape[] = [
  { name: "Lobby", kind: "zone", points: [[0, 0], [1, 0], [1, 1]] },
  { name: "Bay", kind: "zone", points: [[0, 0], [0.5, 0], [0.5, 0.5]] },
  { name: "Gate", kind: "line", points: [[0.5, 0], [0.5, 1]] },
];

const base = { enabled: true, labels: [], min_score: 0, min_width: 0, min_height: 0, schedule: [] };

describe("blankDraft and changeKind", () => {
  it("starts a rule on the first zone or line of the right kind, with a free name", () => {
    const first = blankDraft("line", [], shapes);
    expect(first.target).toBe("Gate");
    expect(first.name).toBe("Rule 1");
    expect(blankDraft("count", [first], shapes)).toMatchObject({ target: "Lobby", name: "Rule 2", labels: "person" });
  });

  it("moves the target when the old one does not fit the new kind, and keeps it when it does", () => {
    const line = blankDraft("line", [], shapes);
    expect(changeKind(line, "loiter", shapes).target).toBe("Lobby");
    const bay = { ...blankDraft("zone", [], shapes), target: "Bay" };
    expect(changeKind(bay, "count", shapes).target).toBe("Bay");
  });

  it("numbers names past the ones taken, ignoring case", () => {
    const drafts = [{ ...blankDraft("zone", [], shapes), name: "rule 1" }];
    expect(nextRuleName(drafts)).toBe("Rule 2");
  });
});

describe("draftOf and ruleOf", () => {
  const rules: Rule[] = [
    { ...base, kind: "line", name: "Gate in", line: "Gate", direction: "a_to_b", labels: ["person", "car"], min_score: 0.55, min_width: 0.05, min_height: 0.125 },
    { ...base, kind: "count", name: "Crowd", zone: "Lobby", above: 3, enabled: false },
    { ...base, kind: "loiter", name: "Bay wait", zone: "Bay", dwell_s: 600, schedule: [{ days: ["mon", "fri"], start: "22:00", end: "06:00" }] },
    { ...base, kind: "zone", name: "Lobby exit", zone: "Lobby", trigger: "exit" },
  ];

  it("round-trips every kind without float noise", () => {
    expect(rules.map((rule) => ruleOf(draftOf(rule)))).toEqual(rules);
  });

  it("shows shares as percent and times as HH:MM", () => {
    const stored = { ...rules[2], schedule: [{ days: ["fri", "mon"], start: "22:00:00", end: "06:00:00" }] } as Rule;
    const draft = draftOf(stored);
    expect(draft.schedule).toEqual([{ days: ["mon", "fri"], start: "22:00", end: "06:00" }]);
    expect(draftOf(rules[0] as Rule)).toMatchObject({ minScore: "55", minWidth: "5", minHeight: "12.5", labels: "person, car" });
  });

  it("sends only the fields of the rule's kind, with labels split and trimmed", () => {
    const draft = { ...blankDraft("count", [], shapes), name: " Crowd ", labels: " person , ,car", above: "4", minScore: "" };
    expect(ruleOf(draft)).toEqual({ ...base, kind: "count", name: "Crowd", zone: "Lobby", above: 4, labels: ["person", "car"] });
  });

  it("sums a rule up for its card", () => {
    expect(summary(draftOf(rules[0] as Rule))).toBe("crossing Gate A→B (in)");
    expect(summary(draftOf(rules[1] as Rule))).toBe("more than 3 in Lobby");
  });
});

describe("ruleErrors", () => {
  it("accepts a good rule", () => {
    expect(ruleErrors(blankDraft("loiter", [], shapes), shapes)).toEqual({});
  });

  it("names each bad field as the server does", () => {
    const draft = { ...blankDraft("count", [], shapes), name: " ", minScore: "120", minWidth: "x", above: "2.5", target: "Gone" };
    expect(ruleErrors(draft, shapes)).toEqual({
      name: "give it a name",
      zone: 'the camera has no zone named "Gone"',
      min_score: "a percentage from 0 to 100",
      min_width: "a percentage from 0 to 100",
      above: "a whole number from 0 to 1000",
    });
  });

  it("wants a line for a line rule, a dwell over zero and complete time windows", () => {
    const line = { ...blankDraft("line", [], shapes), target: "Lobby" };
    expect(ruleErrors(line, shapes)).toEqual({ line: 'the camera has no line named "Lobby"' });
    expect(ruleErrors({ ...blankDraft("loiter", [], shapes), dwell: "0" }, shapes).dwell_s).toMatch(/more than 0/);
    const schedule = [
      { days: ["mon" as const], start: "08:00", end: "18:00" },
      { days: [], start: "08:00", end: "18:00" },
    ];
    expect(ruleErrors({ ...blankDraft("zone", [], shapes), schedule }, shapes).schedule).toBe("time window 2: pick at least one day");
    const noTime = [{ days: ["sun" as const], start: "", end: "18:00" }];
    expect(ruleErrors({ ...blankDraft("zone", [], shapes), schedule: noTime }, shapes).schedule).toBe("give a start and an end time");
  });

  it("asks for a line to be drawn when the camera has none", () => {
    expect(ruleErrors(blankDraft("line", [], []), []).line).toMatch(/^pick a line/);
  });

  it("finds names used twice, ignoring case", () => {
    const one = blankDraft("zone", [], shapes);
    const errors = allRuleErrors([one, { ...one, name: "RULE 1" }], shapes);
    expect(errors[0]).toEqual({});
    expect(errors[1]?.name).toBe("the name is used twice (also rule 1)");
    expect(hasErrors(errors)).toBe(true);
    expect(hasErrors([{}, {}])).toBe(false);
  });
});

describe("the server's refusals", () => {
  it("locates fields behind pydantic's union tag, in schedules, and in messages", () => {
    expect(locate("rules[2].line.min_score", "")).toEqual({ index: 2, field: "min_score" });
    expect(locate("rules[0].line.line", "")).toEqual({ index: 0, field: "line" });
    expect(locate("rules[0].line", "")).toEqual({ index: 0, field: "line" });
    expect(locate("rules[1].loiter.schedule[0].days", "")).toEqual({ index: 1, field: "schedule" });
    expect(locate("body", "rules[3].name: the name 'A' is used twice (also at [0])")).toEqual({ index: 3, field: "name" });
    expect(locate("rules[4]", "")).toEqual({ index: 4, field: "" });
    expect(locate("body", "something else")).toBeNull();
  });

  it("spreads a 422 over the rules and keeps the rest general", () => {
    const error = new ApiError(422, {
      detail: "some fields of the request are invalid; see errors",
      errors: [
        { field: "rules[1].count.above", detail: "Input should be less than or equal to 1000" },
        { field: "body", detail: "rules[0].name: the name 'A' is used twice (also at [1])" },
        { field: "rules", detail: "List should have at most 64 items" },
      ],
    } as never);
    expect(serverErrors(error, 2)).toEqual({
      rules: [{ name: "the name 'A' is used twice (also at [1])" }, { above: "Input should be less than or equal to 1000" }],
      general: ["rules: List should have at most 64 items"],
    });
  });

  it("shows other failures as they are", () => {
    expect(serverErrors(new ApiError(503, { detail: "storage is unavailable" }), 1)).toEqual({ rules: [{}], general: ["storage is unavailable"] });
    expect(serverErrors(new Error("offline"), 0).general).toEqual(["offline"]);
  });

  it("groups the GET's issues by rule", () => {
    expect(issuesByRule([{ index: 1, detail: "a" }, { index: 1, detail: "b" }, { index: 7, detail: "stale" }], 2)).toEqual([[], ["a", "b"]]);
  });
});
