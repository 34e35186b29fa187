// The camera form's values, its checks, and the create/update bodies built from it (pure logic).
import type { components } from "../../api/schema";

export type CameraView = components["schemas"]["CameraView"];
export type CameraCreate = components["schemas"]["CameraCreate"];
export type CameraUpdate = components["schemas"]["CameraUpdate"];
export type RecordingMode = CameraView["recording_mode"] & string;
/** Object detection: "" follows the site's default (the server's analytics.detect_default). */
export type DetectChoice = "" | "off" | "motion" | "always";

/** Everything the form edits, as the inputs hold it (text for numbers, so empty means default). */
export interface CameraFormValues {
  id: string;
  name: string;
  main_url: string;
  sub_url: string;
  username: string;
  /** Blank when editing means "keep the stored password". */
  password: string;
  /** Editing only: forget the stored password. */
  clear_password: boolean;
  transport: "tcp" | "udp";
  enabled: boolean;
  record: boolean;
  record_stream: "main" | "sub";
  /** Motion detection records events for this camera. */
  motion: boolean;
  detect: DetectChoice;
  recording_mode: RecordingMode;
  /** Seconds, decimal allowed (events modes). */
  pre_roll_s: string;
  post_roll_s: string;
  event_retention_days: string;
  retention_days: string;
  /** Gigabytes (10^9 bytes), decimal allowed. */
  retention_gb: string;
}

export type FieldName = keyof CameraFormValues;
export type FieldErrors = Partial<Record<FieldName, string>>;

/** Server field names (as in problem `errors[].field`) and the input that shows them. */
export const SERVER_FIELDS: Record<string, FieldName> = {
  id: "id",
  name: "name",
  main_url: "main_url",
  sub_url: "sub_url",
  username: "username",
  password: "password",
  transport: "transport",
  record_stream: "record_stream",
  retention_days: "retention_days",
  retention_max_bytes: "retention_gb",
  motion: "motion",
  detect: "detect",
  recording_mode: "recording_mode",
  pre_roll_s: "pre_roll_s",
  post_roll_s: "post_roll_s",
  event_retention_days: "event_retention_days",
};

export const SLUG = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const SCHEMES = ["rtsp", "rtsps", "srt"];
const GB = 1e9;
const MAX_DAYS = 36_500;
const MAX_PRE_ROLL_S = 60;
const MAX_POST_ROLL_S = 3600;

export function emptyValues(): CameraFormValues {
  return {
    id: "",
    name: "",
    main_url: "",
    sub_url: "",
    username: "",
    password: "",
    clear_password: false,
    transport: "tcp",
    enabled: true,
    record: true,
    record_stream: "main",
    motion: false,
    detect: "",
    recording_mode: "continuous",
    pre_roll_s: "5",
    post_roll_s: "10",
    event_retention_days: "30",
    retention_days: "",
    retention_gb: "",
  };
}

/** The form filled from a camera as the server shows it (URL passwords appear as ***). */
export function valuesFromView(view: CameraView): CameraFormValues {
  return {
    ...emptyValues(),
    id: view.id,
    name: view.name,
    main_url: view.main_url,
    sub_url: view.sub_url ?? "",
    username: view.username ?? "",
    transport: view.transport,
    enabled: view.enabled,
    record: view.record,
    record_stream: view.record_stream,
    motion: view.motion,
    detect: view.detect ?? "",
    recording_mode: view.recording_mode ?? "continuous",
    pre_roll_s: String(view.pre_roll_s ?? 5),
    post_roll_s: String(view.post_roll_s ?? 10),
    event_retention_days: String(view.event_retention_days ?? 30),
    retention_days: view.retention_days == null ? "" : String(view.retention_days),
    retention_gb: view.retention_max_bytes == null ? "" : String(view.retention_max_bytes / GB),
  };
}

// scheme://[userinfo@]host[:port][/path?query]; parsed here because browsers disagree on URLs
// of schemes they do not know (older Chromium gives rtsp:// URLs no host at all).
const URL_PARTS = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?(\[[^\]]*\]|[^/?#:@]*)(?::([^/?#]*))?([/?#].*)?$/i;

/** The scheme, user info and host of a URL, or null when it is not one. */
export function splitUrl(text: string): { scheme: string; userinfo: string | null; host: string; port: string | null } | null {
  const match = URL_PARTS.exec(text.trim());
  if (!match) return null;
  return { scheme: (match[1] ?? "").toLowerCase(), userinfo: match[2] ?? null, host: match[3] ?? "", port: match[4] ?? null };
}

/** Why a stream URL is not acceptable, or null when it is. */
export function urlProblem(text: string): string | null {
  const parts = splitUrl(text);
  if (!parts) return "Not a URL: use rtsp://host[:port]/path, rtsps://… or srt://host:port";
  if (!SCHEMES.includes(parts.scheme)) return `Unsupported scheme ${parts.scheme}: use rtsp, rtsps or srt`;
  if (!parts.host) return "The URL has no host";
  if (parts.port !== null && !(/^\d+$/.test(parts.port) && Number(parts.port) <= 65535)) {
    return `The port ${parts.port} is not a number from 0 to 65535`;
  }
  if (text.includes("***")) {
    return "The URL still holds the hidden password (***): type the real one, or move it to Password";
  }
  return null;
}

function hasUserinfo(text: string): boolean {
  return splitUrl(text)?.userinfo != null;
}

/** Problems with the values, by field; empty when the form may be sent. `initial` is the camera
 * being edited (null for a new one): its id cannot change, and URLs left as the server showed them
 * (passwords as ***) are not sent, so they are not checked. */
export function validate(values: CameraFormValues, initial: CameraFormValues | null): FieldErrors {
  const errors: FieldErrors = {};
  if (initial === null && !SLUG.test(values.id)) {
    errors.id = "1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit";
  }
  if (values.main_url !== initial?.main_url) {
    const main = values.main_url.trim() ? urlProblem(values.main_url) : "The main stream URL is required";
    if (main) errors.main_url = main;
  }
  if (values.sub_url.trim() && values.sub_url !== initial?.sub_url) {
    const sub = urlProblem(values.sub_url);
    if (sub) errors.sub_url = sub;
  }
  const separateCredentials = values.username.trim() !== "" || values.password !== "";
  if (separateCredentials && (hasUserinfo(values.main_url) || hasUserinfo(values.sub_url))) {
    errors.username = "Credentials are already in a URL: put them either there or here, not both";
  }
  if (values.record && values.record_stream === "sub" && !values.sub_url.trim()) {
    errors.record_stream = "Recording the sub stream needs a sub stream URL";
  }
  const days = values.retention_days.trim();
  if (days && !(/^\d+$/.test(days) && Number(days) >= 1 && Number(days) <= MAX_DAYS)) {
    errors.retention_days = `Whole days from 1 to ${MAX_DAYS}, or empty for the default`;
  }
  const gb = values.retention_gb.trim();
  if (gb && !(Number.isFinite(Number(gb)) && Math.round(Number(gb) * GB) >= 1)) {
    errors.retention_gb = "A size above 0 GB, or empty for the default";
  }
  return { ...errors, ...eventRecordingErrors(values) };
}

function seconds(text: string, max: number): boolean {
  const value = text.trim();
  return value !== "" && Number.isFinite(Number(value)) && Number(value) >= 0 && Number(value) <= max;
}

/** The pre-roll, post-roll and event retention: checked only in the modes that use them. */
function eventRecordingErrors(values: CameraFormValues): FieldErrors {
  const errors: FieldErrors = {};
  if (values.recording_mode === "continuous") return errors;
  if (!seconds(values.pre_roll_s, MAX_PRE_ROLL_S)) errors.pre_roll_s = `Seconds from 0 to ${MAX_PRE_ROLL_S}`;
  if (!seconds(values.post_roll_s, MAX_POST_ROLL_S)) errors.post_roll_s = `Seconds from 0 to ${MAX_POST_ROLL_S}`;
  const days = values.event_retention_days.trim();
  if (!(/^\d+$/.test(days) && Number(days) >= 1 && Number(days) <= MAX_DAYS)) {
    errors.event_retention_days = `Whole days from 1 to ${MAX_DAYS}`;
  }
  return errors;
}

function optionalText(text: string): string | null {
  const trimmed = text.trim();
  return trimmed === "" ? null : trimmed;
}

function retentionBytes(text: string): number | null {
  const gb = text.trim();
  return gb === "" ? null : Math.round(Number(gb) * GB);
}

/** The pre-roll, post-roll and event retention as numbers; only the events modes use them (in
 * continuous mode the hidden inputs are not checked, so they are not sent). */
function eventRecording(
  values: CameraFormValues,
): Partial<Pick<CameraCreate, "pre_roll_s" | "post_roll_s" | "event_retention_days">> {
  if (values.recording_mode === "continuous") return {};
  return {
    pre_roll_s: Number(values.pre_roll_s),
    post_roll_s: Number(values.post_roll_s),
    event_retention_days: Number(values.event_retention_days),
  };
}

/** The body of POST /cameras (the server's defaults for what continuous mode does not use). */
export function toCreate(values: CameraFormValues): CameraCreate {
  return {
    id: values.id.trim(),
    name: values.name.trim(),
    main_url: values.main_url.trim(),
    sub_url: optionalText(values.sub_url),
    username: optionalText(values.username),
    password: values.password === "" ? null : values.password,
    transport: values.transport,
    enabled: values.enabled,
    record: values.record,
    record_stream: values.record_stream,
    motion: values.motion,
    detect: values.detect === "" ? null : values.detect,
    recording_mode: values.recording_mode,
    pre_roll_s: 5,
    post_roll_s: 10,
    event_retention_days: 30,
    ...eventRecording(values),
    retention_days: values.retention_days.trim() === "" ? null : Number(values.retention_days),
    retention_max_bytes: retentionBytes(values.retention_gb),
  };
}

/**
 * The body of PATCH /cameras/{id}: only what the user changed, so a URL shown redacted and never
 * touched is not sent back (its *** would replace the real password). A blank password keeps it.
 */
export function toUpdate(initial: CameraFormValues, values: CameraFormValues): CameraUpdate {
  const update: CameraUpdate = {};
  const changed = (field: FieldName) => initial[field] !== values[field];
  if (changed("name")) update.name = values.name.trim();
  if (changed("main_url")) update.main_url = values.main_url.trim();
  if (changed("sub_url")) update.sub_url = optionalText(values.sub_url);
  if (changed("username")) update.username = optionalText(values.username);
  if (values.clear_password) update.password = null;
  else if (values.password !== "") update.password = values.password;
  if (changed("transport")) update.transport = values.transport;
  if (changed("enabled")) update.enabled = values.enabled;
  if (changed("record")) update.record = values.record;
  if (changed("record_stream")) update.record_stream = values.record_stream;
  if (changed("motion")) update.motion = values.motion;
  if (changed("detect")) update.detect = values.detect === "" ? null : values.detect;
  if (changed("recording_mode")) update.recording_mode = values.recording_mode;
  const rolls = eventRecording(values);
  if (changed("pre_roll_s") && rolls.pre_roll_s !== undefined) update.pre_roll_s = rolls.pre_roll_s;
  if (changed("post_roll_s") && rolls.post_roll_s !== undefined) update.post_roll_s = rolls.post_roll_s;
  if (changed("event_retention_days") && rolls.event_retention_days !== undefined) {
    update.event_retention_days = rolls.event_retention_days;
  }
  if (changed("retention_days")) {
    update.retention_days = values.retention_days.trim() === "" ? null : Number(values.retention_days);
  }
  if (changed("retention_gb")) update.retention_max_bytes = retentionBytes(values.retention_gb);
  return update;
}

/** Why the form's stream cannot be tested now, or null: the password must be typed again when the
 * stored one is in use (the server never sends it back). */
export function probeBlocker(values: CameraFormValues, view: CameraView | null): string | null {
  const problem = values.main_url.trim() ? urlProblem(values.main_url) : "Enter the main stream URL first";
  if (problem) return problem;
  if (view?.has_password && values.password === "" && !values.clear_password && !hasUserinfo(values.main_url)) {
    return "The stored password is never sent back to the browser: type it again to test";
  }
  return null;
}
