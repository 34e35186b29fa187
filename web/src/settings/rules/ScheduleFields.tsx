// A rule's schedule: no window means always; each window has its days and a start and end time
// (an end before the start runs past midnight; equal times are the whole day).
import { For, Index, Show } from "solid-js";
import { WEEKDAYS } from "../../api/rules";
import type { WindowDraft } from "./ruleForm";

interface Props {
  index: number;
  schedule: WindowDraft[];
  error: string | undefined;
  onChange: (schedule: WindowDraft[]) => void;
}

export default function ScheduleFields(props: Props) {
  const id = (suffix: string) => `rule-${props.index}-schedule-${suffix}`;
  const update = (position: number, window: WindowDraft) =>
    props.onChange(props.schedule.map((old, at) => (at === position ? window : old)));
  const toggleDay = (position: number, window: WindowDraft, day: WindowDraft["days"][number], on: boolean) =>
    update(position, { ...window, days: WEEKDAYS.filter((d) => (d === day ? on : window.days.includes(d))) });

  return (
    <div class="rule-schedule" classList={{ invalid: Boolean(props.error) }}>
      <div class="row">
        <span class="muted">{props.schedule.length ? "Active only:" : "Active always."}</span>
        <button
          type="button"
          class="link"
          onClick={() => props.onChange([...props.schedule, { days: [...WEEKDAYS], start: "08:00", end: "18:00" }])}
          data-testid={id("add")}
        >
          Add time window
        </button>
      </div>
      <Index each={props.schedule}>
        {(window, position) => (
          <div class="row rule-window" data-testid={id(String(position))}>
            <For each={WEEKDAYS}>
              {(day) => (
                <label class="check inline day">
                  <input type="checkbox" checked={window().days.includes(day)} onChange={(event) => toggleDay(position, window(), day, event.currentTarget.checked)} />
                  {day}
                </label>
              )}
            </For>
            <label class="inline">
              from
              <input type="time" value={window().start} onInput={(event) => update(position, { ...window(), start: event.currentTarget.value })} data-testid={id(`${position}-start`)} />
            </label>
            <label class="inline">
              to
              <input type="time" value={window().end} onInput={(event) => update(position, { ...window(), end: event.currentTarget.value })} data-testid={id(`${position}-end`)} />
            </label>
            <button type="button" class="link danger-text" onClick={() => props.onChange(props.schedule.filter((_, at) => at !== position))}>
              Remove window
            </button>
          </div>
        )}
      </Index>
      <Show when={props.error}>
        <span class="error small" data-testid={`rule-${props.index}-schedule-error`}>
          {props.error}
        </span>
      </Show>
    </div>
  );
}
