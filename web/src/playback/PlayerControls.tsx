// The transport bar under the video: jumps, steps, play/pause, speed, the time shown, live link.
import { A } from "@solidjs/router";
import { For } from "solid-js";
import Icon from "./icons";
import { STEP_MS } from "./keyboard";
import { SPEEDS } from "./playbackController";
import { formatWall } from "./time";

export interface PlayerControlsProps {
  playing: boolean;
  loading: boolean;
  rate: number;
  cursorMs: number | null;
  /** "event" once markers exist, else "recording boundary": what previous/next jump to. */
  jumpTarget: string;
  liveHref: string;
  muted: boolean;
  onToggle: () => void;
  onStep: (ms: number) => void;
  onPrevious: () => void;
  onNext: () => void;
  onRate: (rate: number) => void;
  onMuted: (muted: boolean) => void;
}

export default function PlayerControls(props: PlayerControlsProps) {
  return (
    <div class="player-controls row" role="toolbar" aria-label="Playback controls">
      <button
        type="button"
        onClick={() => props.onPrevious()}
        aria-label={`Previous ${props.jumpTarget}`}
        title={`Previous ${props.jumpTarget} (,)`}
        data-testid="previous"
      >
        <Icon name="previous" />
      </button>
      <button
        type="button"
        onClick={() => props.onStep(-STEP_MS)}
        aria-label="Back 10 seconds"
        title="Back 10 s (←)"
      >
        −10s
      </button>
      <button
        type="button"
        class="primary play"
        onClick={() => props.onToggle()}
        aria-label={props.playing ? "Pause" : "Play"}
        title="Play / pause (Space)"
        data-testid="play-toggle"
      >
        <Icon name={props.playing ? "pause" : "play"} />
      </button>
      <button
        type="button"
        onClick={() => props.onStep(STEP_MS)}
        aria-label="Forward 10 seconds"
        title="Forward 10 s (→)"
      >
        +10s
      </button>
      <button
        type="button"
        onClick={() => props.onNext()}
        aria-label={`Next ${props.jumpTarget}`}
        title={`Next ${props.jumpTarget} (.)`}
        data-testid="next"
      >
        <Icon name="next" />
      </button>
      <label class="speed">
        <span class="sr-only">Speed</span>
        <select
          value={String(props.rate)}
          onChange={(event) => props.onRate(Number(event.currentTarget.value))}
          aria-label="Playback speed"
          data-testid="speed"
        >
          <For each={SPEEDS}>{(speed) => <option value={String(speed)}>{speed}×</option>}</For>
        </select>
      </label>
      <button
        type="button"
        onClick={() => props.onMuted(!props.muted)}
        aria-pressed={!props.muted}
        aria-label="Sound"
        title={props.muted ? "Sound is off" : "Sound is on"}
      >
        <Icon name={props.muted ? "muted" : "sound"} />
      </button>
      <output class="cursor-time" data-testid="cursor-time" aria-live="off">
        {props.cursorMs === null ? "—" : formatWall(props.cursorMs)}
        {props.loading ? " · loading…" : ""}
      </output>
      <A class="live-link" href={props.liveHref} data-testid="live-link">
        Live view
      </A>
    </div>
  );
}
