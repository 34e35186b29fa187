// The cameras tab: every camera with its live state, and the way to add, edit and draw zones.
import { A } from "@solidjs/router";
import { createEffect, createSignal, on, Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import { hasRole } from "../../auth/session";
import { formatBitrate, messageOf } from "../format";
import ItemTable from "../ItemTable";
import { createLoader } from "../loader";
import { sectionPath } from "../sections";
import { cameraState, cameraStatus, listCameras, type CameraStatus } from "./camerasApi";
import type { CameraView } from "./cameraForm";

const REFRESH_MS = 5_000;

export default function CameraList() {
  const cameras = createLoader(listCameras, { refreshMs: REFRESH_MS });
  const [statuses, setStatuses] = createSignal<Record<string, CameraStatus>>({});
  const [statusError, setStatusError] = createSignal<string | null>(null);

  async function refreshStatuses(list: CameraView[]) {
    const results = await Promise.allSettled(list.map((camera) => cameraStatus(camera.id)));
    const next: Record<string, CameraStatus> = {};
    let failure: string | null = null;
    results.forEach((result, index) => {
      const camera = list[index];
      if (!camera) return;
      if (result.status === "fulfilled") next[camera.id] = result.value;
      else failure = `Status of ${camera.id}: ${messageOf(result.reason)}`;
    });
    setStatuses(next);
    setStatusError(failure);
  }

  // Each (re)load of the list fetches every camera's status.
  createEffect(on(cameras.data, (list) => list && void refreshStatuses(list)));

  return (
    <section class="settings-section" aria-labelledby="cameras-title">
      <div class="section-head">
        <h2 id="cameras-title">Cameras</h2>
        <Show when={hasRole("admin")}>
          <A class="button primary" href={sectionPath("cameras", "new")} data-testid="add-camera">
            Add camera
          </A>
        </Show>
      </div>
      <ErrorAlert prefix="Cannot list cameras: " message={cameras.error()} />
      <Show when={statusError()}>
        <p class="error">{statusError()}</p>
      </Show>
      <Show when={cameras.data()} fallback={<p class="loading">Loading cameras…</p>}>
        {(list) => (
          <Show when={list().length > 0} fallback={<p class="empty">No cameras yet.</p>}>
            {/* Rows keyed by id: a reload every few seconds must not rebuild them (focus stays). */}
            <ItemTable
              testId="camera-list"
              columns={[
                { label: "Camera" },
                { label: "State" },
                { label: "Video", wideOnly: true },
                { label: "Recording", wideOnly: true },
                { label: "Motion", wideOnly: true },
              ]}
              items={list()}
              row={(camera) => <CameraRow camera={camera()} status={statuses()[camera().id]} />}
            />
          </Show>
        )}
      </Show>
    </section>
  );
}

function CameraRow(props: { camera: CameraView; status: CameraStatus | undefined }) {
  const main = () => props.status?.streams.find((stream) => stream.stream === "main");
  const state = () => cameraState(props.status, props.camera.enabled);
  const video = () => {
    const stream = main();
    if (!stream?.width) return "–";
    const parts = [`${stream.codec ?? "?"} ${stream.width}×${stream.height ?? "?"}`];
    if (stream.fps) parts.push(`${stream.fps.toFixed(1)} fps`);
    if (stream.bitrate_bps) parts.push(formatBitrate(stream.bitrate_bps));
    return parts.join(" · ");
  };
  return (
    <tr data-testid={`camera-row-${props.camera.id}`}>
      <td>
        <div>{props.camera.name}</div>
        <div class="muted small">{props.camera.id}</div>
      </td>
      <td>
        <span class={`state state-${state()}`} data-testid={`camera-state-${props.camera.id}`}>
          {state()}
        </span>
        <Show when={state() !== "online" && (main()?.degraded_reason ?? main()?.last_error)}>
          <div class="muted small">{main()?.degraded_reason ?? main()?.last_error}</div>
        </Show>
      </td>
      <td class="wide-only">{video()}</td>
      <td class="wide-only">{props.camera.record ? `on (${props.camera.record_stream})` : "off"}</td>
      <td class="wide-only" data-testid={`camera-motion-${props.camera.id}`}>
        {props.camera.motion ? "on" : "off"}
      </td>
      <td class="actions">
        <Show when={hasRole("admin")}>
          <A href={sectionPath("cameras", "edit", props.camera.id)} data-testid={`edit-camera-${props.camera.id}`}>
            Edit
          </A>
          <A href={sectionPath("zones", props.camera.id)}>Zones</A>
        </Show>
      </td>
    </tr>
  );
}
