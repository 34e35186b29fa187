import {
  closesPolygon,
  distanceToSegment,
  hitShape,
  hitVertex,
  lineArrow,
  lineSides,
  normalise,
  pointInPolygon,
  roundPoint,
  segmentsIntersect,
  selfIntersects,
  shapeProblems,
  sideOf,
  type Point,
  type Shape,
} from "./geometry";

const size = { width: 1000, height: 500 };
const square: Point[] = [
  [0.1, 0.1],
  [0.5, 0.1],
  [0.5, 0.5],
  [0.1, 0.5],
];
const zone: Shape = { name: "Door", kind: "zone", points: square };
const line: Shape = { name: "Gate", kind: "line", points: [[0.7, 0.2], [0.7, 0.8]] };

describe("normalise", () => {
  it("maps a pointer inside the box to 0..1", () => {
    expect(normalise(150, 70, { left: 100, top: 20, width: 200, height: 100 })).toEqual([0.25, 0.5]);
  });
  it("clamps pointers outside the box and survives an empty box", () => {
    expect(normalise(0, 500, { left: 100, top: 20, width: 200, height: 100 })).toEqual([0, 1]);
    expect(normalise(5, 5, { left: 0, top: 0, width: 0, height: 0 })).toEqual([0, 0]);
  });
  it("rounds stored points to 4 decimals", () => {
    expect(roundPoint([1 / 3, 0.123456])).toEqual([0.3333, 0.1235]);
  });
});

describe("distances and hits", () => {
  it("measures distance to a segment in screen pixels", () => {
    expect(distanceToSegment([0.5, 0.5], [0, 0.4], [1, 0.4], size)).toBeCloseTo(50);
    expect(distanceToSegment([0, 0], [0.1, 0], [0.2, 0], size)).toBeCloseTo(100); // past the end
    expect(distanceToSegment([0.1, 0.1], [0.1, 0.1], [0.1, 0.1], size)).toBe(0); // a point
  });

  it("knows inside from outside of a polygon", () => {
    expect(pointInPolygon([0.3, 0.3], square)).toBe(true);
    expect(pointInPolygon([0.6, 0.3], square)).toBe(false);
  });

  it("grabs the nearest vertex in reach, preferring the selected shape", () => {
    expect(hitVertex([zone, line], [0.505, 0.51], size, 12)).toEqual({ shape: 0, point: 2 });
    expect(hitVertex([zone, line], [0.6, 0.6], size, 12)).toBeNull();
    const twin: Shape = { ...zone, name: "Twin" };
    expect(hitVertex([zone, twin], [0.1, 0.1], size, 12, 1)).toEqual({ shape: 1, point: 0 });
  });

  it("picks the topmost shape under the pointer: inside a zone or near a line", () => {
    expect(hitShape([zone, line], [0.3, 0.3], size, 6)).toBe(0);
    expect(hitShape([zone, line], [0.703, 0.5], size, 6)).toBe(1);
    expect(hitShape([zone, line], [0.9, 0.9], size, 6)).toBeNull();
    expect(hitShape([zone, { ...zone, name: "Top" }], [0.3, 0.3], size, 6)).toBe(1);
  });

  it("closes a polygon on its first point once it has three", () => {
    expect(closesPolygon(square.slice(0, 3), [0.102, 0.1], size, 12)).toBe(true);
    expect(closesPolygon(square.slice(0, 2), [0.1, 0.1], size, 12)).toBe(false);
    expect(closesPolygon(square.slice(0, 3), [0.3, 0.3], size, 12)).toBe(false);
  });
});

describe("intersections", () => {
  it("finds crossing and touching segments", () => {
    expect(segmentsIntersect([0, 0], [1, 1], [0, 1], [1, 0])).toBe(true);
    expect(segmentsIntersect([0, 0], [1, 0], [0.5, 0], [0.5, 1])).toBe(true);
    expect(segmentsIntersect([0, 0], [1, 0], [0, 1], [1, 1])).toBe(false);
  });

  it("tells a bow-tie from a square", () => {
    expect(selfIntersects(square)).toBe(false);
    const bowTie: Point[] = [
      [0.1, 0.1],
      [0.5, 0.5],
      [0.5, 0.1],
      [0.1, 0.5],
    ];
    expect(selfIntersects(bowTie)).toBe(true);
  });
});

describe("lineArrow", () => {
  it("points square to the right-hand side of the line's direction", () => {
    // Downwards on screen: the right-hand side is to the left (-x).
    const arrow = lineArrow([0.5, 0], [0.5, 1], { width: 100, height: 100 }, 10);
    expect(arrow.from).toEqual([50, 50]);
    expect(arrow.to[0]).toBeCloseTo(40);
    expect(arrow.to[1]).toBeCloseTo(50);
    const reversed = lineArrow([0.5, 1], [0.5, 0], { width: 100, height: 100 }, 10);
    expect(reversed.to[0]).toBeCloseTo(60);
  });
});

describe("shapeProblems", () => {
  it("accepts good shapes", () => {
    expect(shapeProblems([zone, line])).toEqual([]);
  });

  it("reports every problem with the shape it concerns", () => {
    const problems = shapeProblems([
      { ...zone, name: " " },
      { ...line, name: "Door", points: [[0.1, 0.1]] },
      { ...zone, name: "Door", points: square.slice(0, 2) },
      { name: "Out", kind: "line", points: [[0, 0], [1.2, 0.5]] },
      { name: "Bow", kind: "zone", points: [[0.1, 0.1], [0.5, 0.5], [0.5, 0.1], [0.1, 0.5]] },
    ]);
    expect(problems).toEqual([
      "zone 1: give it a name",
      "Door: a line has exactly 2 points",
      "Door: the name is used twice",
      "Door: a zone needs 3 points or more",
      "Out: a point lies outside the picture",
      "Bow: its edges cross; move a point so the outline does not cross itself",
    ]);
  });

  it("checks a mask as a polygon", () => {
    expect(shapeProblems([{ ...zone, kind: "mask" }])).toEqual([]);
    expect(shapeProblems([{ name: "Road", kind: "mask", points: [[0.1, 0.1], [0.5, 0.5]] }])).toEqual(["Road: a mask needs 3 points or more"]);
    const bow = { name: "Bow", kind: "mask" as const, points: [[0.1, 0.1], [0.5, 0.5], [0.5, 0.1], [0.1, 0.5]] as [number, number][] };
    expect(shapeProblems([bow])).toEqual(["Bow: its edges cross; move a point so the outline does not cross itself"]);
  });

  it("limits the count", () => {
    const many = Array.from({ length: 33 }, (_, index) => ({ ...zone, name: `Z${index}` }));
    expect(shapeProblems(many)[0]).toMatch(/At most 32/);
  });
});

describe("lineSides and sideOf", () => {
  it("puts A on the walker's left and B on the right, where the arrow points", () => {
    // Left to right across the picture: the walker's left is up (y smaller), right is down.
    const a: Point = [0.2, 0.5];
    const b: Point = [0.8, 0.5];
    const sides = lineSides(a, b, { width: 100, height: 100 }, 10);
    expect(sides.a[0]).toBeCloseTo(50);
    expect(sides.a[1]).toBeCloseTo(40);
    expect(sides.b[1]).toBeCloseTo(60);
    expect(lineArrow(a, b, { width: 100, height: 100 }, 10).to[1]).toBeCloseTo(60);
    expect(sideOf(a, b, [0.5, 0.1], size)).toBe("a");
    expect(sideOf(a, b, [0.5, 0.9], size)).toBe("b");
    expect(sideOf(a, b, [0.9, 0.5], size)).toBeNull();
  });

  it("swaps A and B when the line is reversed", () => {
    const a: Point = [0.5, 0.1];
    const b: Point = [0.5, 0.9];
    expect(sideOf(a, b, [0.1, 0.5], size)).toBe("b"); // walking down the picture, the right is -x
    expect(sideOf(b, a, [0.1, 0.5], size)).toBe("a");
    const sides = lineSides(b, a, { width: 100, height: 100 }, 10);
    expect(sides.b[0]).toBeCloseTo(60);
  });
});
