import {
  addDraftPoint,
  cancelDrawing,
  deleteSelection,
  finishDrawing,
  initialState,
  movePoint,
  nextName,
  rename,
  reverseLine,
  select,
  startDrawing,
} from "./editor";
import type { Shape } from "./geometry";

const size = { width: 1000, height: 1000 };
const triangle: Shape = { name: "Zone 1", kind: "zone", points: [[0.1, 0.1], [0.4, 0.1], [0.4, 0.4]] };
const square: Shape = { name: "Zone 2", kind: "zone", points: [[0.5, 0.5], [0.9, 0.5], [0.9, 0.9], [0.5, 0.9]] };

describe("drawing a mask", () => {
  it("closes like a zone, is named Mask N, and its points can be removed down to three", () => {
    let state = startDrawing(initialState([triangle]), "mask");
    for (const point of [[0.5, 0.5], [0.9, 0.5], [0.9, 0.9], [0.5, 0.9]] as const) {
      state = addDraftPoint(state, [point[0], point[1]], size);
    }
    expect(finishDrawing(startDrawing(state, "mask")).shapes).toHaveLength(1); // a new draft: nothing
    state = addDraftPoint(state, [0.502, 0.5], size); // on the first point: closes
    expect(state.shapes[1]).toEqual({ name: "Mask 1", kind: "mask", points: [[0.5, 0.5], [0.9, 0.5], [0.9, 0.9], [0.5, 0.9]] });
    expect(nextName(state.shapes, "mask")).toBe("Mask 2");
    state = deleteSelection(select(state, 1, 0));
    expect(state.shapes[1]?.points).toHaveLength(3);
  });
});

describe("drawing a zone", () => {
  it("adds points and closes on the first point", () => {
    let state = startDrawing(initialState([]), "zone");
    state = addDraftPoint(state, [0.1, 0.1], size);
    state = addDraftPoint(state, [0.3, 0.1], size);
    state = addDraftPoint(state, [0.3, 0.3], size);
    expect(state.draft).toHaveLength(3);
    state = addDraftPoint(state, [0.105, 0.1], size); // 5 px from the first point
    expect(state.mode).toBe("select");
    expect(state.shapes).toEqual([{ name: "Zone 1", kind: "zone", points: [[0.1, 0.1], [0.3, 0.1], [0.3, 0.3]] }]);
    expect(state.selected).toBe(0);
  });

  it("closes with Enter only once it has three points", () => {
    let state = startDrawing(initialState([]), "zone");
    state = addDraftPoint(addDraftPoint(state, [0.1, 0.1], size), [0.2, 0.2], size);
    expect(finishDrawing(state)).toBe(state);
    state = finishDrawing(addDraftPoint(state, [0.1, 0.3], size));
    expect(state.shapes).toHaveLength(1);
  });

  it("drops the last point on Delete and everything on Escape", () => {
    let state = startDrawing(initialState([triangle]), "zone");
    state = addDraftPoint(addDraftPoint(state, [0.6, 0.6], size), [0.7, 0.6], size);
    expect(deleteSelection(state).draft).toEqual([[0.6, 0.6]]);
    const cancelled = cancelDrawing(state);
    expect(cancelled.mode).toBe("select");
    expect(cancelled.draft).toEqual([]);
    expect(cancelled.shapes).toEqual([triangle]);
  });
});

describe("drawing a line", () => {
  it("finishes at the second point with a free name", () => {
    let state = startDrawing(initialState([{ ...triangle, name: "Line 1" }]), "line");
    state = addDraftPoint(state, [0.2, 0.5], size);
    state = addDraftPoint(state, [0.8, 0.5], size);
    expect(state.shapes[1]).toEqual({ name: "Line 2", kind: "line", points: [[0.2, 0.5], [0.8, 0.5]] });
    expect(state.mode).toBe("select");
  });

  it("turns round", () => {
    const line: Shape = { name: "Gate", kind: "line", points: [[0, 0], [1, 1]] };
    expect(reverseLine(initialState([line]), 0).shapes[0]?.points).toEqual([[1, 1], [0, 0]]);
  });
});

describe("editing", () => {
  it("moves a point without touching the others", () => {
    const state = movePoint(initialState([triangle, square]), 1, 2, [0.95, 0.951234]);
    expect(state.shapes[1]?.points[2]).toEqual([0.95, 0.9512]);
    expect(state.shapes[0]).toBe(triangle);
  });

  it("deletes a picked point of a zone with more than three, else the shape", () => {
    let state = select(initialState([triangle, square]), 1, 0);
    state = deleteSelection(state);
    expect(state.shapes[1]?.points).toHaveLength(3);
    state = deleteSelection(select(state, 1, 0)); // three left: the shape goes
    expect(state.shapes).toEqual([triangle]);
    expect(state.selected).toBeNull();
  });

  it("ignores Delete with nothing selected", () => {
    const state = initialState([triangle]);
    expect(deleteSelection(state)).toBe(state);
  });

  it("renames, and names new shapes after the taken ones", () => {
    expect(rename(initialState([triangle]), 0, "Porch").shapes[0]?.name).toBe("Porch");
    expect(nextName([triangle, square], "zone")).toBe("Zone 3");
    expect(nextName([triangle], "line")).toBe("Line 1");
  });
});
