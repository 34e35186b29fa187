// A camera's health (online / reconnecting / offline, with the reason) and its recording mark.
import { Show } from "solid-js";
import type { TileStatus } from "./status";

export default function StatusBadge(props: { status: TileStatus }) {
  return (
    <span class="live-badges">
      <span
        class="live-health"
        data-health={props.status.health}
        data-testid="camera-health"
        title={props.status.reason ?? props.status.label}
      >
        {props.status.label}
      </span>
      <Show when={props.status.recording !== "off"}>
        <span
          class="live-rec"
          data-recording={props.status.recording}
          data-testid="camera-recording"
          title={props.status.recording === "on" ? "Recording" : "Recording failed"}
        >
          {props.status.recording === "on" ? "REC" : "REC !"}
        </span>
      </Show>
    </span>
  );
}
