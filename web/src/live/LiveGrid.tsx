// The live grid page: every camera's sub stream in 1, 4, 9 or 16 tiles, paged; saved per user.
import { A } from "@solidjs/router";
import { createMemo, createResource, createSignal, For, Show } from "solid-js";
import { api, unwrap } from "../api/client";
import { session, updatePreferences } from "../auth/session";
import CameraTile, { type Camera } from "./CameraTile";
import GridToolbar from "./GridToolbar";
import {
  clampPage,
  columns,
  DEFAULT_LAYOUT,
  emptySlots,
  isLayout,
  pageCount,
  pageItems,
  pageOf,
  type GridLayout,
} from "./layout";
import "./live.css";

async function loadCameras(): Promise<Camera[]> {
  return unwrap(await api.GET("/api/v1/cameras"));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export default function LiveGrid() {
  const saved = session()?.preferences;
  const savedLayout = saved?.grid_layout;
  const [layout, setLayout] = createSignal<GridLayout>(
    isLayout(savedLayout) ? savedLayout : DEFAULT_LAYOUT,
  );
  const [page, setPage] = createSignal<number | null>(null); // null: the saved cameras' page
  const [saveError, setSaveError] = createSignal<string | null>(null);
  const [cameras] = createResource(loadCameras);

  const list = (): Camera[] => (cameras.error ? [] : (cameras() ?? []));
  const ids = createMemo(() => list().map((camera) => camera.id));
  const currentPage = createMemo(() => {
    const wanted = page() ?? pageOf(ids(), saved?.grid_cameras ?? [], layout());
    return clampPage(wanted, ids().length, layout());
  });
  const visible = createMemo(() => pageItems(list(), layout(), currentPage()));
  const pages = () => pageCount(ids().length, layout());

  async function save(): Promise<void> {
    const preferences = { grid_layout: layout(), grid_cameras: visible().map((c) => c.id) };
    try {
      const result = await api.PUT("/api/v1/auth/preferences", { body: preferences });
      updatePreferences(unwrap(result));
      setSaveError(null);
    } catch (error) {
      setSaveError(`The layout was not saved: ${message(error)}`);
    }
  }

  function chooseLayout(next: GridLayout): void {
    if (next === layout()) return;
    const first = visible()[0]?.id; // keep the first camera on screen
    setLayout(next);
    setPage(first === undefined ? 0 : pageOf(ids(), [first], next));
    void save();
  }

  function choosePage(next: number): void {
    setPage(clampPage(next, ids().length, layout()));
    void save();
  }

  return (
    <section class="live-page" aria-labelledby="live-title">
      <header class="live-header row">
        <h1 id="live-title">Live</h1>
        <GridToolbar
          layout={layout()}
          page={currentPage()}
          pages={pages()}
          onLayout={chooseLayout}
          onPage={choosePage}
        />
      </header>
      <Show when={saveError()}>
        {(error) => (
          <p class="error" role="alert">
            {error()}
          </p>
        )}
      </Show>
      <Show when={cameras.error}>
        {(error) => (
          <p class="error" role="alert" data-testid="cameras-error">
            The cameras could not be loaded: {message(error())}
          </p>
        )}
      </Show>
      <Show when={!cameras.loading} fallback={<p class="loading">Loading cameras…</p>}>
        <Show when={list().length > 0} fallback={<EmptyGrid failed={Boolean(cameras.error)} />}>
          <div
            class="live-grid"
            style={{ "--cols": String(columns(layout())) }}
            data-testid="live-grid"
            data-layout={layout()}
          >
            <For each={visible()}>{(camera) => <CameraTile camera={camera} />}</For>
            <For each={Array.from({ length: emptySlots(visible().length, layout()) })}>
              {() => <div class="live-slot" aria-hidden="true" />}
            </For>
          </div>
        </Show>
      </Show>
    </section>
  );
}

function EmptyGrid(props: { failed: boolean }) {
  return (
    <Show when={!props.failed}>
      <p class="empty" data-testid="no-cameras">
        No cameras yet. An administrator adds them in <A href="/settings">Settings</A>.
      </p>
    </Show>
  );
}
