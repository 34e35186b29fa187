// The statistics shaped for the dashboard's charts: columns over time (stacked by label, or a
// count rule's peaks), bars of totals (cameras, labels, rules, zones) and line crossings, each
// with the link to the Events page that lists the very events it counts and a name for screen
// readers that states its number.
import { emptyFilters, filtersToQuery } from "../events/filters";
import { bucketIndex, type Bucket, type StatsRange } from "./range";
import type { EventStats, PointView, RuleTotals, TotalView } from "./statsApi";

/** Labels' colours in the order of the totals (the commonest first). */
export const PALETTE = ["#3d8bfd", "#f0b429", "#2fbf71", "#ef5350", "#ab47bc", "#26c6da", "#ff7043", "#9ccc65"];

/** What the Events page is to show: any of these cameras, labels, rules and zones (empty: any). */
export interface EventsScope {
  cameras?: readonly string[];
  labels?: readonly string[];
  rules?: readonly string[];
  zones?: readonly string[];
}

/** The Events page's address for the events of `scope` begun in [fromMs, toMs). */
export function eventsHref(scope: EventsScope, fromMs: number, toMs: number): string {
  const filters = {
    ...emptyFilters(),
    cameras: [...(scope.cameras ?? [])],
    labels: [...(scope.labels ?? [])],
    rules: [...(scope.rules ?? [])],
    zones: [...(scope.zones ?? [])],
    fromMs,
    toMs,
  };
  return `/events${filtersToQuery(filters)}`;
}

/** "1 event", "12 events". */
export function countText(count: number, noun = "event"): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** One linked piece of a column. */
export interface Segment {
  key: string;
  value: number;
  color: string;
  href: string;
  /** The link's accessible name, with its number: "person, 2026-11-25: 12 events". */
  name: string;
}

export interface Column {
  bucket: Bucket;
  /** What the column stands for (its height): events, or the most objects at once. */
  value: number;
  segments: Segment[];
}

/** The label colours of these statistics. */
export function labelColors(stats: EventStats): Map<string, string> {
  const order = [...stats.by_label.map((t) => t.key), ...stats.series_by_label.map((s) => s.key)];
  const colors = new Map<string, string>();
  for (const label of order) if (!colors.has(label)) colors.set(label, PALETTE[colors.size % PALETTE.length]!);
  return colors;
}

/** The points folded into the columns (months sum or take the most of their days). */
function perBucket(points: readonly PointView[], list: readonly Bucket[], combine: (a: number, b: number) => number): number[] {
  const values = list.map(() => 0);
  for (const point of points) {
    const index = bucketIndex(list, point.start_ms);
    if (index !== -1) values[index] = combine(values[index]!, point.value);
  }
  return values;
}

const sum = (a: number, b: number) => a + b;

/** Events over time: a column per bucket (its height the API's series), stacked by label. */
export function eventColumns(stats: EventStats, list: readonly Bucket[], cameras: readonly string[]): Column[] {
  const totals = perBucket(stats.series, list, sum);
  const colors = labelColors(stats);
  const byLabel = [...colors.keys()].map((label) => {
    const series = stats.series_by_label.find((s) => s.key === label);
    return { label, values: perBucket(series?.points ?? [], list, sum) };
  });
  return list.map((bucket, index) => ({
    bucket,
    value: totals[index]!,
    segments: byLabel
      .filter(({ values }) => values[index]! > 0)
      .map(({ label, values }) => ({
        key: label,
        value: values[index]!,
        color: colors.get(label)!,
        href: eventsHref({ cameras, labels: [label] }, bucket.fromMs, bucket.toMs),
        name: `${label}, ${bucket.text}: ${countText(values[index]!)}`,
      })),
  }));
}

/** A camera's name for people (its id until the cameras are loaded). */
export type CameraName = (id: string) => string;

/** "Crowd on Gate camera". */
export function ruleTitle(rule: RuleTotals, cameraName: CameraName): string {
  return `${rule.rule} on ${cameraName(rule.camera_id)}`;
}

/** A count rule's occupancy: a column per bucket, its height the most objects at once. */
export function peakColumns(rule: RuleTotals, list: readonly Bucket[], cameraName: CameraName): Column[] {
  const peaks = perBucket(rule.peaks, list, Math.max);
  const scope = { cameras: [rule.camera_id], rules: [rule.rule] };
  return list.map((bucket, index) => ({
    bucket,
    value: peaks[index]!,
    segments:
      peaks[index]! > 0
        ? [
            {
              key: rule.rule,
              value: peaks[index]!,
              color: PALETTE[0]!,
              href: eventsHref(scope, bucket.fromMs, bucket.toMs),
              name: `${ruleTitle(rule, cameraName)}, ${bucket.text}: at most ${peaks[index]} at once`,
            },
          ]
        : [],
  }));
}

/** Line rules (those that counted crossings) and count rules (those with a peak), most first. */
export function lineRules(stats: EventStats): RuleTotals[] {
  const crossings = (rule: RuleTotals) => rule.crossings_in + rule.crossings_out;
  return stats.rules.filter((rule) => crossings(rule) > 0).sort((a, b) => crossings(b) - crossings(a));
}

export function countRules(stats: EventStats): RuleTotals[] {
  return stats.rules.filter((rule) => rule.peak > 0).sort((a, b) => b.peak - a.peak);
}

/** One linked row of a bar list: its bar is one part (a total) or two (crossings in and out). */
export interface BarRow {
  key: string;
  label: string;
  parts: { value: number; color: string }[];
  /** The number(s) written beside the bar: "12", "in 3 · out 2". */
  text: string;
  href: string;
  name: string;
}

export type TotalKind = "camera" | "label" | "rule" | "zone";

/** Totals as bars, in the API's order (most first), each linked to its events in the range;
 * `colors` colours some keys (labels), the rest take the accent. */
export function totalBars(
  totals: readonly TotalView[],
  kind: TotalKind,
  range: StatsRange,
  cameras: readonly string[],
  cameraName: CameraName,
  colors: ReadonlyMap<string, string> = new Map(),
): BarRow[] {
  return totals.map((total) => {
    const label = kind === "camera" ? cameraName(total.key) : total.key;
    const scope: EventsScope =
      kind === "camera"
        ? { cameras: [total.key] }
        : { cameras, [kind === "label" ? "labels" : kind === "rule" ? "rules" : "zones"]: [total.key] };
    const prefix = kind === "camera" ? "" : `${kind} `;
    return {
      key: total.key,
      label,
      parts: [{ value: total.count, color: colors.get(total.key) ?? PALETTE[0]! }],
      text: String(total.count),
      href: eventsHref(scope, range.startMs, range.endMs),
      name: `${prefix}${label}: ${countText(total.count)}`,
    };
  });
}

export const CROSSING_COLORS = { in: "#2fbf71", out: "#f0b429" };

/** Each line rule's crossings, in (A→B) and out (B→A), linked to its events in the range (the
 * Events page cannot tell directions apart, so one link shows both). */
export function crossingBars(stats: EventStats, range: StatsRange, cameraName: CameraName): BarRow[] {
  return lineRules(stats).map((rule) => {
    const title = ruleTitle(rule, cameraName);
    return {
      key: `${rule.camera_id}/${rule.rule}`,
      label: title,
      parts: [
        { value: rule.crossings_in, color: CROSSING_COLORS.in },
        { value: rule.crossings_out, color: CROSSING_COLORS.out },
      ],
      text: `in ${rule.crossings_in} · out ${rule.crossings_out}`,
      href: eventsHref({ cameras: [rule.camera_id], rules: [rule.rule] }, range.startMs, range.endMs),
      name: `${title}: ${rule.crossings_in} in, ${rule.crossings_out} out`,
    };
  });
}
