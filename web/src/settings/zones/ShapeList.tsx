// The list beside the zone canvas: every zone and line with its name field, and buttons to select,
// turn a line round, or remove (the keyboard way to do what the canvas does by pointer).
import { Index, Show } from "solid-js";
import type { Shape } from "./geometry";

interface Props {
  shapes: Shape[];
  selected: number | null;
  onSelect: (index: number) => void;
  onRename: (index: number, name: string) => void;
  onReverse: (index: number) => void;
  onRemove: (index: number) => void;
}

export default function ShapeList(props: Props) {
  return (
    <div class="shape-list">
      <Show when={props.shapes.length > 0} fallback={<p class="muted">No zones, lines or masks yet.</p>}>
        <ul>
          <Index each={props.shapes}>
            {(shape, index) => (
              <li classList={{ selected: props.selected === index }} data-testid={`shape-item-${index}`}>
                <label>
                  {shape().kind === "line" ? "Line" : `${shape().kind === "zone" ? "Zone" : "Mask"} (${shape().points.length} points)`}
                  <input
                    value={shape().name}
                    onFocus={() => props.onSelect(index)}
                    onInput={(event) => props.onRename(index, event.currentTarget.value)}
                    data-testid={`shape-name-${index}`}
                  />
                </label>
                <div class="row">
                  <button type="button" class="link" onClick={() => props.onSelect(index)}>
                    Select
                  </button>
                  <Show when={shape().kind === "line"}>
                    <button type="button" class="link" onClick={() => props.onReverse(index)} data-testid={`reverse-line-${index}`} title="Swap sides A and B (what counts as in)">
                      Swap direction
                    </button>
                  </Show>
                  <button type="button" class="link danger-text" onClick={() => props.onRemove(index)}>
                    Remove
                  </button>
                </div>
              </li>
            )}
          </Index>
        </ul>
      </Show>
    </div>
  );
}
