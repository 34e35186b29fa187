import { clampPage, columns, emptySlots, isLayout, pageCount, pageItems, pageOf } from "./layout";

describe("grid layout", () => {
  test("layouts and their columns", () => {
    expect([1, 4, 9, 16].map((n) => isLayout(n))).toEqual([true, true, true, true]);
    expect([0, 2, 12, 25, "4", null].some((n) => isLayout(n))).toBe(false);
    expect(columns(1)).toBe(1);
    expect(columns(4)).toBe(2);
    expect(columns(9)).toBe(3);
    expect(columns(16)).toBe(4);
  });

  test.each([
    [0, 4, 1],
    [1, 4, 1],
    [4, 4, 1],
    [5, 4, 2],
    [16, 9, 2],
    [17, 16, 2],
    [3, 1, 3],
  ] as const)("%i cameras in %i tiles take %i pages", (total, layout, pages) => {
    expect(pageCount(total, layout)).toBe(pages);
  });

  test("pages are clamped and sliced", () => {
    const items = ["a", "b", "c", "d", "e", "f"];
    expect(pageItems(items, 4, 0)).toEqual(["a", "b", "c", "d"]);
    expect(pageItems(items, 4, 1)).toEqual(["e", "f"]);
    expect(pageItems(items, 4, 7)).toEqual(["e", "f"]);
    expect(pageItems(items, 4, -3)).toEqual(["a", "b", "c", "d"]);
    expect(pageItems(items, 1, 2)).toEqual(["c"]);
    expect(pageItems([], 9, 0)).toEqual([]);
    expect(clampPage(5, 6, 4)).toBe(1);
    expect(clampPage(1.7, 6, 1)).toBe(1);
  });

  test("the saved cameras pick the page", () => {
    const ids = ["a", "b", "c", "d", "e", "f"];
    expect(pageOf(ids, ["e", "f"], 4)).toBe(1);
    expect(pageOf(ids, ["gone", "c"], 1)).toBe(2);
    expect(pageOf(ids, ["gone"], 4)).toBe(0);
    expect(pageOf(ids, [], 4)).toBe(0);
  });

  test("empty slots fill the page", () => {
    expect(emptySlots(2, 4)).toBe(2);
    expect(emptySlots(4, 4)).toBe(0);
    expect(emptySlots(0, 16)).toBe(16);
  });
});
