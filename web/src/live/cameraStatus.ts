// Polls a camera's status every few seconds while a component shows it; pauses in hidden tabs.
import { createSignal, onCleanup, type Accessor } from "solid-js";
import { api, unwrap } from "../api/client";
import { describeStatus, type CameraStatus, type StreamName, type TileStatus } from "./status";

export const STATUS_POLL_MS = 3000;

export interface CameraStatusPoll {
  tile: Accessor<TileStatus>;
  /** Why the last poll failed (network or server), or null. */
  error: Accessor<string | null>;
}

/** The status of `cameraId`'s `stream`, polled every `intervalMs` until the owner is disposed. */
export function createCameraStatus(
  cameraId: string,
  stream: StreamName,
  intervalMs: number = STATUS_POLL_MS,
): CameraStatusPoll {
  const [status, setStatus] = createSignal<CameraStatus | undefined>(undefined);
  const [checkedAt, setCheckedAt] = createSignal(Date.now());
  const [error, setError] = createSignal<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  async function poll(): Promise<void> {
    if (typeof document === "undefined" || !document.hidden) {
      try {
        const result = await api.GET("/api/v1/cameras/{camera_id}/status", {
          params: { path: { camera_id: cameraId } },
        });
        setStatus(unwrap(result));
        setError(null);
      } catch (caught) {
        setError(caught instanceof Error ? caught.message : String(caught));
      }
      setCheckedAt(Date.now());
    }
    if (!disposed) timer = setTimeout(() => void poll(), intervalMs);
  }

  void poll();
  onCleanup(() => {
    disposed = true;
    clearTimeout(timer);
  });
  return { tile: () => describeStatus(status(), stream, checkedAt()), error };
}
