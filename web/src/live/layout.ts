// Grid layout maths: the allowed layouts, their columns, and paging cameras through the tiles.

export const LAYOUTS = [1, 4, 9, 16] as const;
export type GridLayout = (typeof LAYOUTS)[number];
export const DEFAULT_LAYOUT: GridLayout = 4;

export function isLayout(value: unknown): value is GridLayout {
  return LAYOUTS.includes(value as GridLayout);
}

/** Columns (and rows) of a square layout: 1, 2, 3 or 4. */
export function columns(layout: GridLayout): number {
  return Math.round(Math.sqrt(layout));
}

/** Pages needed to show `total` cameras `layout` at a time (at least one, even when empty). */
export function pageCount(total: number, layout: GridLayout): number {
  return Math.max(1, Math.ceil(total / layout));
}

/** `page` kept within the pages that exist. */
export function clampPage(page: number, total: number, layout: GridLayout): number {
  const last = pageCount(total, layout) - 1;
  return Math.min(Math.max(0, Math.trunc(page)), last);
}

/** The items on `page` (0-based). */
export function pageItems<T>(items: readonly T[], layout: GridLayout, page: number): T[] {
  const start = clampPage(page, items.length, layout) * layout;
  return items.slice(start, start + layout);
}

/** The page that shows the first of `wanted` (saved preferences) still among `ids`; 0 if none. */
export function pageOf(
  ids: readonly string[],
  wanted: readonly string[],
  layout: GridLayout,
): number {
  for (const id of wanted) {
    const index = ids.indexOf(id);
    if (index >= 0) return Math.floor(index / layout);
  }
  return 0;
}

/** The empty slots that fill the last row(s) of a page, so the grid keeps its shape. */
export function emptySlots(shown: number, layout: GridLayout): number {
  return Math.max(0, layout - shown);
}
