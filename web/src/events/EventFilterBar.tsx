// The Events page's filters: cameras, labels, zones, rules, time (presets or a custom range) and the
// least score; every change goes to the page, which keeps it in the address.
import { createSignal, For, Show } from "solid-js";
import { fromLocalInput, toLocalInput } from "../playback/time";
import type { CameraView } from "./eventsApi";
import { emptyFilters, hasFilters, PRESETS, type EventFilters, type TimePreset } from "./filters";
import MultiPick from "./MultiPick";

interface Props {
  filters: EventFilters;
  cameras: readonly CameraView[];
  labels: readonly string[];
  zones: readonly string[];
  rules: readonly string[];
  onChange: (filters: EventFilters) => void;
}

type TimeChoice = TimePreset | "any" | "custom";

/** The filters whose options are plain names, in the bar's order. */
const NAME_PICKS = [
  { key: "labels", label: "Labels", emptyText: "No labels yet" },
  { key: "zones", label: "Zones", emptyText: "These cameras have no zones" },
  { key: "rules", label: "Rules", emptyText: "These cameras have no rules" },
] as const;

export default function EventFilterBar(props: Props) {
  const [custom, setCustom] = createSignal(false);
  const [score, setScore] = createSignal<number | null>(null); // while the slider moves
  const set = (change: Partial<EventFilters>) => props.onChange({ ...props.filters, ...change });
  const choice = (): TimeChoice => {
    const f = props.filters;
    if (f.preset) return f.preset;
    return custom() || f.fromMs !== null || f.toMs !== null ? "custom" : "any";
  };
  const chooseTime = (value: TimeChoice) => {
    setCustom(value === "custom");
    if (value === "custom") set({ preset: null });
    else set({ preset: value === "any" ? null : value, fromMs: null, toMs: null });
  };
  const percent = () => score() ?? Math.round((props.filters.minScore ?? 0) * 100);
  const commitScore = (value: number) => {
    setScore(null);
    set({ minScore: value > 0 ? value / 100 : null });
  };

  return (
    <div class="event-filters" role="group" aria-label="Filters" data-testid="event-filters">
      <MultiPick
        label="Cameras"
        testId="filter-cameras"
        options={props.cameras.map((camera) => ({ value: camera.id, label: camera.name || camera.id }))}
        selected={props.filters.cameras}
        onChange={(cameras) => set({ cameras })}
        emptyText="No cameras"
      />
      <For each={NAME_PICKS}>
        {(pick) => (
          <MultiPick
            label={pick.label}
            testId={`filter-${pick.key}`}
            options={props[pick.key].map((name) => ({ value: name, label: name }))}
            selected={props.filters[pick.key]}
            onChange={(names) => set({ [pick.key]: names })}
            emptyText={pick.emptyText}
          />
        )}
      </For>
      <label class="inline">
        Time
        <select
          value={choice()}
          data-testid="filter-time"
          onChange={(event) => chooseTime(event.currentTarget.value as TimeChoice)}
        >
          <option value="any">Any time</option>
          <For each={Object.entries(PRESETS)}>
            {([value, preset]) => <option value={value}>{preset.label}</option>}
          </For>
          <option value="custom">Custom range</option>
        </select>
      </label>
      <Show when={choice() === "custom"}>
        <label class="inline">
          From
          <input
            type="datetime-local"
            step="1"
            data-testid="filter-from"
            value={props.filters.fromMs === null ? "" : toLocalInput(props.filters.fromMs)}
            onChange={(event) => set({ fromMs: fromLocalInput(event.currentTarget.value) })}
          />
        </label>
        <label class="inline">
          To
          <input
            type="datetime-local"
            step="1"
            data-testid="filter-to"
            value={props.filters.toMs === null ? "" : toLocalInput(props.filters.toMs)}
            onChange={(event) => set({ toMs: fromLocalInput(event.currentTarget.value) })}
          />
        </label>
      </Show>
      <label class="inline score-filter">
        <span>
          Score at least <output data-testid="min-score-value">{percent()}%</output>
        </span>
        <input
          type="range"
          min="0"
          max="100"
          step="5"
          value={percent()}
          data-testid="filter-min-score"
          aria-valuetext={`${percent()}%`}
          onInput={(event) => setScore(Number(event.currentTarget.value))}
          onChange={(event) => commitScore(Number(event.currentTarget.value))}
        />
      </label>
      <Show when={hasFilters(props.filters)}>
        <button
          type="button"
          class="link"
          data-testid="clear-filters"
          onClick={() => {
            setCustom(false);
            props.onChange(emptyFilters());
          }}
        >
          Clear filters
        </button>
      </Show>
    </div>
  );
}
