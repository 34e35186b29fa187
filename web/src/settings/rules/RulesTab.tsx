// The rules tab: pick a camera, then list, add, edit and remove its rules (what a tracked object
// must do in which zone or across which line, and when, for an event).
import { A, useNavigate } from "@solidjs/router";
import { createEffect, For, Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import { listCameras } from "../cameras/camerasApi";
import { createLoader } from "../loader";
import { sectionPath } from "../sections";
import RuleEditor from "./RuleEditor";

export default function RulesTab(props: { cameraId: string | undefined }) {
  const navigate = useNavigate();
  const cameras = createLoader(listCameras);

  // No camera in the path: open the first one.
  createEffect(() => {
    const first = cameras.data()?.[0];
    if (props.cameraId === undefined && first) navigate(sectionPath("rules", first.id), { replace: true });
  });

  return (
    <section class="settings-section" aria-labelledby="rules-title">
      <div class="section-head">
        <h2 id="rules-title">Rules</h2>
        <label class="inline">
          Camera
          <select
            value={props.cameraId ?? ""}
            onChange={(event) => navigate(sectionPath("rules", event.currentTarget.value))}
            data-testid="rule-camera"
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
        {(cameraId) => (
          <>
            <p class="muted small">
              Rules watch the zones and lines drawn in{" "}
              <A href={sectionPath("zones", cameraId)} data-testid="rules-to-zones">
                Zones &amp; lines
              </A>
              . A line's arrow points from side A to side B: A→B counts as in.
            </p>
            <RuleEditor cameraId={cameraId} />
          </>
        )}
      </Show>
    </section>
  );
}
