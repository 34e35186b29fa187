import { CATCH_UP_RATE, edgeAction, KEEP_BEHIND_S, MAX_LAG_S } from "./mse";

describe("MSE live edge", () => {
  test("close to the newest frame: nothing to do", () => {
    expect(edgeAction(0, 5, 4.8)).toEqual({ seek: null, rate: 1, trimTo: null });
  });

  test("a little behind: play faster until back", () => {
    expect(edgeAction(0, 5, 5 - MAX_LAG_S + 0.01)).toEqual({
      seek: null,
      rate: CATCH_UP_RATE,
      trimTo: null,
    });
  });

  test("more than a second behind: jump to just before the newest frame", () => {
    expect(edgeAction(0, 5, 3.5)).toEqual({ seek: 4.9, rate: 1, trimTo: null });
  });

  test("before the buffered range (the first fragments): jump in", () => {
    expect(edgeAction(2, 2.5, 0)).toEqual({ seek: 2.4, rate: 1, trimTo: null });
    expect(edgeAction(2, 2.05, 0).seek).toBe(2); // never before the buffer
  });

  test("keeps only a little past behind the playing position", () => {
    const current = 2 * KEEP_BEHIND_S + 1;
    expect(edgeAction(0, current + 0.2, current)).toEqual({
      seek: null,
      rate: 1,
      trimTo: current - KEEP_BEHIND_S,
    });
    expect(edgeAction(0, 2 * KEEP_BEHIND_S, 2 * KEEP_BEHIND_S - 0.5).trimTo).toBeNull();
  });
});
