// One rule as a card of fields: kind, name, enabled, the zone or line it watches (only those of
// the right kind), what the kind needs (trigger, threshold, direction, dwell), the object filters
// and the schedule; each field shows its own problem, and the server's issues head the card.
import { For, Show, type JSX } from "solid-js";
import type { Crossing, RuleKind, ZoneRule } from "../../api/rules";
import type { Shape } from "../zones/geometry";
import { changeKind, DIRECTION_LABELS, KIND_LABELS, summary, targetField, targetsFor, type RuleDraft, type RuleErrors, type RuleField } from "./ruleForm";
import ScheduleFields from "./ScheduleFields";

interface Props {
  index: number;
  draft: RuleDraft;
  shapes: Shape[];
  errors: RuleErrors;
  issues: string[];
  onChange: (draft: RuleDraft) => void;
  onRemove: () => void;
}

const TRIGGERS: ZoneRule["trigger"][] = ["enter", "exit", "present"];

export default function RuleCard(props: Props) {
  const id = (field: string) => `rule-${props.index}-${field}`;
  const set = <K extends keyof RuleDraft>(key: K, value: RuleDraft[K]) => props.onChange({ ...props.draft, [key]: value });
  const field = (name: RuleField, label: string, control: JSX.Element, hint?: string) => (
    <div class="field" classList={{ invalid: Boolean(props.errors[name]) }}>
      <label for={id(name)}>{label}</label>
      {control}
      <Show when={hint && !props.errors[name]}>
        <span class="muted small">{hint}</span>
      </Show>
      <Show when={props.errors[name]}>
        <span class="error small" data-testid={`${id(name)}-error`}>
          {props.errors[name]}
        </span>
      </Show>
    </div>
  );
  const text = (name: RuleField, key: "name" | "labels" | "minScore" | "minWidth" | "minHeight" | "above" | "dwell", extra: { inputmode?: "decimal" | "numeric"; placeholder?: string } = {}) => (
    <input
      id={id(name)}
      value={props.draft[key]}
      inputmode={extra.inputmode}
      placeholder={extra.placeholder}
      onInput={(event) => set(key, event.currentTarget.value)}
      data-testid={id(name)}
    />
  );
  const target = () => targetField(props.draft.kind);

  return (
    <li class="rule-card" classList={{ disabled: !props.draft.enabled }} data-testid={`rule-${props.index}`}>
      <div class="row rule-head">
        <strong>{props.draft.name || `Rule ${props.index + 1}`}</strong>
        <span class="muted small">{summary(props.draft)}</span>
        <span class="spacer" />
        <label class="check inline">
          <input type="checkbox" checked={props.draft.enabled} onChange={(event) => set("enabled", event.currentTarget.checked)} data-testid={id("enabled")} />
          Enabled
        </label>
        <button type="button" class="link danger-text" onClick={() => props.onRemove()} data-testid={id("remove")}>
          Remove
        </button>
      </div>
      <Show when={props.issues.length > 0 || props.errors[""]}>
        <ul class="error small" role="alert" data-testid={id("issues")}>
          <For each={[...props.issues, ...(props.errors[""] ? [props.errors[""]] : [])]}>{(issue) => <li>{issue}</li>}</For>
        </ul>
      </Show>
      <div class="form-grid">
        {field(
          "kind",
          "Kind",
          <select id={id("kind")} value={props.draft.kind} onChange={(event) => props.onChange(changeKind(props.draft, event.currentTarget.value as RuleKind, props.shapes))} data-testid={id("kind")}>
            {(Object.keys(KIND_LABELS) as RuleKind[]).map((kind) => (
              <option value={kind}>{KIND_LABELS[kind]}</option>
            ))}
          </select>,
        )}
        {field("name", "Name", text("name", "name"))}
        {field(
          target(),
          target() === "line" ? "Line" : "Zone",
          <select id={id(target())} value={props.draft.target} onChange={(event) => set("target", event.currentTarget.value)} data-testid={id("target")}>
            <Show when={!targetsFor(props.draft.kind, props.shapes).includes(props.draft.target)}>
              <option value={props.draft.target}>{props.draft.target ? `${props.draft.target} (missing)` : "—"}</option>
            </Show>
            <For each={targetsFor(props.draft.kind, props.shapes)}>{(name) => <option value={name}>{name}</option>}</For>
          </select>,
        )}
        <Show when={props.draft.kind === "zone"}>
          {field(
            "trigger",
            "When",
            <select id={id("trigger")} value={props.draft.trigger} onChange={(event) => set("trigger", event.currentTarget.value as ZoneRule["trigger"])} data-testid={id("trigger")}>
              {TRIGGERS.map((trigger) => (
                <option value={trigger}>{trigger === "present" ? "present (open while inside)" : trigger}</option>
              ))}
            </select>,
          )}
        </Show>
        <Show when={props.draft.kind === "line"}>
          {field(
            "direction",
            "Direction",
            <select id={id("direction")} value={props.draft.direction} onChange={(event) => set("direction", event.currentTarget.value as Crossing | "both")} data-testid={id("direction")}>
              {(Object.keys(DIRECTION_LABELS) as (Crossing | "both")[]).map((direction) => (
                <option value={direction}>{DIRECTION_LABELS[direction]}</option>
              ))}
            </select>,
            "Crossings are counted in and out whichever direction fires.",
          )}
        </Show>
        <Show when={props.draft.kind === "count"}>
          {field("above", "More than (objects)", text("above", "above", { inputmode: "numeric" }))}
        </Show>
        <Show when={props.draft.kind === "loiter"}>
          {field("dwell_s", "Dwell longer than (s)", text("dwell_s", "dwell", { inputmode: "decimal" }))}
        </Show>
        {field("labels", "Labels", text("labels", "labels", { placeholder: "all; e.g. person, car" }), "Comma-separated; empty: any object.")}
        {field("min_score", "Min score (%)", text("min_score", "minScore", { inputmode: "decimal" }))}
        {field("min_width", "Min width (% of picture)", text("min_width", "minWidth", { inputmode: "decimal" }))}
        {field("min_height", "Min height (% of picture)", text("min_height", "minHeight", { inputmode: "decimal" }))}
      </div>
      <ScheduleFields index={props.index} schedule={props.draft.schedule} error={props.errors.schedule} onChange={(schedule) => set("schedule", schedule)} />
    </li>
  );
}
