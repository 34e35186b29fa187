// One camera's zones, lines and masks: load them, edit them on the canvas and in the list, save with PUT.
import { createSignal, onMount, Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import { messageOf } from "../format";
import { initialState, removeShape, rename, reverseLine, select, startDrawing, type EditorState } from "./editor";
import { shapeProblems, type Shape } from "./geometry";
import ShapeList from "./ShapeList";
import ZoneCanvas from "./ZoneCanvas";
import { getZones, putZones, snapshotUrl } from "./zonesApi";

export default function ZoneEditor(props: { cameraId: string }) {
  const [state, setState] = createSignal<EditorState>(initialState([]));
  const [saved, setSaved] = createSignal<Shape[] | null>(null);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [problems, setProblems] = createSignal<string[]>([]);
  const [message, setMessage] = createSignal<string | null>(null);
  const [saving, setSaving] = createSignal(false);
  const [nonce, setNonce] = createSignal(Date.now());
  const [imageFailed, setImageFailed] = createSignal(false);

  const change = (update: (current: EditorState) => EditorState) => {
    setState(update);
    setMessage(null);
  };
  const dirty = () => JSON.stringify(state().shapes) !== JSON.stringify(saved());

  async function load() {
    try {
      const shapes = await getZones(props.cameraId);
      setSaved(shapes);
      setState(initialState(shapes));
      setLoadError(null);
    } catch (failure) {
      setLoadError(messageOf(failure));
    }
  }
  onMount(load);

  async function save() {
    const found = shapeProblems(state().shapes);
    setProblems(found);
    if (found.length) return;
    setSaving(true);
    try {
      const stored = await putZones(props.cameraId, state().shapes);
      setSaved(stored);
      setState((current) => ({ ...initialState(stored), selected: current.selected }));
      setMessage("Saved.");
    } catch (failure) {
      setProblems([messageOf(failure)]);
    } finally {
      setSaving(false);
    }
  }

  return (
    <div class="zone-editor">
      <ErrorAlert prefix="Cannot load the zones: " message={loadError()} />
      <div class="row toolbar" role="toolbar" aria-label="Zone tools">
        <button type="button" aria-pressed={state().mode === "zone"} onClick={() => change((s) => startDrawing(s, "zone"))} data-testid="draw-zone">
          Draw zone
        </button>
        <button type="button" aria-pressed={state().mode === "line"} onClick={() => change((s) => startDrawing(s, "line"))} data-testid="draw-line">
          Draw line
        </button>
        <button
          type="button"
          aria-pressed={state().mode === "mask"}
          onClick={() => change((s) => startDrawing(s, "mask"))}
          data-testid="draw-mask"
          title="An area where detected objects are ignored (their feet inside it): a road, a poster, a screen"
        >
          Draw mask
        </button>
        <button
          type="button"
          onClick={() => {
            setImageFailed(false);
            setNonce(Date.now());
          }}
        >
          New picture
        </button>
        <span class="spacer" />
        <button type="button" disabled={!dirty() || saving()} onClick={() => void load()}>
          Revert
        </button>
        <button type="button" class="primary" disabled={!dirty() || saving() || saved() === null} onClick={save} data-testid="save-zones">
          {saving() ? "Saving…" : "Save"}
        </button>
      </div>
      <p class="muted small" id="zone-help">
        {state().mode === "zone"
          ? "Click to add corners; click the first corner or press Enter to close the zone; Escape cancels."
          : state().mode === "line"
            ? "Click the two ends of the line. Its arrow points from side A to side B: a crossing from A to B counts as in."
            : state().mode === "mask"
              ? "Click to add corners; close the mask like a zone. Objects standing inside a mask are not detected; motion ignores masks."
              : "Click a shape to select it; drag its points to move them; Delete removes the point or shape."}
      </p>
      <Show when={imageFailed()}>
        <p class="error small">No picture from the camera now (is it online?); you can still draw.</p>
      </Show>
      <Show when={saved() !== null} fallback={<Show when={!loadError()}>{<p class="loading">Loading zones…</p>}</Show>}>
      <div class="zone-layout">
        <ZoneCanvas
          state={state()}
          change={change}
          imageUrl={imageFailed() ? null : snapshotUrl(props.cameraId, nonce())}
          onImageError={() => setImageFailed(true)}
        />
        <ShapeList
          shapes={state().shapes}
          selected={state().selected}
          onSelect={(index) => change((s) => select(s, index))}
          onRename={(index, name) => change((s) => rename(s, index, name))}
          onReverse={(index) => change((s) => reverseLine(s, index))}
          onRemove={(index) => change((s) => removeShape(s, index))}
        />
      </div>
      </Show>
      <Show when={problems().length > 0}>
        <ul class="error" role="alert" data-testid="zone-problems">
          {problems().map((problem) => (
            <li>{problem}</li>
          ))}
        </ul>
      </Show>
      <Show when={message()}>
        <p class="ok" role="status" data-testid="zones-saved">
          {message()}
        </p>
      </Show>
    </div>
  );
}
