// Calls the camera settings make: list, status, probe, add, change and remove.
import { api, apiFetch, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import type { CameraCreate, CameraUpdate, CameraView } from "./cameraForm";

export type CameraStatus = components["schemas"]["CameraStatusView"];

export type ProbeRequest = components["schemas"]["ProbeIn"];
export type ProbeResult = components["schemas"]["ProbeOut"];

/** How long the server waits for a picture before it says the camera sent none. */
export const PROBE_TIMEOUT_S = 10;

export async function listCameras(): Promise<CameraView[]> {
  return unwrap(await api.GET("/api/v1/cameras"));
}

export async function getCamera(id: string): Promise<CameraView> {
  return unwrap(await api.GET("/api/v1/cameras/{camera_id}", { params: { path: { camera_id: id } } }));
}

export async function cameraStatus(id: string): Promise<CameraStatus> {
  return unwrap(
    await api.GET("/api/v1/cameras/{camera_id}/status", { params: { path: { camera_id: id } } }),
  );
}

export async function createCamera(body: CameraCreate): Promise<CameraView> {
  return unwrap(await api.POST("/api/v1/cameras", { body }));
}

export async function updateCamera(id: string, body: CameraUpdate): Promise<CameraView> {
  return unwrap(
    await api.PATCH("/api/v1/cameras/{camera_id}", { params: { path: { camera_id: id } }, body }),
  );
}

export async function removeCamera(id: string): Promise<void> {
  unwrap(await api.DELETE("/api/v1/cameras/{camera_id}", { params: { path: { camera_id: id } } }));
}

/** Connect to a stream without saving anything: codecs, size and one picture. (Through apiFetch:
 * the request may be cancelled when the form closes.) */
export async function probeCamera(body: ProbeRequest, signal?: AbortSignal): Promise<ProbeResult> {
  const response = await apiFetch("/api/v1/cameras/probe", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
  return (await response.json()) as ProbeResult;
}

/** What a camera is doing, in one word for the list: online, degraded (video flows but is lost or
 * broken), connecting, reconnecting, failed, offline or disabled (the main stream decides; the sub
 * stream only adds detail). */
export type CameraState =
  | "online"
  | "degraded"
  | "connecting"
  | "reconnecting"
  | "failed"
  | "offline"
  | "disabled";

export function cameraState(status: CameraStatus | undefined, enabled: boolean): CameraState {
  if (!enabled) return "disabled";
  const main = status?.streams.find((stream) => stream.stream === "main");
  switch (main?.state) {
    case "streaming":
      return "online";
    case "degraded":
      return "degraded";
    case "connecting":
      return "connecting";
    case "reconnecting":
      return "reconnecting";
    case "failed":
      return "failed";
    default:
      return "offline";
  }
}
