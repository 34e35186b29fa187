// The grid's controls: layout buttons (1, 4, 9, 16 tiles) and the pager when cameras overflow.
import { For, Show } from "solid-js";
import { LAYOUTS, type GridLayout } from "./layout";

export interface GridToolbarProps {
  layout: GridLayout;
  page: number;
  pages: number;
  onLayout: (layout: GridLayout) => void;
  onPage: (page: number) => void;
}

export default function GridToolbar(props: GridToolbarProps) {
  return (
    <div class="live-toolbar row">
      <div class="live-layouts" role="group" aria-label="Grid layout">
        <For each={LAYOUTS}>
          {(layout) => (
            <button
              type="button"
              classList={{ primary: props.layout === layout }}
              aria-pressed={props.layout === layout}
              aria-label={`${layout} ${layout === 1 ? "tile" : "tiles"}`}
              data-testid={`layout-${layout}`}
              onClick={() => props.onLayout(layout)}
            >
              {layout === 1 ? "1" : `${Math.sqrt(layout)}×${Math.sqrt(layout)}`}
            </button>
          )}
        </For>
      </div>
      <Show when={props.pages > 1}>
        <nav class="live-pager row" aria-label="Camera pages">
          <button
            type="button"
            aria-label="Previous page"
            data-testid="page-previous"
            disabled={props.page === 0}
            onClick={() => props.onPage(props.page - 1)}
          >
            ‹
          </button>
          <span data-testid="page-label" aria-live="polite">
            Page {props.page + 1} of {props.pages}
          </span>
          <button
            type="button"
            aria-label="Next page"
            data-testid="page-next"
            disabled={props.page >= props.pages - 1}
            onClick={() => props.onPage(props.page + 1)}
          >
            ›
          </button>
        </nav>
      </Show>
    </div>
  );
}
