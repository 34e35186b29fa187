// One camera's rules: load them with the camera's zones and lines, edit them as cards, check them
// as the server will, and save them all with one PUT; what the server refuses lands on the rule
// and field it names, and rules that cannot run (their zone is gone) say why.
import { createSignal, Index, onMount, Show } from "solid-js";
import { getRules, putRules, type CameraRules, type RuleKind } from "../../api/rules";
import ErrorAlert from "../../app/ErrorAlert";
import { messageOf } from "../format";
import type { Shape } from "../zones/geometry";
import { getZones } from "../zones/zonesApi";
import RuleCard from "./RuleCard";
import {
  allRuleErrors,
  blankDraft,
  draftOf,
  hasErrors,
  issuesByRule,
  KIND_LABELS,
  MAX_RULES,
  ruleOf,
  serverErrors,
  type RuleDraft,
  type RuleErrors,
} from "./ruleForm";

export default function RuleEditor(props: { cameraId: string }) {
  const [drafts, setDrafts] = createSignal<RuleDraft[]>([]);
  const [saved, setSaved] = createSignal<RuleDraft[] | null>(null);
  const [shapes, setShapes] = createSignal<Shape[]>([]);
  const [timezone, setTimezone] = createSignal("");
  const [issues, setIssues] = createSignal<string[][]>([]);
  const [errors, setErrors] = createSignal<RuleErrors[]>([]);
  const [general, setGeneral] = createSignal<string[]>([]);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [message, setMessage] = createSignal<string | null>(null);
  const [saving, setSaving] = createSignal(false);
  const [newKind, setNewKind] = createSignal<RuleKind>("line");

  const dirty = () => JSON.stringify(drafts()) !== JSON.stringify(saved());
  const show = (stored: CameraRules) => {
    const loaded = stored.rules.map(draftOf);
    setSaved(loaded);
    setDrafts(loaded);
    setTimezone(stored.timezone);
    setIssues(issuesByRule(stored.issues, loaded.length));
    setErrors([]);
    setGeneral([]);
  };

  async function load() {
    try {
      const [stored, zones] = await Promise.all([getRules(props.cameraId), getZones(props.cameraId)]);
      setShapes(zones);
      show(stored);
      setLoadError(null);
    } catch (failure) {
      setLoadError(messageOf(failure));
    }
  }
  onMount(load);

  const edit = (index: number, draft: RuleDraft) => {
    setDrafts((current) => current.map((old, position) => (position === index ? draft : old)));
    setMessage(null);
  };
  const remove = (index: number) => {
    const keep = (_: unknown, position: number) => position !== index;
    setDrafts((current) => current.filter(keep));
    setErrors((current) => current.filter(keep));
    setIssues((current) => current.filter(keep));
    setMessage(null);
  };
  const add = () => {
    setDrafts((current) => [...current, blankDraft(newKind(), current, shapes())]);
    setMessage(null);
  };

  async function save() {
    const found = allRuleErrors(drafts(), shapes());
    setErrors(found);
    setGeneral([]);
    if (hasErrors(found)) {
      setGeneral(["Please correct the marked fields."]);
      return;
    }
    setSaving(true);
    try {
      show(await putRules(props.cameraId, drafts().map(ruleOf)));
      setMessage("Saved.");
    } catch (failure) {
      const refused = serverErrors(failure, drafts().length);
      setErrors(refused.rules);
      setGeneral(refused.general.length ? refused.general : ["Please correct the marked fields."]);
    } finally {
      setSaving(false);
    }
  }

  return (
    <div class="rule-editor">
      <ErrorAlert prefix="Cannot load the rules: " message={loadError()} testId="rules-load-error" />
      <Show when={saved() !== null} fallback={<Show when={!loadError()}>{<p class="loading">Loading rules…</p>}</Show>}>
        <div class="row toolbar" role="toolbar" aria-label="Rule tools">
          <label class="inline">
            New rule
            <select value={newKind()} onChange={(event) => setNewKind(event.currentTarget.value as RuleKind)} data-testid="new-rule-kind">
              {(Object.keys(KIND_LABELS) as RuleKind[]).map((kind) => (
                <option value={kind}>{KIND_LABELS[kind]}</option>
              ))}
            </select>
          </label>
          <button type="button" onClick={add} disabled={drafts().length >= MAX_RULES} data-testid="add-rule">
            Add rule
          </button>
          <span class="spacer" />
          <button type="button" disabled={!dirty() || saving()} onClick={() => void load()}>
            Revert
          </button>
          <button type="button" class="primary" disabled={!dirty() || saving()} onClick={save} data-testid="save-rules">
            {saving() ? "Saving…" : "Save"}
          </button>
        </div>
        <Show when={timezone()}>
          <p class="muted small" data-testid="rules-timezone">
            Schedules run in the site's time zone: {timezone()}.
          </p>
        </Show>
        <Show when={drafts().length > 0} fallback={<p class="muted">No rules yet: this camera gives motion events only.</p>}>
          <ol class="rule-list">
            <Index each={drafts()}>
              {(draft, index) => (
                <RuleCard
                  index={index}
                  draft={draft()}
                  shapes={shapes()}
                  errors={errors()[index] ?? {}}
                  issues={issues()[index] ?? []}
                  onChange={(next) => edit(index, next)}
                  onRemove={() => remove(index)}
                />
              )}
            </Index>
          </ol>
        </Show>
      </Show>
      <Show when={general().length > 0}>
        <ul class="error" role="alert" data-testid="rule-problems">
          {general().map((problem) => (
            <li>{problem}</li>
          ))}
        </ul>
      </Show>
      <Show when={message()}>
        <p class="ok" role="status" data-testid="rules-saved">
          {message()}
        </p>
      </Show>
    </div>
  );
}
