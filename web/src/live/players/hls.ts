// Low-Latency HLS with hls.js, loaded on first use so that it stays out of the main bundle.
import type { ErrorData } from "hls.js";
import { KEEP_BEHIND_S } from "./mse";
import {
  emptyVideo,
  kindForStatus,
  liveUrl,
  PlayerError,
  playVideo,
  type OpenPlayer,
  type PlayerSession,
} from "./types";

function describe(data: ErrorData): PlayerError {
  const status = data.response?.code;
  const kind = typeof status === "number" && status > 0 ? kindForStatus(status) : "failed";
  return new PlayerError(kind, `LL-HLS: ${data.details}${status ? ` (HTTP ${status})` : ""}`);
}

/** Safari (iPhone) plays LL-HLS natively where there is no MediaSource for hls.js. */
function openNative(video: HTMLVideoElement, url: string): PlayerSession {
  video.src = url;
  playVideo(video);
  return { close: async () => emptyVideo(video) };
}

export const openHls: OpenPlayer = async (video, target, events) => {
  const url = liveUrl(target.cameraId, "live.m3u8", target.stream);
  const { default: Hls } = await import("hls.js");
  if (!Hls.isSupported()) {
    if (video.canPlayType("application/vnd.apple.mpegurl") !== "") return openNative(video, url);
    throw new PlayerError("unsupported", "this browser can play neither MSE nor HLS");
  }
  if (target.signal.aborted) throw new PlayerError("failed", "LL-HLS: stopped while opening");
  const hls = new Hls({
    lowLatencyMode: true, // parts and blocking playlist reloads
    maxLiveSyncPlaybackRate: 1.5, // after a hiccup, play faster back to the live edge
    backBufferLength: KEEP_BEHIND_S,
  });
  return new Promise<PlayerSession>((resolve, reject) => {
    let opened = false;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      target.signal.removeEventListener("abort", onAbort);
      hls.destroy();
      emptyVideo(video);
    };
    const onAbort = () => {
      void close();
      reject(new PlayerError("failed", "LL-HLS: stopped while opening"));
    };
    target.signal.addEventListener("abort", onAbort);
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      opened = true;
      playVideo(video);
      resolve({ close });
    });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      const error = describe(data);
      if (opened) {
        events.lost(error.message, error.kind);
      } else {
        void close();
        reject(error);
      }
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  });
};
