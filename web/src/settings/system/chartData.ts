// Shapes the server's metrics history into the charts of the System tab: which series go in which
// chart, their labels, and the aligned columns uPlot draws (x in seconds, gaps as null).
import type { components } from "../../api/schema";
import { formatBitrate, formatBytes } from "../format";

export type MetricSeries = components["schemas"]["SeriesOut"];
export type MetricsHistory = components["schemas"]["MetricsHistoryOut"];

export interface ChartSpec {
  id: string;
  title: string;
  /** Which series of the history belong in this chart. */
  matches: (series: MetricSeries) => boolean;
  /** A value on the axis and in the legend. */
  format: (value: number) => string;
}

const named =
  (...names: string[]) =>
  (series: MetricSeries) =>
    names.includes(series.name);

// Series names as the server's metrics history (vms.telemetry.history) calls them.
export const CHARTS: readonly ChartSpec[] = [
  { id: "fps", title: "Frame rate", matches: named("camera_fps"), format: (v) => `${Number(v.toFixed(1))} fps` },
  { id: "bitrate", title: "Bitrate", matches: named("camera_bitrate_bps"), format: formatBitrate },
  {
    id: "cpu",
    title: "Process CPU (100 % = one core)",
    matches: named("process_cpu_percent"),
    format: (v) => `${Number(v.toFixed(1))} %`,
  },
  { id: "memory", title: "Process memory", matches: named("process_rss_bytes"), format: formatBytes },
  { id: "disk", title: "Disk", matches: named("pool_used_bytes", "pool_media_bytes"), format: formatBytes },
  {
    id: "recorded",
    title: "Recording rate",
    matches: named("recording_write_bytes_per_s"),
    format: (v) => `${formatBytes(v)}/s`,
  },
];

/** What a series is about after its camera, stream or pool: the measure when a chart mixes several. */
const MEASURES: Record<string, string> = {
  pool_used_bytes: "used",
  pool_media_bytes: "recordings",
  recording_write_bytes_per_s: "all cameras",
  process_cpu_percent: "VMS process",
  process_rss_bytes: "VMS process",
};

export interface ShapedChart {
  /** Seconds since the epoch, one per step. */
  xs: number[];
  series: { label: string; values: (number | null)[] }[];
}

/** "cam1 main", "default used" (pool and measure), or the series name when nothing else says it. */
export function seriesLabel(series: MetricSeries): string {
  const { camera, stream, pool } = series.labels;
  const parts = [camera, stream, pool, MEASURES[series.name]].filter((part): part is string => Boolean(part));
  return parts.length ? parts.join(" ") : series.name;
}

/** The chart's series from the history, all as long as the longest (missing points are gaps),
 * sorted by label; null when the history has none for this chart. */
export function shapeChart(history: MetricsHistory, spec: ChartSpec): ShapedChart | null {
  const chosen = history.series.filter(spec.matches);
  if (chosen.length === 0) return null;
  const length = Math.max(...chosen.map((series) => series.points.length));
  const xs = Array.from({ length }, (_, index) => (history.start_ms + index * history.step_ms) / 1000);
  const series = chosen
    .map((item) => ({
      label: seriesLabel(item),
      values: Array.from({ length }, (_, index) => {
        const value = item.points[index];
        return typeof value === "number" && Number.isFinite(value) ? value : null;
      }),
    }))
    .sort((a, b) => a.label.localeCompare(b.label));
  return { xs, series };
}

/** uPlot's aligned data: the x column, then one column per series. */
export function alignedData(chart: ShapedChart): [number[], ...(number | null)[][]] {
  return [chart.xs, ...chart.series.map((series) => series.values)];
}

/** The latest non-null value of a series (for the legend of a chart that has not drawn yet). */
export function latestValue(values: readonly (number | null)[]): number | null {
  for (let index = values.length - 1; index >= 0; index--) {
    const value = values[index];
    if (value !== null && value !== undefined) return value;
  }
  return null;
}
