// Adding or editing one camera: the form, the stream test, save (POST or PATCH) and remove, with
// the server's field errors shown next to the fields they concern.
import { A, useNavigate } from "@solidjs/router";
import { createSignal, onMount, Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import { createStore, unwrap as plain } from "solid-js/store";
import ConfirmButton from "../ConfirmButton";
import { formErrors, messageOf } from "../format";
import { sectionPath } from "../sections";
import CameraFields from "./CameraFields";
import {
  emptyValues,
  SERVER_FIELDS,
  toCreate,
  toUpdate,
  validate,
  valuesFromView,
  type CameraFormValues,
  type CameraView,
  type FieldErrors,
  type FieldName,
} from "./cameraForm";
import { createCamera, getCamera, removeCamera, updateCamera } from "./camerasApi";
import ProbePanel from "./ProbePanel";

/** `cameraId` null: a new camera. */
export default function CameraEditor(props: { cameraId: string | null }) {
  const navigate = useNavigate();
  const editing = props.cameraId !== null;
  const [values, setValues] = createStore<CameraFormValues>(emptyValues());
  const [initial, setInitial] = createSignal<CameraFormValues>(emptyValues());
  const [view, setView] = createSignal<CameraView | null>(null);
  const [errors, setErrors] = createSignal<FieldErrors>({});
  const [general, setGeneral] = createSignal<string | null>(null);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [saving, setSaving] = createSignal(false);
  let form: HTMLFormElement | undefined;
  /** Put the keyboard on the first field marked invalid (after the marks have rendered). */
  const focusFirstInvalid = () =>
    queueMicrotask(() => form?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus());

  onMount(async () => {
    if (props.cameraId === null) return;
    try {
      const camera = await getCamera(props.cameraId);
      setView(camera);
      setInitial(valuesFromView(camera));
      setValues(valuesFromView(camera));
    } catch (failure) {
      setLoadError(messageOf(failure));
    }
  });

  function set<K extends FieldName>(field: K, value: CameraFormValues[K]) {
    setValues(field, value as never);
    if (errors()[field]) setErrors((previous) => ({ ...previous, [field]: undefined }));
  }

  async function save(event: SubmitEvent) {
    event.preventDefault();
    const current = { ...plain(values) };
    const problems = validate(current, editing ? initial() : null);
    setErrors(problems);
    setGeneral(Object.keys(problems).length ? "Please correct the marked fields." : null);
    if (Object.keys(problems).length) return focusFirstInvalid();
    setSaving(true);
    try {
      if (props.cameraId === null) await createCamera(toCreate(current));
      else await updateCamera(props.cameraId, toUpdate(initial(), current));
      navigate(sectionPath("cameras"));
    } catch (failure) {
      const server = formErrors(failure, Object.keys(SERVER_FIELDS));
      const mapped: FieldErrors = {};
      for (const [field, message] of Object.entries(server.fields)) {
        const input = SERVER_FIELDS[field];
        if (input) mapped[input] = message;
      }
      setErrors(mapped);
      setGeneral(server.general);
      focusFirstInvalid();
    } finally {
      setSaving(false);
    }
  }

  async function remove() {
    if (props.cameraId === null) return;
    try {
      await removeCamera(props.cameraId);
      navigate(sectionPath("cameras"));
    } catch (failure) {
      setGeneral(messageOf(failure));
    }
  }

  return (
    <section class="settings-section" aria-labelledby="camera-editor-title">
      <div class="section-head">
        <h2 id="camera-editor-title">{editing ? `Edit camera ${props.cameraId}` : "Add camera"}</h2>
        <A href={sectionPath("cameras")}>Back to cameras</A>
      </div>
      <ErrorAlert prefix="Cannot load the camera: " message={loadError()} />
      <Show when={!editing || view()}>
        <form ref={form} class="camera-form" onSubmit={save} novalidate data-testid="camera-form">
          <CameraFields
            values={values}
            set={set}
            errors={errors()}
            editing={editing}
            hasPassword={view()?.has_password ?? false}
          />
          <ProbePanel values={values} view={view()} />
          {/* Next to the buttons, where the eye is after Save; field errors sit under their fields. */}
          <ErrorAlert message={general()} testId="form-error" />
          <div class="row form-actions">
            <button type="submit" class="primary" disabled={saving()} data-testid="save-camera">
              {saving() ? "Saving…" : editing ? "Save changes" : "Add camera"}
            </button>
            <A href={sectionPath("cameras")}>Cancel</A>
            <Show when={editing}>
              <span class="spacer" />
              <ConfirmButton
                label="Remove camera"
                question={`Remove ${props.cameraId}? Its recordings stay until retention removes them.`}
                onConfirm={remove}
                testId="remove-camera"
              />
            </Show>
          </div>
        </form>
      </Show>
    </section>
  );
}
