// Why the Events page shows nothing: no cameras, no camera with motion detection on, filters that
// select nothing, or simply no events yet.
import { A } from "@solidjs/router";
import { Match, Show, Switch } from "solid-js";
import { hasRole } from "../auth/session";
import type { CameraView } from "./eventsApi";
import { describeFilters, hasFilters, type EventFilters } from "./filters";

export type EmptyReason = "no-cameras" | "filtered" | "no-motion" | "none-yet";

/** The reason to give; `cameras` null while they are not loaded. */
export function emptyReason(filters: EventFilters, cameras: readonly CameraView[] | null): EmptyReason {
  if (cameras !== null && cameras.length === 0) return "no-cameras";
  if (hasFilters(filters)) return "filtered";
  if (cameras !== null && !cameras.some((camera) => camera.motion)) return "no-motion";
  return "none-yet";
}

interface Props {
  filters: EventFilters;
  cameras: readonly CameraView[] | null;
  cameraName: (id: string) => string;
  onClear: () => void;
}

function TurnOnMotion() {
  return (
    <Show
      when={hasRole("admin")}
      fallback={<> An admin can turn on “Detect motion” for a camera in Settings → Cameras.</>}
    >
      {" "}
      Turn on “Detect motion” for a camera in{" "}
      <A href="/settings/cameras" data-testid="settings-cameras-link">
        Settings → Cameras
      </A>
      .
    </Show>
  );
}

export default function EmptyState(props: Props) {
  const reason = () => emptyReason(props.filters, props.cameras);
  const noMotion = () => props.cameras !== null && !props.cameras.some((camera) => camera.motion);
  return (
    <div class="empty events-empty" data-testid="events-empty" data-reason={reason()}>
      <Switch>
        <Match when={reason() === "no-cameras"}>
          <p>
            There are no cameras yet, so there are no events. Add one in{" "}
            <A href="/settings/cameras">Settings → Cameras</A>.
          </p>
        </Match>
        <Match when={reason() === "filtered"}>
          <p>No events match these filters ({describeFilters(props.filters, props.cameraName)}).</p>
          <button type="button" onClick={() => props.onClear()}>
            Clear filters
          </button>
          <Show when={noMotion()}>
            <p>
              No camera has motion detection on, so no new events are recorded.
              <TurnOnMotion />
            </p>
          </Show>
        </Match>
        <Match when={reason() === "no-motion"}>
          <p>
            No events: no camera has motion detection on, so none are recorded.
            <TurnOnMotion />
          </p>
        </Match>
        <Match when={reason() === "none-yet"}>
          <p>No events yet. They appear here as soon as motion is detected, without a reload.</p>
        </Match>
      </Switch>
    </div>
  );
}
