// A settings tab about one camera at a time (zones, rules): a camera picker in its head that
// moves the path to the chosen camera, the first camera opened when the path names none, and
// the tab's content for the chosen camera.
import { useNavigate } from "@solidjs/router";
import { createEffect, For, type JSX, Show } from "solid-js";
import ErrorAlert from "../app/ErrorAlert";
import { listCameras } from "./cameras/camerasApi";
import { createLoader } from "./loader";
import { sectionPath, type TabId } from "./sections";

export default function CameraSection(props: {
  tab: TabId;
  title: string;
  /** Prefix of the test ids: "zone" gives the picker `zone-camera`. */
  testPrefix: string;
  cameraId: string | undefined;
  children: (cameraId: string) => JSX.Element;
}) {
  const navigate = useNavigate();
  const cameras = createLoader(listCameras);

  createEffect(() => {
    const first = cameras.data()?.[0];
    if (props.cameraId === undefined && first) navigate(sectionPath(props.tab, first.id), { replace: true });
  });

  return (
    <section class="settings-section" aria-labelledby={`${props.tab}-title`}>
      <div class="section-head">
        <h2 id={`${props.tab}-title`}>{props.title}</h2>
        <label class="inline">
          Camera
          <select
            value={props.cameraId ?? ""}
            onChange={(event) => navigate(sectionPath(props.tab, event.currentTarget.value))}
            data-testid={`${props.testPrefix}-camera`}
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
        {(cameraId) => props.children(cameraId)}
      </Show>
    </section>
  );
}
