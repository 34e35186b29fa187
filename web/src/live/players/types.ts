// What every live protocol player implements, and the error that says why one could not open.
import type { FailureKind } from "../fallback";

export type StreamName = "main" | "sub";

export interface StreamTarget {
  cameraId: string;
  stream: StreamName;
  /** Ask for the camera's audio too (full screen only). */
  audio: boolean;
  /** Aborted when the player stops or gives up on this attempt. */
  signal: AbortSignal;
}

export interface PlayerEvents {
  /** The open stream broke (socket closed, connection failed, fatal error). */
  lost(reason: string, kind?: FailureKind): void;
}

export interface PlayerSession {
  /** Stop and free everything: server session, sockets, decoders; the <video> is left empty. */
  close(): Promise<void>;
}

/** Opens a protocol on `video`; resolves once the stream is set up, rejects with PlayerError. */
export type OpenPlayer = (
  video: HTMLVideoElement,
  target: StreamTarget,
  events: PlayerEvents,
) => Promise<PlayerSession>;

export class PlayerError extends Error {
  readonly kind: FailureKind;

  constructor(kind: FailureKind, message: string) {
    super(message);
    this.kind = kind;
    this.name = "PlayerError";
  }
}

/** A failure from anything thrown while opening (aborts and network errors count as failed). */
export function toPlayerError(error: unknown): PlayerError {
  if (error instanceof PlayerError) return error;
  return new PlayerError("failed", error instanceof Error ? error.message : String(error));
}

/** Failure kind for an HTTP status from a live endpoint. */
export function kindForStatus(status: number): FailureKind {
  if (status === 409 || status === 415) return "unsupported";
  if (status === 404 || status === 503 || status === 401 || status === 403) return "unavailable";
  return "failed";
}

/** The URL of a camera's live resource, e.g. `whep` or `live.m3u8`, for `stream`. */
export function liveUrl(cameraId: string, resource: string, stream: StreamName): string {
  return `/api/v1/cameras/${encodeURIComponent(cameraId)}/${resource}?stream=${stream}`;
}

/** Start playback; a refusal (autoplay policy, a replaced source) shows up as a stall instead. */
export function playVideo(video: HTMLVideoElement): void {
  const started = video.play() as Promise<void> | undefined;
  started?.catch(() => undefined);
}

/** Leave the <video> with no source and no media. */
export function emptyVideo(video: HTMLVideoElement): void {
  video.srcObject = null;
  if (video.hasAttribute("src")) {
    video.removeAttribute("src");
    video.load();
  }
}
