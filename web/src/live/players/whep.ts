// WebRTC live view through WHEP: POST an SDP offer with every ICE candidate, DELETE to stop.
import { ApiError, apiFetch } from "../../api/client";
import {
  emptyVideo,
  kindForStatus,
  liveUrl,
  PlayerError,
  playVideo,
  toPlayerError,
  type OpenPlayer,
} from "./types";

const ICE_GATHERING_MS = 2000; // then send the candidates gathered so far

/** Resolves when ICE gathering is complete, after `timeoutMs`, or when `signal` aborts. */
export function iceGatheringDone(
  pc: RTCPeerConnection,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      signal.removeEventListener("abort", finish);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    pc.addEventListener("icegatheringstatechange", check);
    signal.addEventListener("abort", finish);
    check();
  });
}

export const openWhep: OpenPlayer = async (video, target, events) => {
  const pc = new RTCPeerConnection();
  const media = new MediaStream();
  let sessionUrl: string | null = null;
  let closed = false;

  const close = async () => {
    if (closed) return;
    closed = true;
    pc.ontrack = null;
    pc.onconnectionstatechange = null;
    const url = sessionUrl;
    // DELETE first (RFC 9725), so the server does not take the closing peer for a failure;
    // keepalive lets it go out while the page unloads. Best effort: the server also frees
    // sessions whose peer has gone.
    if (url !== null) {
      await fetch(url, { method: "DELETE", keepalive: true }).catch(() => undefined);
    }
    pc.close();
    emptyVideo(video);
  };

  try {
    pc.addTransceiver("video", { direction: "recvonly" });
    if (target.audio) pc.addTransceiver("audio", { direction: "recvonly" });
    pc.ontrack = (event) => {
      media.addTrack(event.track);
      if (video.srcObject !== media) {
        video.srcObject = media;
        playVideo(video);
      }
    };
    pc.onconnectionstatechange = () => {
      const state = pc.connectionState;
      if (state === "failed" || state === "closed") events.lost(`WebRTC connection ${state}`);
    };
    await pc.setLocalDescription(await pc.createOffer());
    // The server takes no trickle ICE: the offer must carry every candidate.
    await iceGatheringDone(pc, ICE_GATHERING_MS, target.signal);
    const offer = pc.localDescription?.sdp;
    if (offer === undefined) throw new PlayerError("failed", "no local SDP offer");
    const audio = target.audio ? "&audio=true" : "";
    const response = await apiFetch(liveUrl(target.cameraId, "whep", target.stream) + audio, {
      method: "POST",
      headers: { "Content-Type": "application/sdp" },
      body: offer,
      signal: target.signal,
    });
    const location = response.headers.get("Location");
    if (location === null) throw new PlayerError("failed", "the WHEP answer has no Location");
    sessionUrl = new URL(location, window.location.href).href;
    await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
  } catch (error) {
    await close();
    if (error instanceof ApiError) {
      throw new PlayerError(kindForStatus(error.status), `WebRTC: ${error.message}`);
    }
    throw toPlayerError(error);
  }
  return { close };
};
