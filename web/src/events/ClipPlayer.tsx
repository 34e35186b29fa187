// Plays an event's clip from the recordings: a VOD window of the camera's recorded stream (the
// playback page's hls.js player, reused) with play/pause, restart, a position slider and the wall
// time. The timeline is asked first, so no playlist is requested for what is not recorded yet.
import { createSignal, onCleanup, Show } from "solid-js";
import { formatWall } from "../playback/time";
import { fetchTimeline } from "../playback/timelineData";
import { VodPlayer, vodUrl } from "../playback/vodPlayer";
import { planClip } from "./clipWindow";

interface Props {
  cameraId: string;
  stream: "main" | "sub";
  startMs: number;
  endMs: number;
}

const RETRY_MS = 5_000;

function clock(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

export default function ClipPlayer(props: Props) {
  const { cameraId, stream, startMs, endMs } = props; // a new clip is a new player (keyed by the page)
  const [wall, setWall] = createSignal<number>(startMs);
  const [playing, setPlaying] = createSignal(false);
  const [loading, setLoading] = createSignal(true);
  const [error, setError] = createSignal<string | null>(null);
  const [notice, setNotice] = createSignal<string | null>(null);
  const [muted, setMuted] = createSignal(true);
  let player: VodPlayer | null = null;
  let url: string | null = null;
  let ended = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let alive = true;

  const open = (atMs: number, play: boolean) => {
    ended = false;
    if (player && url) void player.open(url, atMs, play);
  };
  // Find what is recorded of the clip, then load it (or say why not, and look again if it may come).
  const prepare = async (play: boolean) => {
    clearTimeout(retry);
    setError(null);
    setLoading(true);
    try {
      const data = await fetchTimeline(cameraId, stream, { startMs, endMs }, Date.now());
      if (!alive) return;
      const plan = planClip({ startMs, endMs }, data.recorded, Date.now());
      if (plan.kind === "play") {
        setNotice(null);
        url = vodUrl(cameraId, stream, plan.window);
        open(Math.max(wall(), plan.window.startMs), play);
        return;
      }
      setLoading(false);
      if (plan.kind === "missing") {
        setNotice("There is no recording of this event (it was not recorded, or retention deleted it).");
        return;
      }
      setNotice("The recording of this event is not ready yet (segments are indexed as they close)…");
      retry = setTimeout(() => void prepare(play), RETRY_MS);
    } catch (failure) {
      if (!alive) return;
      setLoading(false);
      setError(`The recording could not be found: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
  };
  const attach = (video: HTMLVideoElement) => {
    player = new VodPlayer(video, {
      time: (ms) => setWall(Math.min(Math.max(ms, startMs), endMs)),
      playing: (value) => {
        setPlaying(value);
        if (value) ended = false;
      },
      error: setError,
      loading: setLoading,
      ended: () => {
        ended = true;
        setPlaying(false);
      },
    });
    void prepare(false);
  };
  onCleanup(() => {
    alive = false;
    clearTimeout(retry);
    player?.destroy();
  });

  const seek = (ms: number) => {
    setWall(ms);
    if (player && url && !player.seek(ms)) open(ms, playing());
  };
  const toggle = () => {
    if (!player) return;
    if (playing()) return player.pause();
    if (!url) return void prepare(true); // not loaded yet: play once it is
    if (player.loaded() === null) return open(wall(), true);
    if (ended) seek(startMs);
    player.play();
  };

  return (
    <div class="clip-player" data-testid="clip-player">
      <div class="clip-video">
        <video ref={attach} muted={muted()} playsinline data-testid="clip-video" />
        <Show when={notice() ?? (loading() && !error() ? "Loading…" : null)}>
          {(text) => (
            <span class="clip-notice muted" data-testid="clip-notice">
              {text()}
            </span>
          )}
        </Show>
      </div>
      <Show when={error()}>
        <p class="error" role="alert" data-testid="clip-error">
          {error()}{" "}
          <button type="button" class="link" onClick={() => void prepare(false)}>
            Retry
          </button>
        </p>
      </Show>
      <div class="row clip-controls">
        <button type="button" class="primary" data-testid="clip-play" onClick={toggle} aria-pressed={playing()}>
          {playing() ? "Pause" : "Play"}
        </button>
        <button type="button" onClick={() => seek(startMs)} aria-label="Back to the start of the clip">
          Restart
        </button>
        <input
          type="range"
          class="clip-position"
          min="0"
          max={Math.max(1, endMs - startMs)}
          step="100"
          value={wall() - startMs}
          aria-label="Position in the clip"
          aria-valuetext={formatWall(wall())}
          onChange={(event) => seek(startMs + Number(event.currentTarget.value))}
        />
        <span class="clip-time" data-testid="clip-time">
          {clock(wall() - startMs)} / {clock(endMs - startMs)}
        </span>
        <label class="check">
          <input type="checkbox" checked={!muted()} onChange={(event) => setMuted(!event.currentTarget.checked)} />
          Sound
        </label>
      </div>
      <p class="muted small clip-wall">{formatWall(wall())}</p>
    </div>
  );
}
