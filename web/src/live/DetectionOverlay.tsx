// Detection boxes and track ids over a live video, for setting up rules: an SVG laid over the
// <video> with the video's own pixel size as its view box, so "contain" letterboxing lines up.
import { createSignal, For, onCleanup, onMount, Show } from "solid-js";
import { caption, createDetectionPoll, scaleBox, type Size } from "./detections";

interface Props {
  cameraId: string;
  /** The element that holds the camera's <video>. */
  frame: () => HTMLElement | undefined;
}

export default function DetectionOverlay(props: Props) {
  const poll = createDetectionPoll(props.cameraId, () => true);
  const [video, setVideo] = createSignal<Size | null>(null);

  // The shown video's size (it may differ from the analysed stream's, and changes on a switch).
  onMount(() => {
    const measure = () => {
      const element = props.frame()?.querySelector("video");
      if (element && element.videoWidth > 0) setVideo({ width: element.videoWidth, height: element.videoHeight });
    };
    measure();
    const timer = setInterval(measure, 1000);
    onCleanup(() => clearInterval(timer));
  });

  const size = (): Size | null => {
    const frame = poll.latest();
    return video() ?? (frame ? { width: frame.width, height: frame.height } : null);
  };

  return (
    <div class="live-detections" data-testid="detections">
      <Show when={poll.latest() && size()}>
        {(shown) => (
          <svg viewBox={`0 0 ${shown().width} ${shown().height}`} preserveAspectRatio="xMidYMid meet" aria-hidden="true">
            <For each={poll.latest()?.objects ?? []}>
              {(object) => {
                const frame = () => poll.latest() ?? { width: 1, height: 1 };
                const box = () => scaleBox(object.box, frame(), shown());
                const font = () => Math.max(12, shown().height / 36);
                return (
                  <g class="live-detection" data-testid="detection-box" data-track={object.track_id ?? ""}>
                    <rect x={box().x} y={box().y} width={box().width} height={box().height} stroke-width={Math.max(2, shown().width / 480)} />
                    <text x={box().x + 2} y={Math.max(font(), box().y - 4)} font-size={String(font())}>
                      {caption(object)}
                    </text>
                  </g>
                );
              }}
            </For>
          </svg>
        )}
      </Show>
      <Show when={poll.error()}>
        {(error) => (
          <span class="live-detections-error" role="status" data-testid="detections-error">
            Detections: {error()}
          </span>
        )}
      </Show>
    </div>
  );
}
