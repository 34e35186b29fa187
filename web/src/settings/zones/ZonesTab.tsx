// The zones tab: pick a camera, then draw, name and save its zones and lines on its picture.
import { useNavigate } from "@solidjs/router";
import { createEffect, For, Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import { listCameras } from "../cameras/camerasApi";
import { createLoader } from "../loader";
import { sectionPath } from "../sections";
import ZoneEditor from "./ZoneEditor";

export default function ZonesTab(props: { cameraId: string | undefined }) {
  const navigate = useNavigate();
  const cameras = createLoader(listCameras);

  // No camera in the path: open the first one.
  createEffect(() => {
    const first = cameras.data()?.[0];
    if (props.cameraId === undefined && first) navigate(sectionPath("zones", first.id), { replace: true });
  });

  return (
    <section class="settings-section" aria-labelledby="zones-title">
      <div class="section-head">
        <h2 id="zones-title">Zones and lines</h2>
        <label class="inline">
          Camera
          <select
            value={props.cameraId ?? ""}
            onChange={(event) => navigate(sectionPath("zones", event.currentTarget.value))}
            data-testid="zone-camera"
          >
            <For each={cameras.data() ?? []}>
              {(camera) => (
                <option value={camera.id} selected={camera.id === props.cameraId}>
                  {camera.name}
                </option>
              )}
            </For>
          </select>
        </label>
      </div>
      <ErrorAlert prefix="Cannot list cameras: " message={cameras.error()} />
      <Show when={cameras.data()?.length === 0}>
        <p class="empty">Add a camera first.</p>
      </Show>
      <Show when={props.cameraId} keyed>
        {(cameraId) => <ZoneEditor cameraId={cameraId} />}
      </Show>
    </section>
  );
}
