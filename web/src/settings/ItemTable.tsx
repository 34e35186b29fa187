// A settings table of items with ids (cameras, users): a heading per column, a last column of
// actions, and one row per item, keyed by id so that a reload bringing new objects for the same
// ids keeps each row (focus, an open form, a notice) instead of rebuilding it.
import { For, Show, type Accessor, type JSX } from "solid-js";

export interface Column {
  label: string;
  /** Shown on wide screens only. */
  wideOnly?: boolean;
}

interface Props<T extends { id: string | number }> {
  testId: string;
  columns: Column[];
  items: readonly T[];
  row: (item: Accessor<T>) => JSX.Element;
}

export default function ItemTable<T extends { id: string | number }>(props: Props<T>) {
  return (
    <div class="table-scroll">
      <table data-testid={props.testId}>
        <thead>
          <tr>
            <For each={props.columns}>
              {(column) => <th class={column.wideOnly ? "wide-only" : undefined}>{column.label}</th>}
            </For>
            <th>
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          <For each={props.items.map((item) => item.id)}>
            {(id) => <Show when={props.items.find((item) => item.id === id)}>{(item) => props.row(item)}</Show>}
          </For>
        </tbody>
      </table>
    </div>
  );
}
