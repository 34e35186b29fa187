// hls.js over a <video>: plays a VOD window, seeks by wall time, reports the wall time shown.
import type Hls from "hls.js";
import type { ErrorData, LevelDetails } from "hls.js";
import { apiFetch } from "../api/client";
import type { Interval } from "./intervals";
import { coveredRange, mediaAtWall, wallAtMedia, type FragmentTime } from "./vodTime";

type HlsClass = typeof Hls;
let hlsModule: Promise<HlsClass> | null = null;

/** hls.js is loaded on first use, in its own chunk (not in the main bundle). */
export function loadHls(): Promise<HlsClass> {
  hlsModule ??= import("hls.js").then((module) => module.default);
  return hlsModule;
}

export function vodUrl(cameraId: string, stream: string, window: Interval): string {
  const query = new URLSearchParams({
    start: String(window.startMs),
    end: String(window.endMs),
    stream,
  });
  return `/api/v1/cameras/${encodeURIComponent(cameraId)}/vod.m3u8?${query}`;
}

export interface PlayerEvents {
  /** The wall time on screen (while playing, after seeks and loads). */
  time(wallMs: number): void;
  playing(playing: boolean): void;
  /** A message fit for the user, or null when the trouble is over. */
  error(message: string | null): void;
  loading(loading: boolean): void;
  /** Playback reached the end of the loaded window (wall time of that end). */
  ended(wallMs: number): void;
}

export class VodPlayer {
  private hls: Hls | null = null;
  private details: LevelDetails | null = null;
  private pendingWall: number | null = null;
  private autoplay = false;
  private generation = 0;
  private frame = 0;
  private rate = 1;
  private recovered = false;
  private readonly listeners: Array<[string, () => void]>;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly events: PlayerEvents,
  ) {
    this.listeners = [
      ["playing", () => this.onPlaying()],
      ["pause", () => this.events.playing(false)],
      ["seeked", () => this.report()],
      ["timeupdate", () => this.report()],
      ["waiting", () => this.events.loading(true)],
      ["canplay", () => this.events.loading(false)],
      ["ended", () => this.onEnded()],
      ["loadedmetadata", () => this.applyRate()],
    ];
    for (const [name, handler] of this.listeners) video.addEventListener(name, handler);
  }

  private fragments(): FragmentTime[] {
    return this.details?.fragments ?? [];
  }

  /** The wall range the loaded playlist holds, or null before one is loaded. */
  loaded(): Interval | null {
    return coveredRange(this.fragments());
  }

  /** The wall time on screen, or null when nothing is loaded. */
  wall(): number | null {
    return wallAtMedia(this.fragments(), this.video.currentTime);
  }

  /** Load the VOD playlist at `url` and show wall time `atMs` (and play when `play`). */
  async open(url: string, atMs: number, play: boolean): Promise<void> {
    const generation = ++this.generation;
    this.events.loading(true);
    this.events.error(null);
    let HlsJs: HlsClass;
    try {
      HlsJs = await loadHls();
    } catch {
      this.events.error("The video player could not be loaded; check the connection and retry.");
      this.events.loading(false);
      return;
    }
    if (generation !== this.generation) return; // a newer open() won
    if (!HlsJs.isSupported()) {
      this.events.error("This browser cannot play recordings (no Media Source Extensions).");
      this.events.loading(false);
      return;
    }
    this.teardown();
    this.details = null;
    this.pendingWall = atMs;
    this.autoplay = play;
    this.recovered = false;
    const hls = new HlsJs({ autoStartLoad: false, maxBufferLength: 30, backBufferLength: 30 });
    this.hls = hls;
    hls.on(HlsJs.Events.LEVEL_LOADED, (_event, data) => {
      this.details = data.details;
      if (this.pendingWall === null) return;
      const position = mediaAtWall(this.fragments(), this.pendingWall) ?? 0;
      this.pendingWall = null;
      hls.startLoad(position);
      if (this.autoplay) this.play();
    });
    hls.on(HlsJs.Events.ERROR, (_event, data) => this.onError(url, data));
    hls.attachMedia(this.video);
    hls.loadSource(url);
  }

  /** Show `wallMs` if the loaded playlist holds it; false when a new window must be opened. */
  seek(wallMs: number): boolean {
    const media = this.details ? mediaAtWall(this.fragments(), wallMs) : null;
    if (media === null) return false;
    this.video.currentTime = media;
    return true;
  }

  play(): void {
    this.video.play().catch((error: unknown) => {
      if (error instanceof DOMException && error.name === "AbortError") return; // a new load
      const blocked = error instanceof DOMException && error.name === "NotAllowedError";
      this.events.error(blocked ? "The browser blocked playback: press play." : String(error));
      this.events.playing(false);
    });
  }

  pause(): void {
    this.video.pause();
  }

  paused(): boolean {
    return this.video.paused;
  }

  setRate(rate: number): void {
    this.rate = rate;
    this.applyRate();
  }

  destroy(): void {
    this.generation++;
    cancelAnimationFrame(this.frame);
    this.teardown();
    for (const [name, handler] of this.listeners) this.video.removeEventListener(name, handler);
  }

  private teardown(): void {
    this.hls?.destroy();
    this.hls = null;
  }

  private applyRate(): void {
    this.video.defaultPlaybackRate = this.rate;
    this.video.playbackRate = this.rate;
  }

  private report(): void {
    const wall = this.wall();
    if (wall !== null) this.events.time(wall);
  }

  private onPlaying(): void {
    this.events.playing(true);
    this.events.loading(false);
    const tick = () => {
      this.report();
      if (!this.video.paused) this.frame = requestAnimationFrame(tick);
    };
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(tick);
  }

  private onEnded(): void {
    this.events.playing(false);
    const range = this.loaded();
    if (range) this.events.ended(range.endMs);
  }

  private onError(url: string, data: ErrorData): void {
    if (!data.fatal || !this.hls) return; // hls.js retries and recovers by itself
    if (data.type === "mediaError" && !this.recovered) {
      this.recovered = true; // once per window: a second fatal media error is reported
      this.hls.recoverMediaError();
      return;
    }
    this.events.loading(false);
    const generation = this.generation;
    const fallback = `The recording could not be played (${data.details}).`;
    const isPlaylist = data.details === "manifestLoadError" || data.details === "levelLoadError";
    if (!isPlaylist) {
      this.events.error(fallback);
      return;
    }
    // The playlist request failed: ask again to show the server's own words for it.
    apiFetch(url)
      .then(() => (generation === this.generation ? this.events.error(fallback) : undefined))
      .catch((error: unknown) => {
        if (generation === this.generation) {
          this.events.error(error instanceof Error ? error.message : fallback);
        }
      });
  }
}
