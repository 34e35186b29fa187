// Media time <-> wall time across a VOD playlist with a gap (discontinuity), and windows.
import { coveredRange, mediaAtWall, wallAtMedia, windowAround, WINDOW_BEFORE_MS } from "./vodTime";

const T0 = Date.UTC(2026, 10, 25, 10);
// Two files: 0-12 s of media at T0..T0+12 s, then a 60 s hole in recording, then 12-18 s.
const frags = [
  { start: 0, duration: 6, programDateTime: T0 },
  { start: 6, duration: 6, programDateTime: T0 + 6000 },
  { start: 12, duration: 6, programDateTime: T0 + 72_000 },
];

describe("wall <-> media", () => {
  it("maps inside fragments both ways", () => {
    expect(wallAtMedia(frags, 3.5)).toBe(T0 + 3500);
    expect(wallAtMedia(frags, 13)).toBe(T0 + 73_000);
    expect(mediaAtWall(frags, T0 + 3500)).toBe(3.5);
    expect(mediaAtWall(frags, T0 + 73_000)).toBe(13);
  });

  it("takes a moment in the hole to the next fragment", () => {
    expect(mediaAtWall(frags, T0 + 30_000)).toBe(12);
  });

  it("knows nothing outside the playlist", () => {
    expect(mediaAtWall(frags, T0 - 1)).toBeNull();
    expect(mediaAtWall(frags, T0 + 78_000)).toBeNull();
    expect(wallAtMedia(frags, 40)).toBeNull();
    expect(wallAtMedia(frags, 18)).toBe(T0 + 78_000); // the very end, after `ended`
    expect(wallAtMedia([], 0)).toBeNull();
  });

  it("gives the covered wall range", () => {
    expect(coveredRange(frags)).toEqual({ startMs: T0, endMs: T0 + 78_000 });
    expect(coveredRange([])).toBeNull();
  });
});

describe("windowAround", () => {
  const recorded = [{ startMs: T0, endMs: T0 + 3_600_000 }];

  it("loads a little before and a long way after the moment, never past now", () => {
    const at = T0 + 600_000;
    const win = windowAround(at, recorded, T0 + 3_600_000)!;
    expect(win.startMs).toBe(at - WINDOW_BEFORE_MS);
    expect(win.endMs).toBeGreaterThan(at + 20 * 60_000);
    expect(windowAround(at, recorded, at + 5000)!.endMs).toBe(at + 5000);
  });

  it("has nothing to load where nothing is recorded", () => {
    expect(windowAround(T0 - 1000, recorded, T0 + 3_600_000)).toBeNull();
  });
});
