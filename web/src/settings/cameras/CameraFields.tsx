// The inputs of the camera form: connection, credentials, recording (mode, pre- and post-roll)
// and retention, motion and object detection, with the message for each field shown under it.
import { Show, type JSX } from "solid-js";
import type { CameraFormValues, DetectChoice, FieldErrors, FieldName, RecordingMode } from "./cameraForm";

/** The form's yes/no fields, drawn as checkboxes. */
type BooleanField = { [K in FieldName]: CameraFormValues[K] extends boolean ? K : never }[FieldName];

interface Props {
  values: CameraFormValues;
  set: <K extends FieldName>(field: K, value: CameraFormValues[K]) => void;
  errors: FieldErrors;
  editing: boolean;
  /** Editing a camera that has a stored password. */
  hasPassword: boolean;
}

function Field(props: { name: FieldName; label: string; errors: FieldErrors; hint?: string; children: JSX.Element }) {
  return (
    <div class="field" classList={{ invalid: Boolean(props.errors[props.name]) }}>
      <label for={`camera-${props.name}`}>{props.label}</label>
      {props.children}
      <Show when={props.hint && !props.errors[props.name]}>
        <span class="muted small">{props.hint}</span>
      </Show>
      <Show when={props.errors[props.name]}>
        <span class="error small" id={`camera-${props.name}-error`} data-testid={`error-${props.name}`}>
          {props.errors[props.name]}
        </span>
      </Show>
    </div>
  );
}

export default function CameraFields(props: Props) {
  const text = (name: FieldName, extra: JSX.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <input
      id={`camera-${name}`}
      name={name}
      value={String(props.values[name])}
      aria-invalid={Boolean(props.errors[name])}
      aria-describedby={props.errors[name] ? `camera-${name}-error` : undefined}
      onInput={(event) => props.set(name, event.currentTarget.value as never)}
      {...extra}
    />
  );
  const check = (name: BooleanField, label: string) => (
    <label class="check">
      <input
        type="checkbox"
        name={name}
        checked={props.values[name]}
        onChange={(event) => props.set(name, event.currentTarget.checked)}
      />
      {label}
    </label>
  );
  return (
    <>
      <fieldset>
        <legend>Camera</legend>
        <Field name="id" label="Id" errors={props.errors} hint="Used in URLs; cannot change later">
          {text("id", { disabled: props.editing, required: true, autocomplete: "off", placeholder: "front-door" })}
        </Field>
        <Field name="name" label="Name" errors={props.errors}>
          {text("name", { placeholder: "Front door" })}
        </Field>
        {check("enabled", "Enabled (pull its streams)")}
      </fieldset>
      <fieldset>
        <legend>Streams</legend>
        <Field name="main_url" label="Main stream URL" errors={props.errors}>
          {text("main_url", { required: true, placeholder: "rtsp://192.0.2.10:554/stream1", inputMode: "url" })}
        </Field>
        <Field name="sub_url" label="Sub stream URL (optional)" errors={props.errors}>
          {text("sub_url", { placeholder: "rtsp://192.0.2.10:554/stream2", inputMode: "url" })}
        </Field>
        <Field name="transport" label="RTSP transport" errors={props.errors}>
          <select
            id="camera-transport"
            value={props.values.transport}
            onChange={(event) => props.set("transport", event.currentTarget.value as "tcp" | "udp")}
          >
            <option value="tcp">TCP (reliable)</option>
            <option value="udp">UDP</option>
          </select>
        </Field>
      </fieldset>
      <fieldset>
        <legend>Credentials</legend>
        <Field name="username" label="User name" errors={props.errors}>
          {text("username", { autocomplete: "off" })}
        </Field>
        <Field
          name="password"
          label="Password"
          errors={props.errors}
          hint={props.hasPassword ? "Leave blank to keep the stored password" : undefined}
        >
          {text("password", { type: "password", autocomplete: "new-password", disabled: props.values.clear_password })}
        </Field>
        <Show when={props.editing && props.hasPassword}>
          {check("clear_password", "Remove the stored password")}
        </Show>
      </fieldset>
      <fieldset>
        <legend>Recording and retention</legend>
        {check("record", "Record this camera")}
        <Field name="recording_mode" label="Recording" errors={props.errors}>
          <select
            id="camera-recording_mode"
            value={props.values.recording_mode}
            disabled={!props.values.record}
            onChange={(event) => props.set("recording_mode", event.currentTarget.value as RecordingMode)}
          >
            <option value="continuous">Continuous</option>
            <option value="events">On events only</option>
            <option value="continuous_events">Continuous, events kept longer</option>
          </select>
        </Field>
        <Show when={props.values.record && props.values.recording_mode !== "continuous"}>
          <Field name="pre_roll_s" label="Pre-roll (seconds)" errors={props.errors} hint="Recorded before an event starts">
            {text("pre_roll_s", { inputMode: "decimal" })}
          </Field>
          <Field name="post_roll_s" label="Post-roll (seconds)" errors={props.errors} hint="Recorded after an event ends">
            {text("post_roll_s", { inputMode: "decimal" })}
          </Field>
          <Field
            name="event_retention_days"
            label="Keep events for (days)"
            errors={props.errors}
            hint="The recordings around an event are locked against retention this long"
          >
            {text("event_retention_days", { inputMode: "numeric" })}
          </Field>
        </Show>
        <Field name="record_stream" label="Recorded stream" errors={props.errors}>
          <select
            id="camera-record_stream"
            value={props.values.record_stream}
            aria-invalid={Boolean(props.errors.record_stream)}
            disabled={!props.values.record}
            onChange={(event) => props.set("record_stream", event.currentTarget.value as "main" | "sub")}
          >
            <option value="main">Main</option>
            <option value="sub">Sub</option>
          </select>
        </Field>
        <Field name="retention_days" label="Keep for (days)" errors={props.errors} hint="Empty: the server default">
          {text("retention_days", { inputMode: "numeric", placeholder: "default" })}
        </Field>
        <Field name="retention_gb" label="Keep at most (GB)" errors={props.errors} hint="Empty: the server default">
          {text("retention_gb", { inputMode: "decimal", placeholder: "default" })}
        </Field>
      </fieldset>
      <fieldset>
        <legend>Events</legend>
        {check("motion", "Detect motion")}
        <span class="muted small">
          Motion in the camera's zones (anywhere when it has none) is recorded as an event; the sub
          stream is analysed when there is one.
        </span>
        <Field name="detect" label="Object detection" errors={props.errors}>
          <select
            id="camera-detect"
            value={props.values.detect}
            onChange={(event) => props.set("detect", event.currentTarget.value as DetectChoice)}
          >
            <option value="">Site default</option>
            <option value="off">Off</option>
            <option value="motion">When motion is seen</option>
            <option value="always">Always</option>
          </select>
        </Field>
        <span class="muted small">
          People, cars and other objects are detected, tracked and judged by the camera's rules;
          masks drawn in Zones hide parts of the picture from detection.
        </span>
      </fieldset>
    </>
  );
}
