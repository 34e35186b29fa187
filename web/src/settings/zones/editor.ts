// The zone editor's state and every change to it, as pure functions (the canvas only maps pointer
// and key events onto these).
import { closesPolygon, isPolygon, roundPoint, type Point, type Shape, type Size } from "./geometry";

export type Mode = "select" | Shape["kind"];

export interface EditorState {
  shapes: Shape[];
  mode: Mode;
  /** Points of the zone, line or mask being drawn. */
  draft: Point[];
  selected: number | null;
  /** A vertex of the selected shape, when one was picked. */
  selectedPoint: number | null;
}

/** How near (pixels) a click must be to a point to grab it or to close a polygon on it. */
export const GRAB_RADIUS_PX = 12;

export function initialState(shapes: Shape[]): EditorState {
  return { shapes, mode: "select", draft: [], selected: null, selectedPoint: null };
}

/** "Zone 3": the first "<Kind> N" no shape is called yet. */
export function nextName(shapes: readonly Shape[], kind: Shape["kind"]): string {
  const base = { zone: "Zone", line: "Line", mask: "Mask" }[kind];
  const taken = new Set(shapes.map((shape) => shape.name.trim()));
  let number = 1;
  while (taken.has(`${base} ${number}`)) number += 1;
  return `${base} ${number}`;
}

/** Start drawing a zone, a line or a mask (any unfinished drawing is dropped). */
export function startDrawing(state: EditorState, kind: Shape["kind"]): EditorState {
  return { ...state, mode: kind, draft: [], selected: null, selectedPoint: null };
}

export function cancelDrawing(state: EditorState): EditorState {
  return { ...state, mode: "select", draft: [] };
}

/** Turn the draft into a shape when it is complete (zone or mask ≥ 3 points, line 2); else no
 * change. */
export function finishDrawing(state: EditorState): EditorState {
  const kind = state.mode;
  if (kind === "select") return state;
  const complete = isPolygon(kind) ? state.draft.length >= 3 : state.draft.length === 2;
  if (!complete) return state;
  const shape: Shape = { name: nextName(state.shapes, kind), kind, points: state.draft };
  const shapes = [...state.shapes, shape];
  return { shapes, mode: "select", draft: [], selected: shapes.length - 1, selectedPoint: null };
}

/** A click while drawing: adds a point; on the first point of a zone or mask it closes it, and
 * the second point of a line finishes it. */
export function addDraftPoint(state: EditorState, point: Point, size: Size): EditorState {
  if (state.mode === "select") return state;
  if (isPolygon(state.mode) && closesPolygon(state.draft, point, size, GRAB_RADIUS_PX)) {
    return finishDrawing(state);
  }
  const next = { ...state, draft: [...state.draft, roundPoint(point)] };
  return state.mode === "line" && next.draft.length === 2 ? finishDrawing(next) : next;
}

export function select(state: EditorState, shape: number | null, point: number | null = null): EditorState {
  return { ...state, selected: shape, selectedPoint: shape === null ? null : point };
}

function replaceShape(state: EditorState, index: number, change: (shape: Shape) => Shape): EditorState {
  const shape = state.shapes[index];
  if (!shape) return state;
  const shapes = state.shapes.slice();
  shapes[index] = change(shape);
  return { ...state, shapes };
}

/** Drag a vertex to `point`. */
export function movePoint(state: EditorState, shape: number, point: number, to: Point): EditorState {
  return replaceShape(state, shape, (current) => ({
    ...current,
    points: current.points.map((old, index) => (index === point ? roundPoint(to) : old)),
  }));
}

export function rename(state: EditorState, shape: number, name: string): EditorState {
  return replaceShape(state, shape, (current) => ({ ...current, name }));
}

/** Turn a line's direction round (its arrow points to the other side). */
export function reverseLine(state: EditorState, shape: number): EditorState {
  return replaceShape(state, shape, (current) => ({ ...current, points: current.points.slice().reverse() }));
}

/** The Delete key: while drawing, drop the last point; with a vertex of a zone of more than three
 * points picked, remove that vertex; otherwise remove the selected shape. */
export function deleteSelection(state: EditorState): EditorState {
  if (state.mode !== "select") return { ...state, draft: state.draft.slice(0, -1) };
  if (state.selected === null) return state;
  const shape = state.shapes[state.selected];
  if (!shape) return state;
  if (state.selectedPoint !== null && isPolygon(shape.kind) && shape.points.length > 3) {
    const without = replaceShape(state, state.selected, (current) => ({
      ...current,
      points: current.points.filter((_, index) => index !== state.selectedPoint),
    }));
    return { ...without, selectedPoint: null };
  }
  return removeShape(state, state.selected);
}

export function removeShape(state: EditorState, index: number): EditorState {
  const shapes = state.shapes.filter((_, position) => position !== index);
  return { ...state, shapes, selected: null, selectedPoint: null };
}
