import { backoffMs, FallbackPolicy, RETRY_DELAYS_MS } from "./fallback";

const middle = () => 0.5; // no jitter

describe("backoff", () => {
  test("grows, then stays at the longest wait", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => backoffMs(n, middle))).toEqual([
      0, 250, 500, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
    expect(backoffMs(0, middle)).toBe(0);
  });

  test("jitter stays within ±20 %", () => {
    expect(backoffMs(4, () => 0)).toBe(800);
    expect(backoffMs(4, () => 1)).toBe(1200);
  });
});

describe("fallback order", () => {
  test("WebRTC first, then MSE, then LL-HLS, then round again", () => {
    const policy = new FallbackPolicy(undefined, middle);
    expect(policy.protocol).toBe("webrtc");
    expect(policy.ended("failed", false)).toEqual({ protocol: "mse", delayMs: 0 });
    expect(policy.ended("failed", false)).toEqual({ protocol: "hls", delayMs: 250 });
    expect(policy.ended("failed", false)).toEqual({ protocol: "webrtc", delayMs: 500 });
  });

  test("an unsupported protocol (WHEP 409 for H.265) is skipped from then on", () => {
    const policy = new FallbackPolicy(undefined, middle);
    expect(policy.ended("unsupported", false)).toEqual({ protocol: "mse", delayMs: 0 });
    expect(policy.ended("failed", false).protocol).toBe("hls");
    expect(policy.ended("failed", false).protocol).toBe("mse");
  });

  test("a stream that played is retried on the same protocol at once", () => {
    const policy = new FallbackPolicy(undefined, middle);
    policy.ended("failed", false); // now MSE
    policy.played();
    expect(policy.ended("failed", true)).toEqual({ protocol: "mse", delayMs: 0 });
    expect(policy.ended("failed", false)).toEqual({ protocol: "hls", delayMs: 250 });
  });

  test("a camera that is away keeps the protocol and backs off", () => {
    const policy = new FallbackPolicy(undefined, middle);
    const plans = [1, 2, 3, 4].map(() => policy.ended("unavailable", false));
    expect(plans.map((p) => p.protocol)).toEqual(["webrtc", "webrtc", "webrtc", "webrtc"]);
    expect(plans.map((p) => p.delayMs)).toEqual([0, 250, 500, 1000]);
    policy.played();
    expect(policy.ended("unavailable", true).delayMs).toBe(0);
  });

  test("when nothing can play it, it starts over with the longest wait", () => {
    const policy = new FallbackPolicy(undefined, middle);
    policy.ended("unsupported", false);
    policy.ended("unsupported", false);
    const plan = policy.ended("unsupported", false);
    expect(plan).toEqual({ protocol: "webrtc", delayMs: RETRY_DELAYS_MS.at(-1) });
    expect(policy.ended("unsupported", false).protocol).toBe("mse");
  });

  test("a custom order", () => {
    const policy = new FallbackPolicy(["hls"], middle);
    expect(policy.ended("failed", false).protocol).toBe("hls");
    expect(() => new FallbackPolicy([])).toThrow();
  });
});
