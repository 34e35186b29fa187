// The drawing surface: the camera's picture with its zones and lines over it in SVG; pointer and
// key events become editor changes (click to add points, drag points, Enter, Escape, Delete).
import { createSignal, For, Index, onCleanup, onMount, Show } from "solid-js";
import {
  addDraftPoint,
  cancelDrawing,
  deleteSelection,
  finishDrawing,
  GRAB_RADIUS_PX,
  movePoint,
  select,
  type EditorState,
} from "./editor";
import { hitShape, hitVertex, isPolygon, lineArrow, lineSides, normalise, type Point, type Shape } from "./geometry";

interface Props {
  state: EditorState;
  change: (update: (state: EditorState) => EditorState) => void;
  /** The picture; null draws on an empty 16:9 frame. */
  imageUrl: string | null;
  onImageError: () => void;
}

const DEFAULT_SIZE = { width: 1280, height: 720 };

export default function ZoneCanvas(props: Props) {
  const [picture, setPicture] = createSignal(DEFAULT_SIZE);
  // Picture pixels per screen pixel, so handles and text keep their size on screen.
  const [scale, setScale] = createSignal(1);
  const [hover, setHover] = createSignal<Point | null>(null);
  let svg: SVGSVGElement | undefined;
  let dragging: { shape: number; point: number } | null = null;

  const measure = () => {
    const width = svg?.getBoundingClientRect().width ?? 0;
    if (width > 0) setScale(picture().width / width);
  };
  onMount(() => {
    if (typeof ResizeObserver === "undefined" || !svg) return;
    const observer = new ResizeObserver(measure);
    observer.observe(svg);
    onCleanup(() => observer.disconnect());
  });

  function at(event: PointerEvent): { point: Point; size: { width: number; height: number } } {
    const box = svg?.getBoundingClientRect() ?? { left: 0, top: 0, width: 1, height: 1 };
    return { point: normalise(event.clientX, event.clientY, box), size: { width: box.width, height: box.height } };
  }

  function down(event: PointerEvent) {
    if (event.button !== 0) return;
    svg?.focus();
    const { point, size } = at(event);
    if (props.state.mode !== "select") {
      props.change((state) => addDraftPoint(state, point, size));
      return;
    }
    const vertex = hitVertex(props.state.shapes, point, size, GRAB_RADIUS_PX, props.state.selected);
    if (vertex) {
      dragging = vertex;
      svg?.setPointerCapture?.(event.pointerId);
      props.change((state) => select(state, vertex.shape, vertex.point));
      return;
    }
    const shape = hitShape(props.state.shapes, point, size, GRAB_RADIUS_PX / 2);
    props.change((state) => select(state, shape));
  }

  function move(event: PointerEvent) {
    const { point } = at(event);
    setHover(point);
    const drag = dragging;
    if (drag) props.change((state) => movePoint(state, drag.shape, drag.point, point));
  }

  function up(event: PointerEvent) {
    if (dragging) svg?.releasePointerCapture?.(event.pointerId);
    dragging = null;
  }

  function key(event: KeyboardEvent) {
    const actions: Record<string, (state: EditorState) => EditorState> = {
      Enter: finishDrawing,
      Escape: (state) => (state.mode === "select" ? select(state, null) : cancelDrawing(state)),
      Delete: deleteSelection,
      Backspace: deleteSelection,
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    props.change(action);
  }

  const xy = (point: Point) => [point[0] * picture().width, point[1] * picture().height] as const;
  const pointsAttr = (points: readonly Point[]) => points.map((p) => xy(p).join(",")).join(" ");

  return (
    <div class="zone-canvas">
      <Show when={props.imageUrl} fallback={<div class="zone-blank" />}>
        {(url) => (
          <img
            src={url()}
            alt="Camera picture"
            data-testid="zone-snapshot"
            onLoad={(event) => {
              const image = event.currentTarget;
              if (image.naturalWidth > 0) setPicture({ width: image.naturalWidth, height: image.naturalHeight });
              measure();
            }}
            onError={() => props.onImageError()}
          />
        )}
      </Show>
      <svg
        ref={svg}
        viewBox={`0 0 ${picture().width} ${picture().height}`}
        tabindex="0"
        role="application"
        aria-label="Drawing area. Click to add points; Enter or a click on the first point closes a zone; drag points to move them; Delete removes; Escape cancels."
        classList={{ drawing: props.state.mode !== "select" }}
        style={{ "--s": scale() }}
        data-testid="zone-canvas"
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={up}
        onPointerLeave={() => setHover(null)}
        onKeyDown={key}
      >
        <defs>
          <marker id="zone-arrow-head" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" />
          </marker>
          <pattern id="mask-hatch" patternUnits="userSpaceOnUse" width={16 * scale()} height={16 * scale()} patternTransform="rotate(45)">
            <rect width={16 * scale()} height={16 * scale()} />
            <line x1="0" y1="0" x2="0" y2={16 * scale()} />
          </pattern>
        </defs>
        <Index each={props.state.shapes}>
          {(shape, index) => (
            <ShapeView
              shape={shape()}
              selected={props.state.selected === index}
              selectedPoint={props.state.selected === index ? props.state.selectedPoint : null}
              picture={picture()}
              scale={scale()}
              testId={`shape-${index}`}
            />
          )}
        </Index>
        <Show when={props.state.mode !== "select" && props.state.draft.length > 0}>
          <polyline
            class="draft"
            points={pointsAttr(hover() ? [...props.state.draft, hover() as Point] : props.state.draft)}
          />
          <For each={props.state.draft}>
            {(point, index) => (
              <circle class="handle" classList={{ first: index() === 0 }} cx={xy(point)[0]} cy={xy(point)[1]} r={6 * scale()} />
            )}
          </For>
        </Show>
      </svg>
    </div>
  );
}

function ShapeView(props: {
  shape: Shape;
  selected: boolean;
  selectedPoint: number | null;
  picture: { width: number; height: number };
  scale: number;
  testId: string;
}) {
  const xy = (point: Point) => [point[0] * props.picture.width, point[1] * props.picture.height] as const;
  const label = () => xy(props.shape.points[0] ?? [0, 0]);
  const arrow = () => {
    const [a, b] = props.shape.points;
    return a && b ? lineArrow(a, b, props.picture, 28 * props.scale) : null;
  };
  const sides = () => {
    const [a, b] = props.shape.points;
    return a && b ? lineSides(a, b, props.picture, 44 * props.scale) : null;
  };
  return (
    <g class={`shape ${props.shape.kind}`} classList={{ selected: props.selected }} data-testid={props.testId}>
      <Show
        when={isPolygon(props.shape.kind)}
        fallback={
          <>
            <polyline points={props.shape.points.map((p) => xy(p).join(",")).join(" ")} />
            <Show when={arrow()}>
              {(direction) => (
                <line class="arrow" x1={direction().from[0]} y1={direction().from[1]} x2={direction().to[0]} y2={direction().to[1]} marker-end="url(#zone-arrow-head)" />
              )}
            </Show>
            <Show when={sides()}>
              {(side) => (
                <>
                  <text class="side" x={side().a[0]} y={side().a[1]} font-size={String(16 * props.scale)} text-anchor="middle" dominant-baseline="middle" data-side="a">
                    A
                  </text>
                  <text class="side" x={side().b[0]} y={side().b[1]} font-size={String(16 * props.scale)} text-anchor="middle" dominant-baseline="middle" data-side="b">
                    B
                  </text>
                </>
              )}
            </Show>
          </>
        }
      >
        <polygon points={props.shape.points.map((p) => xy(p).join(",")).join(" ")} />
      </Show>
      <text x={label()[0] + 8 * props.scale} y={label()[1] - 8 * props.scale} font-size={String(14 * props.scale)}>
        {props.shape.name}
      </text>
      <For each={props.shape.points}>
        {(point, index) => (
          <circle
            class="handle"
            classList={{ picked: props.selectedPoint === index() }}
            cx={xy(point)[0]}
            cy={xy(point)[1]}
            r={(props.selected ? 7 : 4) * props.scale}
          />
        )}
      </For>
    </g>
  );
}
