// The camera form's "Test" button: connects to the typed-in streams without saving and shows the
// codecs, picture size, frame rate, audio and one picture of each.
import { createSignal, For, onCleanup, Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import { messageOf } from "../format";
import { probeBlocker, type CameraFormValues, type CameraView } from "./cameraForm";
import { PROBE_TIMEOUT_S, probeCamera, type ProbeResult } from "./camerasApi";

interface Outcome {
  stream: "main" | "sub";
  result?: ProbeResult;
  error?: string;
}

/** "H.264 (High) 1920×1080 · 25 fps" and "AAC 48 kHz stereo" / "no audio". */
export function describeProbe(result: ProbeResult): { video: string; audio: string } {
  const v = result.video;
  const profile = v.profile ? ` (${v.profile})` : "";
  const fps = v.fps ? ` · ${Number(v.fps.toFixed(2))} fps` : "";
  const a = result.audio;
  const channels = a ? (a.channels === 1 ? "mono" : a.channels === 2 ? "stereo" : `${a.channels} channels`) : "";
  return {
    video: `${v.codec}${profile} ${v.width}×${v.height}${fps}`,
    audio: a ? `${a.codec} ${a.sample_rate / 1000} kHz ${channels}` : "no audio",
  };
}

export default function ProbePanel(props: { values: CameraFormValues; view: CameraView | null }) {
  const [outcomes, setOutcomes] = createSignal<Outcome[]>([]);
  const [busy, setBusy] = createSignal(false);
  const [blocked, setBlocked] = createSignal<string | null>(null);
  let controller: AbortController | undefined;
  onCleanup(() => controller?.abort());

  async function test() {
    const blocker = probeBlocker(props.values, props.view);
    setBlocked(blocker);
    if (blocker) return;
    controller?.abort();
    const mine = (controller = new AbortController());
    setBusy(true);
    setOutcomes([]);
    const streams: Array<["main" | "sub", string]> = [["main", props.values.main_url.trim()]];
    if (props.values.sub_url.trim() && !props.values.sub_url.includes("***")) {
      streams.push(["sub", props.values.sub_url.trim()]);
    }
    const credentials = {
      username: props.values.username.trim() || null,
      password: props.values.password === "" ? null : props.values.password,
    };
    // One after the other: the server runs few probes at once.
    for (const [stream, url] of streams) {
      let outcome: Outcome;
      try {
        const request = { url, transport: props.values.transport, timeout_s: PROBE_TIMEOUT_S, ...credentials };
        const result = await probeCamera(request, mine.signal);
        outcome = { stream, result };
      } catch (failure) {
        if (mine.signal.aborted) return;
        outcome = { stream, error: messageOf(failure) };
      }
      setOutcomes((previous) => [...previous, outcome]);
    }
    setBusy(false);
  }

  return (
    <div class="probe">
      <div class="row">
        <button type="button" onClick={test} disabled={busy()} data-testid="probe-button">
          {busy() ? "Testing…" : "Test"}
        </button>
        <span class="muted small">Connects to the camera without saving anything.</span>
      </div>
      <ErrorAlert small message={blocked()} />
      <div class="probe-results" aria-live="polite">
        <For each={outcomes()}>{(outcome) => <ProbeOutcome outcome={outcome} />}</For>
      </div>
    </div>
  );
}

function ProbeOutcome(props: { outcome: Outcome }) {
  const label = props.outcome.stream === "main" ? "Main stream" : "Sub stream";
  return (
    <Show
      when={props.outcome.result}
      fallback={
        <p class="error" role="alert" data-testid={`probe-error-${props.outcome.stream}`}>
          {label}: {props.outcome.error}
        </p>
      }
    >
      {(result) => (
        <figure class="probe-result card" data-testid={`probe-result-${props.outcome.stream}`}>
          <img
            src={`data:image/jpeg;base64,${result().snapshot_jpeg}`}
            alt={`${label} picture`}
            data-testid={`probe-snapshot-${props.outcome.stream}`}
          />
          <figcaption>
            <strong>{label}</strong>
            <div data-testid={`probe-video-${props.outcome.stream}`}>{describeProbe(result()).video}</div>
            <div class="muted">{describeProbe(result()).audio}</div>
            <div class="muted small">answered in {(result().elapsed_ms / 1000).toFixed(1)} s</div>
          </figcaption>
        </figure>
      )}
    </Show>
  );
}
