import { alignedData, CHARTS, latestValue, seriesLabel, shapeChart, type MetricsHistory } from "./chartData";

const spec = (id: string) => {
  const found = CHARTS.find((chart) => chart.id === id);
  if (!found) throw new Error(`no chart ${id}`);
  return found;
};

const history: MetricsHistory = {
  start_ms: 1_700_000_000_000,
  step_ms: 10_000,
  series: [
    { name: "camera_fps", labels: { camera: "yard", stream: "main" }, unit: "fps", points: [25, null, 24.9] },
    { name: "camera_fps", labels: { camera: "door", stream: "main" }, unit: "fps", points: [15, 15] },
    { name: "camera_bitrate_bps", labels: { camera: "door", stream: "main" }, unit: "bit/s", points: [1e6, 2e6, 3e6] },
    { name: "process_cpu_percent", labels: {}, unit: "%", points: [3.5, Number.NaN, 4] },
  ],
};

describe("shapeChart", () => {
  it("keeps the chart's series, sorted by label, padded to one length with gaps", () => {
    const chart = shapeChart(history, spec("fps"));
    expect(chart).toEqual({
      xs: [1_700_000_000, 1_700_000_010, 1_700_000_020],
      series: [
        { label: "door main", values: [15, 15, null] },
        { label: "yard main", values: [25, null, 24.9] },
      ],
    });
  });

  it("turns values that are not numbers into gaps", () => {
    expect(shapeChart(history, spec("cpu"))?.series[0]?.values).toEqual([3.5, null, 4]);
  });

  it("has no chart without series", () => {
    expect(shapeChart(history, spec("disk"))).toBeNull();
    expect(shapeChart({ ...history, series: [] }, spec("fps"))).toBeNull();
  });

  it("gives uPlot the x column first", () => {
    const chart = shapeChart(history, spec("bitrate"));
    expect(chart && alignedData(chart)).toEqual([[1_700_000_000, 1_700_000_010, 1_700_000_020], [1e6, 2e6, 3e6]]);
  });
});

describe("labels and values", () => {
  it("labels by camera and stream, or pool and measure, else by name", () => {
    expect(seriesLabel({ name: "camera_fps", labels: { camera: "c", stream: "sub" }, unit: "", points: [] })).toBe("c sub");
    expect(seriesLabel({ name: "pool_used_bytes", labels: { pool: "default" }, unit: "", points: [] })).toBe("default used");
    expect(seriesLabel({ name: "pool_media_bytes", labels: { pool: "default" }, unit: "", points: [] })).toBe("default recordings");
    expect(seriesLabel({ name: "recording_write_bytes_per_s", labels: {}, unit: "", points: [] })).toBe("all cameras");
    expect(seriesLabel({ name: "process_rss_bytes", labels: {}, unit: "", points: [] })).toBe("VMS process");
    expect(seriesLabel({ name: "some_new_figure", labels: {}, unit: "", points: [] })).toBe("some_new_figure");
  });

  it("puts each series name in one chart, and ignores the rest", () => {
    const names = ["camera_fps", "camera_bitrate_bps", "process_cpu_percent", "process_rss_bytes", "pool_used_bytes", "pool_media_bytes", "recording_write_bytes_per_s"];
    for (const name of names) {
      const series = { name, labels: {}, unit: "", points: [] };
      expect(CHARTS.filter((chart) => chart.matches(series))).toHaveLength(1);
    }
    const perRecorder = { name: "recorder_write_bytes_per_s", labels: {}, unit: "", points: [] };
    expect(CHARTS.filter((chart) => chart.matches(perRecorder))).toHaveLength(0);
  });

  it("finds the latest value", () => {
    expect(latestValue([1, 2, null])).toBe(2);
    expect(latestValue([null])).toBeNull();
  });

  it("formats each chart's unit", () => {
    expect(spec("bitrate").format(2_500_000)).toBe("2.5 Mbit/s");
    expect(spec("cpu").format(12.345)).toBe("12.3 %");
    expect(spec("disk").format(2e9)).toBe("2.00 GB");
  });
});
