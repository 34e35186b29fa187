// The state of the live event stream, in a word: live, connecting, reconnecting or unavailable.
import type { LiveState } from "./liveStream";

const TEXT: Record<LiveState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  unsupported: "No live updates (this browser has no EventSource)",
};

export default function LiveBadge(props: { state: LiveState }) {
  return (
    <span
      class={`live-badge live-${props.state}`}
      role="status"
      data-testid="events-live"
      data-state={props.state}
      title="New events appear without a reload while this says Live"
    >
      {TEXT[props.state]}
    </span>
  );
}
