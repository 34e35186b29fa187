// Geometry of zones, lines and masks drawn on a camera picture: points are normalised (0..1 of the
// picture's width and height); distances for hit testing are measured in screen pixels.

/** [x, y], each 0..1 of the picture (x to the right, y down). */
export type Point = [number, number];

export interface Size {
  width: number;
  height: number;
}

/** A zone (watched by motion and rules), a directed line (crossed, for rules) or a mask (a
 * polygon where detected objects are ignored). */
export interface Shape {
  name: string;
  kind: "zone" | "line" | "mask";
  points: Point[];
}

/** Zones and masks are closed polygons; lines are not. */
export function isPolygon(kind: Shape["kind"]): boolean {
  return kind !== "line";
}

export const MAX_SHAPES = 32;

export function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/** A pointer position (client pixels) inside an element's box, as a normalised point (clamped). */
export function normalise(clientX: number, clientY: number, box: { left: number; top: number } & Size): Point {
  if (box.width <= 0 || box.height <= 0) return [0, 0];
  return [clamp01((clientX - box.left) / box.width), clamp01((clientY - box.top) / box.height)];
}

/** Rounded to 4 decimals (a 10 000 px picture): what is stored, free of float noise. */
export function roundPoint(point: Point): Point {
  return [Math.round(point[0] * 1e4) / 1e4, Math.round(point[1] * 1e4) / 1e4];
}

/** Distance in pixels between two normalised points on a picture shown at `size`. */
export function pixelDistance(a: Point, b: Point, size: Size): number {
  return Math.hypot((a[0] - b[0]) * size.width, (a[1] - b[1]) * size.height);
}

/** Distance in pixels from `p` to the segment a–b. */
export function distanceToSegment(p: Point, a: Point, b: Point, size: Size): number {
  const [px, py] = [p[0] * size.width, p[1] * size.height];
  const [ax, ay] = [a[0] * size.width, a[1] * size.height];
  const [bx, by] = [b[0] * size.width, b[1] * size.height];
  const lengthSquared = (bx - ax) ** 2 + (by - ay) ** 2;
  const t = lengthSquared === 0 ? 0 : Math.min(1, Math.max(0, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / lengthSquared));
  return Math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)));
}

/** Whether `p` lies inside the polygon (even-odd rule; points on an edge may go either way). */
export function pointInPolygon(p: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i];
    const b = polygon[j];
    if (!a || !b) continue;
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) {
      inside = !inside;
    }
  }
  return inside;
}

/** The vertex nearest to `p` within `radiusPx`, searching the `preferred` shape first. */
export function hitVertex(
  shapes: readonly Shape[],
  p: Point,
  size: Size,
  radiusPx: number,
  preferred: number | null = null,
): { shape: number; point: number } | null {
  const order = shapes.map((_, index) => index);
  if (preferred !== null && preferred < shapes.length) order.unshift(...order.splice(preferred, 1));
  for (const shape of order) {
    const points = shapes[shape]?.points ?? [];
    let best = -1;
    let bestDistance = Infinity;
    for (let point = 0; point < points.length; point++) {
      const vertex = points[point];
      const distance = vertex ? pixelDistance(vertex, p, size) : Infinity;
      if (distance <= radiusPx && distance < bestDistance) [best, bestDistance] = [point, distance];
    }
    if (best >= 0) return { shape, point: best };
  }
  return null;
}

/** The topmost (last drawn) shape under `p`: inside a zone, or within `tolerancePx` of a line or
 * a zone's edge; null for none. */
export function hitShape(shapes: readonly Shape[], p: Point, size: Size, tolerancePx: number): number | null {
  for (let index = shapes.length - 1; index >= 0; index--) {
    const shape = shapes[index];
    if (!shape) continue;
    const points = shape.points;
    const edges = isPolygon(shape.kind) ? points.length : points.length - 1;
    for (let i = 0; i < edges; i++) {
      const a = points[i];
      const b = points[(i + 1) % points.length];
      if (a && b && distanceToSegment(p, a, b, size) <= tolerancePx) return index;
    }
    if (isPolygon(shape.kind) && pointInPolygon(p, points)) return index;
  }
  return null;
}

/** Whether a click at `p` closes a polygon being drawn: it has 3 points or more and `p` is on
 * its first point. */
export function closesPolygon(points: readonly Point[], p: Point, size: Size, radiusPx: number): boolean {
  const first = points[0];
  return points.length >= 3 && first !== undefined && pixelDistance(first, p, size) <= radiusPx;
}

function orientation(a: Point, b: Point, c: Point): number {
  const value = (b[1] - a[1]) * (c[0] - b[0]) - (b[0] - a[0]) * (c[1] - b[1]);
  return Math.abs(value) < 1e-12 ? 0 : value > 0 ? 1 : -1;
}

function onSegment(a: Point, b: Point, p: Point): boolean {
  return (
    Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1])
  );
}

/** Whether segments a–b and c–d touch or cross. */
export function segmentsIntersect(a: Point, b: Point, c: Point, d: Point): boolean {
  const o1 = orientation(a, b, c);
  const o2 = orientation(a, b, d);
  const o3 = orientation(c, d, a);
  const o4 = orientation(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (
    (o1 === 0 && onSegment(a, b, c)) ||
    (o2 === 0 && onSegment(a, b, d)) ||
    (o3 === 0 && onSegment(c, d, a)) ||
    (o4 === 0 && onSegment(c, d, b))
  );
}

/** Whether two edges of the closed polygon that do not share a vertex meet. */
export function selfIntersects(polygon: readonly Point[]): boolean {
  const n = polygon.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue; // neighbours share a vertex
      const a = polygon[i];
      const b = polygon[(i + 1) % n];
      const c = polygon[j];
      const d = polygon[(j + 1) % n];
      if (a && b && c && d && segmentsIntersect(a, b, c, d)) return true;
    }
  }
  return false;
}

/**
 * The direction arrow of a line a→b, in the coordinates of a picture of `size`: from the line's
 * middle, `lengthPx` long, square to the line and pointing to its right-hand side (the side a
 * crossing counts as "in"; swap the points to turn it round).
 */
export function lineArrow(a: Point, b: Point, size: Size, lengthPx: number): { from: [number, number]; to: [number, number] } {
  const [ax, ay] = [a[0] * size.width, a[1] * size.height];
  const [bx, by] = [b[0] * size.width, b[1] * size.height];
  const from: [number, number] = [(ax + bx) / 2, (ay + by) / 2];
  const length = Math.hypot(bx - ax, by - ay) || 1;
  // With y pointing down, (-dy, dx) is the right-hand normal of a→b as seen on screen.
  const normal = [-(by - ay) / length, (bx - ax) / length];
  return { from, to: [from[0] + (normal[0] ?? 0) * lengthPx, from[1] + (normal[1] ?? 0) * lengthPx] };
}

/**
 * Where the side labels of a line a→b go, in the coordinates of a picture of `size`: `offsetPx`
 * from the line's middle, square to it. A is the left of someone walking from a to b as seen on
 * the picture, B their right (where the arrow points): a crossing from A to B is "in".
 */
export function lineSides(a: Point, b: Point, size: Size, offsetPx: number): { a: [number, number]; b: [number, number] } {
  const arrow = lineArrow(a, b, size, offsetPx);
  const [mx, my] = arrow.from;
  const [dx, dy] = [arrow.to[0] - mx, arrow.to[1] - my];
  return { a: [mx - dx, my - dy], b: [mx + dx, my + dy] };
}

/** Which side of the directed line a→b a point lies on ("a" left, "b" right, null on it). */
export function sideOf(a: Point, b: Point, p: Point, size: Size): "a" | "b" | null {
  const cross = (b[0] - a[0]) * size.width * ((p[1] - a[1]) * size.height) - (b[1] - a[1]) * size.height * ((p[0] - a[0]) * size.width);
  // y points down: a positive cross product is the walker's right-hand side.
  return Math.abs(cross) < 1e-9 ? null : cross > 0 ? "b" : "a";
}

/** What is wrong with a set of shapes before saving (the server checks the same); empty if fine. */
export function shapeProblems(shapes: readonly Shape[]): string[] {
  const problems: string[] = [];
  if (shapes.length > MAX_SHAPES) problems.push(`At most ${MAX_SHAPES} zones, lines and masks per camera`);
  const seen = new Set<string>();
  shapes.forEach((shape, index) => {
    const name = shape.name.trim();
    const label = name || `${shape.kind} ${index + 1}`;
    if (!name) problems.push(`${label}: give it a name`);
    else if (seen.has(name)) problems.push(`${label}: the name is used twice`);
    seen.add(name);
    if (isPolygon(shape.kind) && shape.points.length < 3) problems.push(`${label}: a ${shape.kind} needs 3 points or more`);
    if (shape.kind === "line" && shape.points.length !== 2) problems.push(`${label}: a line has exactly 2 points`);
    if (shape.points.some(([x, y]) => !(x >= 0 && x <= 1 && y >= 0 && y <= 1))) {
      problems.push(`${label}: a point lies outside the picture`);
    }
    if (isPolygon(shape.kind) && shape.points.length > 3 && selfIntersects(shape.points)) {
      problems.push(`${label}: its edges cross; move a point so the outline does not cross itself`);
    }
  });
  return problems;
}
