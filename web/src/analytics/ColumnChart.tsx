// A column per bucket over time, each made of linked segments (stacked labels, or one peak).
//
// Hand-written HTML bars rather than a chart library: every segment must be a real link (an
// <a href> to the Events page, reached with Tab, named with its number for screen readers, opened
// in a new tab with a middle click), which canvas charts (uPlot, already used for the system
// metrics, Chart.js, ECharts) cannot give and which jsdom cannot see for the unit tests; SVG
// libraries bring a layout engine (tens of kB) for what is a row of flex boxes here. Heights are
// shares of the tallest column, so the chart scales with its box and needs no measuring.
import { A } from "@solidjs/router";
import { For } from "solid-js";
import type { Column } from "./chartData";

interface Props {
  columns: readonly Column[];
  /** What the chart shows, for screen readers: "Events per hour, by label". */
  label: string;
  testId: string;
}

/** How many columns share one tick label: at most about 8 labels under a chart. */
export function tickEvery(columns: number): number {
  return Math.max(1, Math.ceil(columns / 8));
}

export default function ColumnChart(props: Props) {
  const max = () => Math.max(1, ...props.columns.map((column) => column.value));
  return (
    <div class="column-chart" role="group" aria-label={props.label} data-testid={props.testId}>
      <ol class="columns">
        <For each={props.columns}>
          {(column, index) => (
            <li
              class="column"
              data-testid="chart-column"
              data-start={column.bucket.startMs}
              data-value={column.value}
              title={`${column.bucket.text}: ${column.value}`}
            >
              <span class="column-plot">
                <span class="column-bar" style={{ height: `${(column.value / max()) * 100}%` }}>
                  <span class="column-value" aria-hidden="true">
                    {column.value > 0 ? column.value : ""}
                  </span>
                  <For each={column.segments}>
                    {(segment) => (
                      <A
                        href={segment.href}
                        class="segment"
                        style={{ "flex-grow": segment.value, background: segment.color }}
                        aria-label={segment.name}
                        title={segment.name}
                        data-testid="chart-segment"
                        data-key={segment.key}
                        data-value={segment.value}
                      />
                    )}
                  </For>
                </span>
              </span>
              <span class="column-tick" aria-hidden="true">
                {index() % tickEvery(props.columns.length) === 0 ? column.bucket.tick : ""}
              </span>
            </li>
          )}
        </For>
      </ol>
    </div>
  );
}
