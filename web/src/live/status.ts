// A camera's status (GET /cameras/{id}/status) as a tile shows it: health, reason, recording.
import type { components } from "../api/schema";

export type CameraStatus = components["schemas"]["CameraStatusView"];
export type StreamName = "main" | "sub";
export type Health = "online" | "degraded" | "reconnecting" | "offline" | "unknown";
export type Recording = "on" | "error" | "off";

export interface TileStatus {
  health: Health;
  label: string;
  reason: string | null;
  recording: Recording;
  /** Whether the stream is sending packets now, so a player should (re)connect. */
  streaming: boolean;
}

/** A stream reconnecting for longer than this (since its last packet) is shown as offline. */
export const OFFLINE_AFTER_MS = 30_000;

const UNKNOWN: TileStatus = {
  health: "unknown",
  label: "Checking…",
  reason: null,
  recording: "off",
  streaming: true, // until told otherwise, try to play
};

function recordingOf(status: CameraStatus): { recording: Recording; error: string | null } {
  let recording: Recording = "off";
  let error: string | null = null;
  for (const stream of status.streams) {
    const state = stream.recorder?.state;
    if (state === "recording" && recording === "off") recording = "on";
    if (state === "storage_error") {
      recording = "error";
      error = stream.recorder?.last_error ?? "storage error";
    }
  }
  return { recording, error };
}

/** What a tile playing `stream` shows for `status` (undefined: not known yet) at `nowMs`. */
export function describeStatus(
  status: CameraStatus | undefined,
  stream: StreamName,
  nowMs: number,
): TileStatus {
  if (status === undefined) return UNKNOWN;
  const { recording, error } = recordingOf(status);
  const base = { recording, streaming: false };
  if (!status.enabled) {
    return { ...base, health: "offline", label: "Offline", reason: "The camera is disabled" };
  }
  const item = status.streams.find((s) => s.stream === stream) ?? status.streams[0];
  if (item === undefined) {
    return { ...base, health: "offline", label: "Offline", reason: "The camera has no stream" };
  }
  const reason = item.last_error ?? null;
  switch (item.state) {
    case "streaming":
      return { ...base, streaming: true, health: "online", label: "Online", reason: error };
    case "degraded": // video flows but is lost or broken: play it, and warn with the reason
      return {
        ...base,
        streaming: true,
        health: "degraded",
        label: "Degraded",
        reason: item.degraded_reason ?? error ?? "The video is incomplete",
      };
    case "idle":
    case "connecting":
      return { ...base, health: "reconnecting", label: "Connecting", reason };
    case "reconnecting": {
      const since = item.last_packet_ms;
      const long = since === null || since === undefined || nowMs - since > OFFLINE_AFTER_MS;
      return long
        ? { ...base, health: "offline", label: "Offline", reason: reason ?? "No connection" }
        : { ...base, health: "reconnecting", label: "Reconnecting", reason };
    }
    case "failed":
      return {
        ...base,
        health: "offline",
        label: "Offline",
        reason: reason ?? "The connection failed",
      };
    case "stopped":
      return { ...base, health: "offline", label: "Offline", reason: reason ?? "Stopped" };
    default:
      return { ...base, health: "offline", label: "Offline", reason: reason ?? item.state };
  }
}
