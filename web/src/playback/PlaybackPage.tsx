// The playback page `/playback/:cameraId?`: a camera picker (default the first camera) and its
// recordings; `?at=` (ISO-8601 or unix ms) opens at a moment.
import { useNavigate, useParams, useSearchParams } from "@solidjs/router";
import { createMemo, createResource, For, Match, Show, Switch } from "solid-js";
import { api, unwrap } from "../api/client";
import CameraPlayback from "./CameraPlayback";
import "./playback.css";

/** A moment from the `at` query value: unix milliseconds or an ISO-8601 date-time. */
export function parseAt(value: string | string[] | undefined): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

export default function PlaybackPage() {
  const params = useParams<{ cameraId?: string }>();
  const [search] = useSearchParams<{ at?: string }>();
  const navigate = useNavigate();
  const [cameras] = createResource(async () => unwrap(await api.GET("/api/v1/cameras")));
  const list = () => (cameras.state === "ready" ? cameras() : undefined);
  const camera = createMemo(() => {
    const all = list();
    if (!all) return undefined;
    return params.cameraId ? (all.find((c) => c.id === params.cameraId) ?? null) : (all[0] ?? null);
  });
  // A new camera or a new `at` starts a fresh player (keyed below).
  const shown = createMemo(() => {
    const item = camera();
    return item ? { camera: item, atMs: parseAt(search.at) } : item;
  });

  return (
    <section class="playback-page" aria-labelledby="playback-title">
      <div class="row playback-head">
        <h1 id="playback-title">Playback</h1>
        <Show when={(list()?.length ?? 0) > 0}>
          <label class="camera-picker">
            <span class="sr-only">Camera</span>
            <select
              value={camera()?.id ?? ""}
              onChange={(event) =>
                navigate(`/playback/${encodeURIComponent(event.currentTarget.value)}`)
              }
              data-testid="camera-picker"
            >
              <For each={list()}>
                {(item) => <option value={item.id}>{item.name || item.id}</option>}
              </For>
            </select>
          </label>
        </Show>
      </div>
      <Switch>
        <Match when={cameras.error as unknown}>
          <p class="error" role="alert">
            The cameras could not be loaded: {(cameras.error as Error).message}
          </p>
        </Match>
        <Match when={cameras.loading}>
          <p class="loading">Loading…</p>
        </Match>
        <Match when={list()?.length === 0}>
          <p class="empty">No cameras yet: add one in Settings.</p>
        </Match>
        <Match when={camera() === null}>
          <p class="error" role="alert">There is no camera “{params.cameraId}”.</p>
        </Match>
        <Match when={shown()} keyed>
          {(item) => <CameraPlayback camera={item.camera} initialAtMs={item.atMs} />}
        </Match>
      </Switch>
    </section>
  );
}
