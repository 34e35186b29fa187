import { LiveController, STALL_MS, type LiveState } from "./controller";
import { FallbackPolicy, type FailureKind, type Protocol } from "./fallback";
import {
  PlayerError,
  type OpenPlayer,
  type PlayerEvents,
  type StreamTarget,
} from "./players/types";

/** A <video> stand-in whose frames the test presents. */
class FakeVideo {
  currentTime = 0;
  private callback: (() => void) | null = null;
  requestVideoFrameCallback(callback: () => void): number {
    this.callback = callback;
    return 1;
  }
  cancelVideoFrameCallback(): void {
    this.callback = null;
  }
  present(): void {
    const callback = this.callback;
    this.callback = null;
    callback?.();
  }
}

interface Attempt {
  protocol: Protocol;
  target: StreamTarget;
  events: PlayerEvents;
  closed: boolean;
}

/** Openers that record each attempt and answer with what the test queued (default: open). */
function fakeOpeners() {
  const attempts: Attempt[] = [];
  const outcomes: Partial<Record<Protocol, Array<FailureKind | "open">>> = {};
  const make =
    (protocol: Protocol): OpenPlayer =>
    async (_video, target, events) => {
      const attempt: Attempt = { protocol, target, events, closed: false };
      attempts.push(attempt);
      const outcome = outcomes[protocol]?.shift() ?? "open";
      if (outcome !== "open") throw new PlayerError(outcome, `${protocol} ${outcome}`);
      return {
        close: async () => {
          attempt.closed = true;
        },
      };
    };
  return {
    attempts,
    outcomes,
    openers: { webrtc: make("webrtc"), mse: make("mse"), hls: make("hls") },
  };
}

function setUp(sourceUp: () => boolean = () => true) {
  const video = new FakeVideo();
  const fake = fakeOpeners();
  const states: LiveState[] = [];
  const controller = new LiveController(video as unknown as HTMLVideoElement, {
    cameraId: "cam",
    stream: "sub",
    openers: fake.openers,
    policy: new FallbackPolicy(undefined, () => 0.5),
    onState: (state) => states.push(state),
    sourceUp,
    now: () => Date.now(),
  });
  const last = () => states[states.length - 1];
  return { video, controller, states, last, ...fake };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("LiveController", () => {
  test("opens WebRTC first and plays on the first frame", async () => {
    const { controller, video, attempts, last } = setUp();
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts.map((a) => [a.protocol, a.target.cameraId, a.target.stream])).toEqual([
      ["webrtc", "cam", "sub"],
    ]);
    expect(last()?.phase).toBe("connecting");
    video.present();
    expect(last()).toMatchObject({ phase: "playing", protocol: "webrtc", error: null });
    expect(last()?.firstFrameMs).toBeTypeOf("number");
    await controller.stop();
    expect(attempts[0]?.closed).toBe(true);
    expect(last()?.phase).toBe("stopped");
  });

  test("WHEP refused with 409 (H.265): MSE at once, and WebRTC is not tried again", async () => {
    const { controller, video, attempts, outcomes } = setUp();
    outcomes.webrtc = ["unsupported"];
    outcomes.mse = ["open", "failed"];
    outcomes.hls = ["failed"];
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts.map((a) => a.protocol)).toEqual(["webrtc", "mse"]);
    video.present();
    attempts[1]?.events.lost("socket closed");
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts[1]?.closed).toBe(true);
    expect(attempts.map((a) => a.protocol)).toEqual(["webrtc", "mse", "mse"]); // it had played
    await vi.advanceTimersByTimeAsync(249);
    expect(attempts.map((a) => a.protocol)).toEqual(["webrtc", "mse", "mse"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts.map((a) => a.protocol)).toEqual(["webrtc", "mse", "mse", "hls"]);
    await vi.advanceTimersByTimeAsync(500);
    expect(attempts.map((a) => a.protocol)).toEqual(["webrtc", "mse", "mse", "hls", "mse"]);
    await controller.stop();
  });

  test("a stream with no new frame for the stall time is opened again", async () => {
    const { controller, video, attempts, last } = setUp();
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    video.present();
    await vi.advanceTimersByTimeAsync(STALL_MS - 600);
    video.present(); // still alive
    await vi.advanceTimersByTimeAsync(STALL_MS - 600);
    expect(attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1200);
    expect(attempts[0]?.closed).toBe(true);
    expect(attempts.map((a) => a.protocol)).toEqual(["webrtc", "webrtc"]);
    expect(last()?.error).toMatch(/no picture/);
    await controller.stop();
  });

  test("a protocol that opens but never shows a frame gives way to the next", async () => {
    const { controller, attempts } = setUp();
    controller.start();
    await vi.advanceTimersByTimeAsync(STALL_MS + 600);
    expect(attempts.map((a) => a.protocol)).toEqual(["webrtc", "mse"]);
    await controller.stop();
  });

  test("waits while the camera is down, then connects", async () => {
    let up = false;
    const { controller, attempts, last } = setUp(() => up);
    controller.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(attempts).toHaveLength(0);
    expect(last()?.phase).toBe("waiting");
    up = true;
    await vi.advanceTimersByTimeAsync(600);
    expect(attempts.map((a) => a.protocol)).toEqual(["webrtc"]);
    await controller.stop();
  });

  test("a failure while the camera is down does not count against the protocol", async () => {
    let up = true;
    const { controller, video, attempts } = setUp(() => up);
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    video.present();
    up = false;
    await vi.advanceTimersByTimeAsync(STALL_MS + 600); // stalls: lost
    expect(attempts).toHaveLength(1);
    up = true;
    await vi.advanceTimersByTimeAsync(600);
    expect(attempts.map((a) => a.protocol)).toEqual(["webrtc", "webrtc"]);
    await controller.stop();
  });

  test("retries of an unavailable camera back off", async () => {
    const { controller, attempts, outcomes } = setUp();
    outcomes.webrtc = ["unavailable", "unavailable", "unavailable", "unavailable"];
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toHaveLength(2); // the first retry is immediate
    await vi.advanceTimersByTimeAsync(250);
    expect(attempts).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(499);
    expect(attempts).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toHaveLength(4);
    expect(new Set(attempts.map((a) => a.protocol))).toEqual(new Set(["webrtc"]));
    await controller.stop();
  });

  test("stop aborts an attempt in progress and closes what it opened late", async () => {
    const video = new FakeVideo();
    let release: () => void = () => undefined;
    let signal: AbortSignal | null = null;
    let closed = false;
    const slow: OpenPlayer = (_video, target) =>
      new Promise((resolve) => {
        signal = target.signal;
        release = () => resolve({ close: async () => void (closed = true) });
      });
    const controller = new LiveController(video as unknown as HTMLVideoElement, {
      cameraId: "cam",
      stream: "main",
      openers: { webrtc: slow, mse: slow, hls: slow },
    });
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    await controller.stop();
    expect((signal as AbortSignal | null)?.aborted).toBe(true);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(true);
  });

  test("callbacks of a closed session are ignored", async () => {
    const { controller, video, attempts } = setUp();
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    video.present();
    attempts[0]?.events.lost("first");
    await vi.advanceTimersByTimeAsync(0);
    attempts[0]?.events.lost("late echo of the first");
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toHaveLength(2);
    await controller.stop();
  });
});
