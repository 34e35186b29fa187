// The rule editor's form values and everything done with them as pure functions: a rule as
// editable text (numbers as typed, shares as percent), the checks the server makes (so most
// mistakes show before saving), the rule the PUT sends, and the server's refusals mapped back onto
// the rule and field they name.
import { ApiError } from "../../api/client";
import { WEEKDAYS, type ActiveWindow, type Crossing, type Rule, type RuleIssue, type RuleKind, type Weekday, type ZoneRule } from "../../api/rules";
import type { Shape } from "../zones/geometry";

export const MAX_RULES = 64;
export const MAX_NAME_CHARS = 64;

export const KIND_LABELS: Record<RuleKind, string> = {
  zone: "Zone enter / exit / present",
  count: "Count in a zone",
  line: "Line crossing",
  loiter: "Loitering",
};

export interface WindowDraft {
  days: Weekday[];
  /** "HH:MM", as a time input gives it. */
  start: string;
  end: string;
}

export interface RuleDraft {
  kind: RuleKind;
  name: string;
  enabled: boolean;
  /** Comma-separated labels; empty: all. */
  labels: string;
  /** Percent, as typed. */
  minScore: string;
  minWidth: string;
  minHeight: string;
  /** The zone (zone, count, loiter) or line (line) it watches. */
  target: string;
  trigger: ZoneRule["trigger"];
  above: string;
  direction: Crossing | "both";
  dwell: string;
  schedule: WindowDraft[];
}

/** Field names as the server calls them, so its messages land on the same inputs. */
export type RuleField =
  | "name"
  | "labels"
  | "min_score"
  | "min_width"
  | "min_height"
  | "zone"
  | "line"
  | "above"
  | "dwell_s"
  | "trigger"
  | "direction"
  | "schedule"
  | "enabled"
  | "kind";

/** Messages per field of one rule ("" holds what belongs to the rule as a whole). */
export type RuleErrors = Partial<Record<RuleField | "", string>>;

/** The field a rule's zone or line goes in. */
export function targetField(kind: RuleKind): "zone" | "line" {
  return kind === "line" ? "line" : "zone";
}

/** The names of the camera's shapes a rule of `kind` may watch. */
export function targetsFor(kind: RuleKind, shapes: readonly Shape[]): string[] {
  return shapes.filter((shape) => shape.kind === targetField(kind)).map((shape) => shape.name);
}

/** "Rule 3": the first "Rule N" no rule is called yet. */
export function nextRuleName(drafts: readonly RuleDraft[]): string {
  const taken = new Set(drafts.map((draft) => draft.name.trim().toLocaleLowerCase()));
  let number = 1;
  while (taken.has(`rule ${number}`)) number += 1;
  return `Rule ${number}`;
}

/** A new rule of `kind` watching the first zone or line that fits. */
export function blankDraft(kind: RuleKind, drafts: readonly RuleDraft[], shapes: readonly Shape[]): RuleDraft {
  return {
    kind,
    name: nextRuleName(drafts),
    enabled: true,
    labels: kind === "count" || kind === "loiter" ? "person" : "",
    minScore: "0",
    minWidth: "0",
    minHeight: "0",
    target: targetsFor(kind, shapes)[0] ?? "",
    trigger: "enter",
    above: "3",
    direction: "a_to_b",
    dwell: "60",
    schedule: [],
  };
}

/** Change a draft's kind, keeping what the kinds share; the target moves to the first fitting
 * zone or line when the old one does not fit the new kind. */
export function changeKind(draft: RuleDraft, kind: RuleKind, shapes: readonly Shape[]): RuleDraft {
  const targets = targetsFor(kind, shapes);
  return { ...draft, kind, target: targets.includes(draft.target) ? draft.target : targets[0] ?? "" };
}

/** A share of the picture or a score (0..1) as percent text: 0.25 -> "25". */
export function percentText(share: number): string {
  return String(Math.round(share * 10000) / 100);
}

function percentShare(text: string): number {
  const value = text.trim() === "" ? 0 : Number(text);
  return Math.round(value * 100) / 10000;
}

export function draftOf(rule: Rule): RuleDraft {
  const base: RuleDraft = {
    ...blankDraft(rule.kind, [], []),
    name: rule.name,
    enabled: rule.enabled,
    labels: rule.labels.join(", "),
    minScore: percentText(rule.min_score),
    minWidth: percentText(rule.min_width),
    minHeight: percentText(rule.min_height),
    schedule: rule.schedule.map((window) => ({
      days: WEEKDAYS.filter((day) => window.days.includes(day)),
      start: window.start.slice(0, 5),
      end: window.end.slice(0, 5),
    })),
  };
  switch (rule.kind) {
    case "zone":
      return { ...base, target: rule.zone, trigger: rule.trigger };
    case "count":
      return { ...base, target: rule.zone, above: String(rule.above) };
    case "line":
      return { ...base, target: rule.line, direction: rule.direction };
    case "loiter":
      return { ...base, target: rule.zone, dwell: String(rule.dwell_s) };
  }
}

export function splitLabels(text: string): string[] {
  return text
    .split(",")
    .map((label) => label.trim())
    .filter((label) => label.length > 0);
}

/** The rule the server stores, from a draft that `draftErrors` found nothing wrong with. */
export function ruleOf(draft: RuleDraft): Rule {
  const base = {
    name: draft.name.trim(),
    enabled: draft.enabled,
    labels: splitLabels(draft.labels),
    min_score: percentShare(draft.minScore),
    min_width: percentShare(draft.minWidth),
    min_height: percentShare(draft.minHeight),
    schedule: draft.schedule.map((window): ActiveWindow => ({
      days: WEEKDAYS.filter((day) => window.days.includes(day)),
      start: window.start,
      end: window.end,
    })),
  };
  switch (draft.kind) {
    case "zone":
      return { ...base, kind: "zone", zone: draft.target, trigger: draft.trigger };
    case "count":
      return { ...base, kind: "count", zone: draft.target, above: Number(draft.above) };
    case "line":
      return { ...base, kind: "line", line: draft.target, direction: draft.direction };
    case "loiter":
      return { ...base, kind: "loiter", zone: draft.target, dwell_s: Number(draft.dwell) };
  }
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;

function percentProblem(text: string): string | null {
  const value = text.trim() === "" ? 0 : Number(text);
  return Number.isFinite(value) && value >= 0 && value <= 100 ? null : "a percentage from 0 to 100";
}

function numberProblem(text: string, check: (value: number) => boolean, message: string): string | null {
  const value = text.trim() === "" ? NaN : Number(text);
  return Number.isFinite(value) && check(value) ? null : message;
}

function scheduleProblem(schedule: readonly WindowDraft[]): string | null {
  for (const [index, window] of schedule.entries()) {
    const which = schedule.length > 1 ? `time window ${index + 1}: ` : "";
    if (window.days.length === 0) return `${which}pick at least one day`;
    if (!TIME.test(window.start) || !TIME.test(window.end)) return `${which}give a start and an end time`;
  }
  return null;
}

/** What is wrong with one draft, field by field, given the camera's saved zones and lines. */
export function ruleErrors(draft: RuleDraft, shapes: readonly Shape[]): RuleErrors {
  const errors: RuleErrors = {};
  const name = draft.name.trim();
  if (!name) errors.name = "give it a name";
  else if (name.length > MAX_NAME_CHARS) errors.name = `at most ${MAX_NAME_CHARS} characters`;
  const field = targetField(draft.kind);
  if (!draft.target) errors[field] = `pick a ${field} (draw one in Zones & lines first)`;
  else if (!targetsFor(draft.kind, shapes).includes(draft.target)) errors[field] = `the camera has no ${field} named "${draft.target}"`;
  const percents = { min_score: draft.minScore, min_width: draft.minWidth, min_height: draft.minHeight } as const;
  for (const [key, text] of Object.entries(percents) as [keyof typeof percents, string][]) {
    const problem = percentProblem(text);
    if (problem) errors[key] = problem;
  }
  if (draft.kind === "count") {
    const problem = numberProblem(draft.above, (v) => Number.isInteger(v) && v >= 0 && v <= 1000, "a whole number from 0 to 1000");
    if (problem) errors.above = problem;
  }
  if (draft.kind === "loiter") {
    const problem = numberProblem(draft.dwell, (v) => v > 0 && v <= 86400, "seconds, more than 0 and at most 86400");
    if (problem) errors.dwell_s = problem;
  }
  const schedule = scheduleProblem(draft.schedule);
  if (schedule) errors.schedule = schedule;
  return errors;
}

/** Every draft's errors, with names that repeat (the server compares them ignoring case). */
export function allRuleErrors(drafts: readonly RuleDraft[], shapes: readonly Shape[]): RuleErrors[] {
  const seen = new Map<string, number>();
  return drafts.map((draft, index) => {
    const errors = ruleErrors(draft, shapes);
    const key = draft.name.trim().toLocaleLowerCase();
    const first = seen.get(key);
    if (key && first !== undefined && !errors.name) errors.name = `the name is used twice (also rule ${first + 1})`;
    if (key && first === undefined) seen.set(key, index);
    return errors;
  });
}

export function hasErrors(errors: readonly RuleErrors[]): boolean {
  return errors.some((rule) => Object.keys(rule).length > 0);
}

const KINDS = new Set<string>(["zone", "count", "line", "loiter"]);
const FIELDS = new Set<string>(["name", "labels", "min_score", "min_width", "min_height", "zone", "line", "above", "dwell_s", "trigger", "direction", "schedule", "enabled", "kind"]);
const RULE_PATH = /rules\[(\d+)\]((?:\.[a-z_]+|\[\d+\])*)/;

/** Where a server message belongs: the rule index and field of `rules[2].line.min_score` (the
 * kind after the index is pydantic's tag of the union), or of a message that starts with one. */
export function locate(field: string, detail: string): { index: number; field: RuleField | "" } | null {
  const match = RULE_PATH.exec(field) ?? RULE_PATH.exec(detail);
  if (!match) return null;
  const parts = (match[2] ?? "").split(/[.[]/).filter((part) => part && !part.endsWith("]"));
  if (parts.length > 1 && KINDS.has(parts[0] ?? "")) parts.shift();
  const name = parts[0] ?? "";
  return { index: Number(match[1]), field: FIELDS.has(name) ? (name as RuleField) : "" };
}

/** A refused PUT spread over the rules (`count` of them) it names; the rest is general. */
export function serverErrors(error: unknown, count: number): { rules: RuleErrors[]; general: string[] } {
  const rules: RuleErrors[] = Array.from({ length: count }, () => ({}));
  if (!(error instanceof ApiError)) return { rules, general: [error instanceof Error ? error.message : String(error)] };
  const items = (error.problem as { errors?: { field?: unknown; detail?: unknown }[] }).errors ?? [];
  const general: string[] = [];
  for (const item of items) {
    const field = typeof item.field === "string" ? item.field : "";
    const detail = typeof item.detail === "string" ? item.detail : "invalid";
    const place = locate(field, detail);
    const target = place ? rules[place.index] : undefined;
    if (!place || !target) {
      general.push(field && field !== "body" ? `${field}: ${detail}` : detail);
      continue;
    }
    const text = detail.replace(RULE_PATH, "").replace(/^[:\s]+/, "") || detail;
    target[place.field] = target[place.field] ? `${target[place.field]}; ${text}` : text;
  }
  if (items.length === 0) general.push(error.message);
  return { rules, general };
}

/** The GET's issues (rules that cannot run now), per rule. */
export function issuesByRule(issues: readonly RuleIssue[], count: number): string[][] {
  const byRule: string[][] = Array.from({ length: count }, () => []);
  for (const issue of issues) byRule[issue.index]?.push(issue.detail);
  return byRule;
}

/** One line about a rule for its card's heading: "Line crossing on Gate, A→B". */
export function summary(draft: RuleDraft): string {
  const target = draft.target || "—";
  switch (draft.kind) {
    case "zone":
      return `${draft.trigger} ${target}`;
    case "count":
      return `more than ${draft.above || "?"} in ${target}`;
    case "line":
      return `crossing ${target} ${DIRECTION_LABELS[draft.direction]}`;
    case "loiter":
      return `in ${target} for over ${draft.dwell || "?"} s`;
  }
}

export const DIRECTION_LABELS: Record<Crossing | "both", string> = {
  a_to_b: "A→B (in)",
  b_to_a: "B→A (out)",
  both: "both ways",
};
