// A list of linked horizontal bars (totals per camera, label, rule or zone; a line's crossings
// in and out), longest first as given; each row is one link named with its numbers. Plain HTML
// for the same reasons as ColumnChart.
import { A } from "@solidjs/router";
import { For, Show } from "solid-js";
import type { BarRow } from "./chartData";

interface Props {
  rows: readonly BarRow[];
  /** What the list shows, for screen readers: "Events per camera". */
  label: string;
  testId: string;
  /** Said when there is no row. */
  empty: string;
}

const total = (row: BarRow) => row.parts.reduce((sum, part) => sum + part.value, 0);

export default function BarList(props: Props) {
  const max = () => Math.max(1, ...props.rows.map(total));
  return (
    <Show when={props.rows.length > 0} fallback={<p class="muted" data-testid={`${props.testId}-empty`}>{props.empty}</p>}>
      <ol class="bar-list" aria-label={props.label} data-testid={props.testId}>
        <For each={props.rows}>
          {(row) => (
            <li data-testid="bar-row" data-key={row.key} data-value={total(row)}>
              <A href={row.href} class="bar-link" aria-label={row.name} title={row.name}>
                <span class="bar-name">{row.label}</span>
                <span class="bar-track" aria-hidden="true">
                  <For each={row.parts}>
                    {(part) => (
                      <span class="bar-fill" style={{ width: `${(part.value / max()) * 100}%`, background: part.color }} />
                    )}
                  </For>
                </span>
                <span class="bar-value" data-testid="bar-value">
                  {row.text}
                </span>
              </A>
            </li>
          )}
        </For>
      </ol>
    </Show>
  );
}
