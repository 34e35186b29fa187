// Full-screen live view of a camera's main stream (audio muted at first); Esc: back to the grid.
// "Detections" draws what analytics sees (boxes, labels, track ids) over the video.
import { A, useNavigate, useParams } from "@solidjs/router";
import { createResource, createSignal, onCleanup, onMount, Show } from "solid-js";
import { api, unwrap } from "../api/client";
import { createCameraStatus } from "./cameraStatus";
import DetectionOverlay from "./DetectionOverlay";
import LiveVideo from "./LiveVideo";
import StatusBadge from "./StatusBadge";
import "./live.css";

async function loadCamera(cameraId: string) {
  const params = { path: { camera_id: cameraId } };
  return unwrap(await api.GET("/api/v1/cameras/{camera_id}", { params }));
}

export default function LiveCamera() {
  const params = useParams<{ cameraId: string }>();
  return (
    <Show when={params.cameraId} keyed>
      {(cameraId) => <CameraView cameraId={cameraId} />}
    </Show>
  );
}

function CameraView(props: { cameraId: string }) {
  const navigate = useNavigate();
  const [camera] = createResource(() => props.cameraId, loadCamera);
  const status = createCameraStatus(props.cameraId, "main");
  const [muted, setMuted] = createSignal(true);
  const [detections, setDetections] = createSignal(false);
  let frame!: HTMLDivElement;

  const back = () => navigate("/live");
  onMount(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" && !document.fullscreenElement) back();
    };
    window.addEventListener("keydown", onKey);
    onCleanup(() => window.removeEventListener("keydown", onKey));
  });
  function toggleFullscreen(): void {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void frame.requestFullscreen?.().catch(() => undefined);
  }
  const name = () => (camera.error ? undefined : camera()?.name) || props.cameraId;

  return (
    <section class="live-camera" data-testid="live-camera" aria-label={`${name()} live`}>
      <header class="live-camera-bar row">
        <A
          href="/live"
          class="live-back"
          data-testid="back-to-grid"
          aria-label="Back to the grid (Esc)"
        >
          ← Grid
        </A>
        <h1 class="live-camera-name">{name()}</h1>
        <StatusBadge status={status.tile()} />
        <span class="live-camera-actions row">
          <button
            type="button"
            aria-pressed={!muted()}
            data-testid="toggle-sound"
            onClick={() => setMuted(!muted())}
          >
            {muted() ? "Sound off" : "Sound on"}
          </button>
          <button
            type="button"
            aria-pressed={detections()}
            data-testid="toggle-detections"
            title="Show what analytics detects: boxes, labels and track ids"
            onClick={() => setDetections(!detections())}
          >
            Detections
          </button>
          <button type="button" onClick={toggleFullscreen} data-testid="toggle-fullscreen">
            Full screen
          </button>
          <A href={`/playback/${encodeURIComponent(props.cameraId)}`} data-testid="to-playback">
            Playback
          </A>
        </span>
      </header>
      <Show when={camera.error}>
        {(error) => (
          <p class="error" role="alert">
            {error() instanceof Error ? (error() as Error).message : String(error())}
          </p>
        )}
      </Show>
      <Show when={status.tile().health !== "online" && status.tile().reason}>
        {(reason) => <p class="live-reason-line muted">{reason()}</p>}
      </Show>
      <div class="live-camera-frame" ref={frame}>
        <Show when={!camera.error && camera()}>
          <LiveVideo
            cameraId={props.cameraId}
            stream="main"
            audio
            muted={muted()}
            label={`${name()} live, main stream`}
            sourceUp={() => status.tile().streaming}
          />
        </Show>
        <Show when={detections()}>
          <DetectionOverlay cameraId={props.cameraId} frame={() => frame} />
        </Show>
      </div>
    </section>
  );
}
