// Which part of a clip can be played, or why none can yet.
import { planClip, PENDING_MS } from "./clipWindow";

const clip = { startMs: 10_000, endMs: 20_000 };

describe("planClip", () => {
  it("plays the clip where it is recorded", () => {
    expect(planClip(clip, [{ startMs: 0, endMs: 100_000 }], 200_000)).toEqual({ kind: "play", window: clip });
    const partly = [
      { startMs: 0, endMs: 5_000 },
      { startMs: 12_000, endMs: 15_000 },
      { startMs: 16_000, endMs: 18_000 },
      { startMs: 30_000, endMs: 40_000 },
    ];
    expect(planClip(clip, partly, 200_000)).toEqual({ kind: "play", window: { startMs: 12_000, endMs: 18_000 } });
  });

  it("waits while a recent clip is not indexed, and gives up on an old one", () => {
    expect(planClip(clip, [], clip.endMs + PENDING_MS - 1)).toEqual({ kind: "pending" });
    expect(planClip(clip, [{ startMs: 0, endMs: 10_000 }], clip.endMs + PENDING_MS)).toEqual({ kind: "missing" });
  });
});
