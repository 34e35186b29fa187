// The charts of the last hour. uPlot (and its CSS) is loaded here on first use, so it stays out
// of every other page's bundle.
import type uPlot from "uplot";
import { createEffect, createSignal, For, onCleanup, onMount, Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import { messageOf } from "../format";
import { alignedData, CHARTS, shapeChart, type ChartSpec, type MetricsHistory, type ShapedChart } from "./chartData";

type UPlotClass = typeof uPlot;

const HEIGHT = 160;
const PALETTE = ["#3d8bfd", "#2fbf71", "#f0b429", "#ef5350", "#ab47bc", "#26c6da", "#ff7043", "#9ccc65"];
const AXIS = { stroke: "#9aa2b1", grid: { stroke: "#2c313c", width: 1 }, ticks: { stroke: "#2c313c", width: 1 } };

/** uPlot options for one chart at `width` pixels. */
export function chartOptions(spec: ChartSpec, chart: ShapedChart, width: number): uPlot.Options {
  return {
    width,
    height: HEIGHT,
    scales: { x: { time: true } },
    series: [
      {},
      ...chart.series.map((series, index) => ({
        label: series.label,
        stroke: PALETTE[index % PALETTE.length],
        width: 1.5,
        value: (_: uPlot, value: number | null) => (value === null ? "–" : spec.format(value)),
      })),
    ],
    axes: [AXIS, { ...AXIS, size: 72, values: (_: uPlot, ticks: number[]) => ticks.map(spec.format) }],
    legend: { live: true },
  };
}

export default function MetricsCharts(props: { history: MetricsHistory }) {
  const [UPlot, setUPlot] = createSignal<UPlotClass | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  onMount(async () => {
    try {
      const [module] = await Promise.all([import("uplot"), import("uplot/dist/uPlot.min.css")]);
      setUPlot(() => module.default);
    } catch (failure) {
      setError(`The charts could not load: ${messageOf(failure)}`);
    }
  });
  const shaped = () =>
    CHARTS.map((spec) => ({ spec, chart: shapeChart(props.history, spec) })).filter(
      (item): item is { spec: ChartSpec; chart: ShapedChart } => item.chart !== null,
    );

  return (
    <div class="charts">
      <ErrorAlert message={error()} />
      <Show when={shaped().length > 0} fallback={<p class="muted">No figures recorded yet.</p>}>
        <For each={CHARTS}>
          {(spec) => (
            <Show when={shaped().find((item) => item.spec.id === spec.id)}>
              {(item) => (
                <figure class="chart card" data-testid={`chart-${spec.id}`}>
                  <figcaption>{spec.title}</figcaption>
                  <Show when={UPlot()} fallback={<p class="loading">Loading chart…</p>}>
                    {(ctor) => <Chart UPlot={ctor()} spec={spec} chart={item().chart} />}
                  </Show>
                </figure>
              )}
            </Show>
          )}
        </For>
      </Show>
    </div>
  );
}

function Chart(props: { UPlot: UPlotClass; spec: ChartSpec; chart: ShapedChart }) {
  let host: HTMLDivElement | undefined;
  let plot: uPlot | undefined;
  let labels = "";

  createEffect(() => {
    const chart = props.chart;
    if (!host) return;
    const key = chart.series.map((series) => series.label).join("\n");
    if (plot && key === labels) {
      plot.setData(alignedData(chart));
      return;
    }
    labels = key;
    plot?.destroy();
    plot = new props.UPlot(chartOptions(props.spec, chart, Math.max(240, host.clientWidth)), alignedData(chart), host);
  });

  onMount(() => {
    if (typeof ResizeObserver === "undefined" || !host) return;
    const observer = new ResizeObserver(() => {
      const width = host?.clientWidth ?? 0;
      if (plot && width > 0 && Math.abs(width - plot.width) > 1) plot.setSize({ width, height: HEIGHT });
    });
    observer.observe(host);
    onCleanup(() => observer.disconnect());
  });
  onCleanup(() => plot?.destroy());

  return <div class="chart-host" ref={host} />;
}
