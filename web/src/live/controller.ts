// The live player's control loop: open a protocol, watch for frames, reconnect and fall back.
import { FallbackPolicy, type FailureKind, type Protocol } from "./fallback";
import { openHls } from "./players/hls";
import { openMse } from "./players/mse";
import {
  toPlayerError,
  type OpenPlayer,
  type PlayerSession,
  type StreamName,
} from "./players/types";
import { openWhep } from "./players/whep";

export type Phase = "connecting" | "playing" | "retrying" | "waiting" | "stopped";

export interface LiveState {
  phase: Phase;
  protocol: Protocol;
  /** Why the last attempt ended; null while playing. */
  error: string | null;
  /** `now()` of the first frame shown (performance.now(): ms since the page opened). */
  firstFrameMs: number | null;
}

export const STALL_MS = 5000; // no new frame for this long: the stream is lost, start over
export const TICK_MS = 500; // watchdog period
export const SOURCE_POLL_MS = 500; // while the camera is down: how often to look again

export const OPENERS: Record<Protocol, OpenPlayer> = {
  webrtc: openWhep,
  mse: openMse,
  hls: openHls,
};

export interface ControllerOptions {
  cameraId: string;
  stream: StreamName;
  audio?: boolean;
  /** False while the camera stream is known to be down: wait instead of trying. */
  sourceUp?: () => boolean;
  onState?: (state: LiveState) => void;
  openers?: Record<Protocol, OpenPlayer>;
  policy?: FallbackPolicy;
  stallMs?: number;
  now?: () => number;
}

export class LiveController {
  private running = false;
  private generation = 0; // tells the current attempt's callbacks from those of closed ones
  private session: PlayerSession | null = null;
  private attempt: AbortController | null = null;
  private isOpen = false;
  private hadFrames = false;
  private lastFrameAt = 0;
  private lastTime = -1;
  private frameRequest: number | null = null;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly policy: FallbackPolicy;
  private readonly openers: Record<Protocol, OpenPlayer>;
  private readonly now: () => number;
  private readonly stallMs: number;
  private state: LiveState;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly options: ControllerOptions,
  ) {
    this.policy = options.policy ?? new FallbackPolicy();
    this.openers = options.openers ?? OPENERS;
    this.now = options.now ?? (() => performance.now());
    this.stallMs = options.stallMs ?? STALL_MS;
    this.state = {
      phase: "connecting",
      protocol: this.policy.protocol,
      error: null,
      firstFrameMs: null,
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.watchdog = setInterval(() => this.tick(), Math.min(TICK_MS, this.stallMs / 4));
    void this.connect(0);
  }

  /** Stop for good: abort an attempt in progress and close the open session. */
  async stop(): Promise<void> {
    this.running = false;
    this.generation += 1;
    this.isOpen = false;
    clearInterval(this.watchdog);
    clearTimeout(this.timer);
    this.unwatchFrames();
    this.attempt?.abort();
    const session = this.session;
    this.session = null;
    this.update({ phase: "stopped" });
    if (session !== null) await session.close();
  }

  private sourceUp(): boolean {
    return this.options.sourceUp?.() ?? true;
  }

  /** Resolves after `ms` with whether `generation` is still the current one. */
  private sleep(ms: number, generation: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.timer = setTimeout(() => resolve(generation === this.generation), ms);
    });
  }

  private async connect(delayMs: number): Promise<void> {
    const generation = ++this.generation;
    if (delayMs > 0) {
      this.update({ phase: "retrying" });
      if (!(await this.sleep(delayMs, generation))) return;
    }
    while (!this.sourceUp()) {
      this.update({ phase: "waiting" });
      if (!(await this.sleep(SOURCE_POLL_MS, generation))) return;
    }
    const protocol = this.policy.protocol;
    this.update({ phase: "connecting", protocol });
    const attempt = new AbortController();
    this.attempt = attempt;
    const target = {
      cameraId: this.options.cameraId,
      stream: this.options.stream,
      audio: this.options.audio ?? false,
      signal: attempt.signal,
    };
    const events = {
      lost: (reason: string, kind?: FailureKind) => this.lost(generation, reason, kind ?? "failed"),
    };
    let session: PlayerSession;
    try {
      session = await this.openers[protocol](this.video, target, events);
    } catch (error) {
      if (generation !== this.generation) return;
      const failure = toPlayerError(error);
      this.restart(failure.kind, failure.message, false);
      return;
    }
    if (generation !== this.generation) {
      await session.close(); // stopped while opening
      return;
    }
    this.session = session;
    this.isOpen = true;
    this.hadFrames = false;
    this.lastFrameAt = this.now(); // the stall clock starts now
    this.lastTime = this.video.currentTime;
    this.watchFrames(); // afresh: a new source may have dropped an older request
  }

  /** The open session of `generation` broke: close it and connect again. */
  private lost(generation: number, reason: string, kind: FailureKind): void {
    if (!this.running || !this.isOpen || generation !== this.generation) return;
    this.restart(kind, reason, this.hadFrames);
  }

  private restart(kind: FailureKind, reason: string, hadFrames: boolean): void {
    this.generation += 1; // later callbacks of this attempt do nothing
    this.isOpen = false;
    this.attempt?.abort();
    this.attempt = null;
    const session = this.session;
    this.session = null;
    // A stream that broke while its camera is down says nothing about the protocol.
    const effective = kind === "failed" && !this.sourceUp() ? "unavailable" : kind;
    const plan = this.policy.ended(effective, hadFrames);
    this.update({ error: reason, protocol: plan.protocol });
    void (async () => {
      if (session !== null) await session.close();
      if (this.running) await this.connect(plan.delayMs);
    })();
  }

  private tick(): void {
    if (!this.isOpen) return;
    if (typeof this.video.requestVideoFrameCallback !== "function") {
      const time = this.video.currentTime; // without frame callbacks, playing time stands in
      if (time !== this.lastTime) {
        this.lastTime = time;
        this.frame();
      }
    }
    if (typeof document !== "undefined" && document.hidden) {
      this.lastFrameAt = this.now(); // hidden pages present no frames; that is not a stall
      return;
    }
    if (this.now() - this.lastFrameAt > this.stallMs) {
      this.lost(this.generation, `no picture for ${Math.round(this.stallMs / 1000)} s`, "failed");
    }
  }

  /** requestVideoFrameCallback fires once per frame presented, whatever the protocol. */
  private watchFrames(): void {
    if (typeof this.video.requestVideoFrameCallback !== "function") return;
    this.unwatchFrames();
    this.frameRequest = this.video.requestVideoFrameCallback(() => {
      this.frameRequest = null;
      this.frame();
      if (this.running) this.watchFrames();
    });
  }

  private unwatchFrames(): void {
    if (this.frameRequest !== null) this.video.cancelVideoFrameCallback(this.frameRequest);
    this.frameRequest = null;
  }

  private frame(): void {
    if (!this.isOpen) return; // a last frame of a closed session
    this.lastFrameAt = this.now();
    if (this.hadFrames) return;
    this.hadFrames = true;
    this.policy.played();
    const firstFrameMs = this.state.firstFrameMs ?? this.now();
    this.update({ phase: "playing", error: null, firstFrameMs });
  }

  private update(change: Partial<LiveState>): void {
    this.state = { ...this.state, ...change };
    this.options.onState?.(this.state);
  }
}
