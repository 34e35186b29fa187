// An event's path (where its tracked object went, normalised to the picture) as points on a
// picture of a given size, for the SVG polyline drawn over the event's snapshot.

export interface PictureSize {
  width: number;
  height: number;
}

/** [t_ms, x, y] as the event carries it (x, y 0..1 from the top-left corner); typed as a plain
 * array because that is what the generated API types say of a JSON tuple. */
export type PathPoint = readonly number[];

/** The path in the picture's pixels, in time order; points outside 0..1 are clamped to the edge
 * (a box's foot may sit a little past it), malformed ones skipped. */
export function scalePath(path: readonly PathPoint[] | undefined, size: PictureSize): [number, number][] {
  const clamp = (value: number) => Math.min(1, Math.max(0, value));
  return (path ?? [])
    .filter((point) => point.length >= 3 && point.every(Number.isFinite))
    .slice()
    .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0))
    .map((point) => [clamp(point[1] ?? 0) * size.width, clamp(point[2] ?? 0) * size.height]);
}

/** The `points` attribute of a polyline: "x,y x,y …" (rounded to a tenth of a pixel). */
export function pointsAttribute(points: readonly [number, number][]): string {
  return points.map(([x, y]) => `${Math.round(x * 10) / 10},${Math.round(y * 10) / 10}`).join(" ");
}
