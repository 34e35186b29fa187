// One grid tile: a camera's sub stream live, name, health and recording mark; opens full screen.
import { A } from "@solidjs/router";
import { Show } from "solid-js";
import type { components } from "../api/schema";
import { createCameraStatus } from "./cameraStatus";
import LiveVideo from "./LiveVideo";
import StatusBadge from "./StatusBadge";

export type Camera = components["schemas"]["CameraView"];

/** Grids play the sub stream; a camera without one plays its main stream. */
export function tileStream(camera: Camera): "main" | "sub" {
  return camera.sub_url ? "sub" : "main";
}

export default function CameraTile(props: { camera: Camera }) {
  const camera = props.camera; // a tile is keyed on its camera: the stream never changes
  const stream = tileStream(camera);
  const status = createCameraStatus(camera.id, stream);
  const name = () => camera.name || camera.id;
  return (
    <A
      href={`/live/${encodeURIComponent(camera.id)}`}
      class="live-tile"
      data-testid="live-tile"
      data-camera={camera.id}
      data-health={status.tile().health}
      aria-label={`${name()}: ${status.tile().label}. Open full screen`}
    >
      <Show
        when={camera.enabled}
        fallback={<div class="live-video live-disabled">Camera disabled</div>}
      >
        <LiveVideo
          cameraId={camera.id}
          stream={stream}
          label={`${name()} live`}
          sourceUp={() => status.tile().streaming}
        />
      </Show>
      <div class="live-caption">
        <span class="live-name">{name()}</span>
        <StatusBadge status={status.tile()} />
      </div>
      <Show when={status.error() ?? (status.tile().health !== "online" && status.tile().reason)}>
        {(reason) => (
          <div class="live-reason" data-testid="camera-reason">
            {reason()}
          </div>
        )}
      </Show>
    </A>
  );
}
