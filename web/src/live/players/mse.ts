// MSE over a WebSocket: a JSON codecs message, the init segment, then one fMP4 fragment per frame.
import {
  emptyVideo,
  liveUrl,
  PlayerError,
  playVideo,
  type OpenPlayer,
  type PlayerEvents,
} from "./types";

export const MAX_LAG_S = 1.0; // further than this behind the newest frame: jump to the live edge
export const CATCH_UP_LAG_S = 0.3; // further than this: play a little faster until back
export const CATCH_UP_RATE = 1.1;
export const KEEP_BEHIND_S = 10; // buffered media kept behind the playing position
export const MAX_PENDING = 150; // fragments waiting to be appended: more means we cannot keep up

/** What to do before the next append: seek (or not), the playback rate, trim the past (or not). */
export type EdgeAction = { seek: number | null; rate: number; trimTo: number | null };

/** Live-edge policy over the buffered range [start, end] and the playing position. */
export function edgeAction(start: number, end: number, current: number): EdgeAction {
  let position = current;
  let seek: number | null = null;
  if (end - current > MAX_LAG_S || current < start) {
    seek = Math.max(start, end - 0.1);
    position = seek;
  }
  const rate = end - position > CATCH_UP_LAG_S ? CATCH_UP_RATE : 1;
  const trimTo = position - start > 2 * KEEP_BEHIND_S ? position - KEEP_BEHIND_S : null;
  return { seek, rate, trimTo };
}

/** The MediaSource side: one MediaSource per codecs message, fragments appended in order. */
class MseSink {
  private source: MediaSource | null = null;
  private buffer: SourceBuffer | null = null;
  private pending: ArrayBuffer[] = [];

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly events: PlayerEvents,
  ) {}

  /** A new init (first one, or the camera reconnected): start a new MediaSource. */
  start(codecs: string): void {
    this.stop();
    const source = new MediaSource();
    this.source = source;
    const url = URL.createObjectURL(source);
    this.video.src = url;
    source.addEventListener(
      "sourceopen",
      () => {
        URL.revokeObjectURL(url);
        if (this.source !== source) return;
        try {
          this.buffer = source.addSourceBuffer(codecs);
        } catch (error) {
          this.events.lost(`MSE cannot play ${codecs}: ${String(error)}`, "unsupported");
          return;
        }
        this.buffer.mode = "segments";
        this.buffer.addEventListener("updateend", () => this.append());
        this.buffer.addEventListener("error", () => this.events.lost("MSE SourceBuffer error"));
        this.append();
        playVideo(this.video);
      },
      { once: true },
    );
  }

  push(data: ArrayBuffer): void {
    if (this.source === null) return;
    this.pending.push(data);
    if (this.pending.length > MAX_PENDING) {
      this.events.lost("MSE cannot keep up with the stream");
      return;
    }
    this.append();
  }

  /** Append the next fragment once the buffer is idle; keep to the live edge, trim the past. */
  private append(): void {
    const buffer = this.buffer;
    if (buffer === null || buffer.updating) return;
    try {
      const ranges = buffer.buffered;
      if (ranges.length > 0) {
        const end = ranges.end(ranges.length - 1);
        const action = edgeAction(ranges.start(0), end, this.video.currentTime);
        if (action.seek !== null) this.video.currentTime = action.seek;
        if (this.video.playbackRate !== action.rate) this.video.playbackRate = action.rate;
        if (action.trimTo !== null) {
          buffer.remove(0, action.trimTo); // updateend calls append() again
          return;
        }
      }
      const next = this.pending.shift();
      if (next !== undefined) buffer.appendBuffer(next);
    } catch (error) {
      this.events.lost(`MSE append failed: ${String(error)}`);
    }
  }

  stop(): void {
    this.buffer = null;
    this.pending = [];
    if (this.source !== null) {
      this.source = null;
      emptyVideo(this.video);
    }
  }
}

function socketUrl(path: string): string {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}

export const openMse: OpenPlayer = (video, target, events) =>
  new Promise((resolve, reject) => {
    if (typeof MediaSource === "undefined") {
      reject(new PlayerError("unsupported", "this browser has no MediaSource"));
      return;
    }
    const sink = new MseSink(video, events);
    const socket = new WebSocket(socketUrl(liveUrl(target.cameraId, "live.mp4", target.stream)));
    socket.binaryType = "arraybuffer";
    let opened = false;
    const close = async () => {
      target.signal.removeEventListener("abort", abort);
      socket.onmessage = socket.onclose = socket.onerror = null;
      socket.close();
      sink.stop();
    };
    const fail = (error: PlayerError) => {
      void close();
      reject(error);
    };
    const abort = () => fail(new PlayerError("failed", "MSE: stopped while opening"));
    target.signal.addEventListener("abort", abort);
    socket.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
      if (typeof event.data !== "string") {
        sink.push(event.data);
        return;
      }
      const message = JSON.parse(event.data) as { type?: string; codecs?: string };
      if (message.type !== "mse" || typeof message.codecs !== "string") return;
      if (!MediaSource.isTypeSupported(message.codecs)) {
        const error = new PlayerError("unsupported", `MSE cannot play ${message.codecs}`);
        if (opened) events.lost(error.message, error.kind);
        else fail(error);
        return;
      }
      sink.start(message.codecs);
      if (!opened) {
        opened = true;
        resolve({ close });
      }
    };
    socket.onclose = (event) => {
      const reason = `MSE socket closed (${event.code}${event.reason ? ` ${event.reason}` : ""})`;
      // 1008: no such camera or stream, 1013: try again later (camera offline).
      const kind = event.code === 1008 || event.code === 1013 ? "unavailable" : "failed";
      if (opened) events.lost(reason, kind);
      else fail(new PlayerError(kind, reason));
    };
  });
