// A <video> that plays one camera stream live through LiveController, with a status overlay.
import { createEffect, createSignal, onCleanup, onMount, Show } from "solid-js";
import { LiveController, type LiveState } from "./controller";
import { PROTOCOL_LABELS } from "./fallback";
import type { StreamName } from "./players/types";

export interface LiveVideoProps {
  cameraId: string;
  stream: StreamName;
  /** Ask for audio (WebRTC); the <video> stays muted unless `muted` is false. */
  audio?: boolean;
  muted?: boolean;
  /** False while the camera's stream is known to be down. */
  sourceUp?: () => boolean;
  label: string;
}

const WAITING: Record<LiveState["phase"], string> = {
  connecting: "Connecting…",
  retrying: "Reconnecting…",
  waiting: "Waiting for the camera…",
  playing: "",
  stopped: "",
};

export default function LiveVideo(props: LiveVideoProps) {
  let video!: HTMLVideoElement;
  const [state, setState] = createSignal<LiveState | null>(null);

  onMount(() => {
    video.muted = props.muted ?? true;
    const controller = new LiveController(video, {
      cameraId: props.cameraId,
      stream: props.stream,
      audio: props.audio ?? false,
      sourceUp: () => props.sourceUp?.() ?? true,
      onState: setState,
    });
    controller.start();
    // Leaving the page runs no cleanup: stop on pagehide too, so WHEP sessions are DELETEd,
    // and start again if the page comes back from the back-forward cache.
    const leave = () => void controller.stop();
    const back = (event: PageTransitionEvent) => event.persisted && controller.start();
    window.addEventListener("pagehide", leave);
    window.addEventListener("pageshow", back);
    onCleanup(() => {
      window.removeEventListener("pagehide", leave);
      window.removeEventListener("pageshow", back);
      void controller.stop();
    });
  });
  createEffect(() => {
    video.muted = props.muted ?? true;
  });

  const phase = () => state()?.phase ?? "connecting";
  return (
    <div class="live-video" data-phase={phase()}>
      <video
        ref={video}
        autoplay
        playsinline
        aria-label={props.label}
        data-testid="live-video"
        data-camera={props.cameraId}
        data-stream={props.stream}
        data-phase={phase()}
        data-protocol={state()?.protocol ?? ""}
        data-first-frame-ms={state()?.firstFrameMs?.toFixed(0) ?? ""}
      />
      <Show when={phase() !== "playing"}>
        <div class="live-overlay" role="status">
          <span>{WAITING[phase()]}</span>
          <Show when={state()?.error}>
            {(error) => <span class="live-overlay-error">{error()}</span>}
          </Show>
        </div>
      </Show>
      <Show when={phase() === "playing" && state()}>
        {(current) => <span class="live-protocol">{PROTOCOL_LABELS[current().protocol]}</span>}
      </Show>
    </div>
  );
}
