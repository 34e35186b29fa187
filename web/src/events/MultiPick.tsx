// A compact "any of" filter: a summary that opens a list of checkboxes (Esc or a click elsewhere
// closes it); nothing ticked means any.
import { createMemo, For, onCleanup, onMount, Show } from "solid-js";

export interface PickOption {
  value: string;
  label: string;
}

interface Props {
  label: string;
  options: readonly PickOption[];
  selected: readonly string[];
  onChange: (values: string[]) => void;
  /** Shown in the open list when there is nothing to choose. */
  emptyText: string;
  testId: string;
}

export default function MultiPick(props: Props) {
  let details!: HTMLDetailsElement;
  // What is chosen stays listed (to untick it) even when it is not an option any more.
  const all = createMemo(() => {
    const known = new Set(props.options.map((option) => option.value));
    const missing = props.selected.filter((value) => !known.has(value));
    return [...props.options, ...missing.map((value) => ({ value, label: value }))];
  });
  const summary = () => {
    const chosen = all().filter((option) => props.selected.includes(option.value));
    if (chosen.length === 0) return "any";
    return chosen.length <= 2 ? chosen.map((option) => option.label).join(", ") : `${chosen.length} chosen`;
  };
  const toggle = (value: string, on: boolean) => {
    const rest = props.selected.filter((item) => item !== value);
    props.onChange(on ? [...rest, value] : rest);
  };
  onMount(() => {
    const outside = (event: PointerEvent) => {
      if (details.open && !details.contains(event.target as Node)) details.open = false;
    };
    document.addEventListener("pointerdown", outside);
    onCleanup(() => document.removeEventListener("pointerdown", outside));
  });
  return (
    <details
      ref={details}
      class="multi-pick"
      data-testid={props.testId}
      onKeyDown={(event) => {
        if (event.key !== "Escape" || !details.open) return;
        event.preventDefault();
        details.open = false;
        details.querySelector("summary")?.focus();
      }}
    >
      <summary>
        {props.label}: <span class="pick-summary">{summary()}</span>
      </summary>
      <fieldset class="pick-list">
        <legend class="visually-hidden">{props.label}</legend>
        <For each={all()}>
          {(option) => (
            <label class="check">
              <input
                type="checkbox"
                value={option.value}
                checked={props.selected.includes(option.value)}
                onChange={(event) => toggle(option.value, event.currentTarget.checked)}
              />
              {option.label}
            </label>
          )}
        </For>
        <Show when={all().length === 0}>
          <p class="muted">{props.emptyText}</p>
        </Show>
        <Show when={props.selected.length > 0}>
          <button type="button" class="link" onClick={() => props.onChange([])}>
            Any {props.label.toLowerCase()}
          </button>
        </Show>
      </fieldset>
    </details>
  );
}
