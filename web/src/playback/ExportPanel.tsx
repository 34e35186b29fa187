// The export form: a range (typed, or set from the timeline), the job's progress, then downloads.
import { createSignal, Match, onCleanup, Show, Switch } from "solid-js";
import { api, unwrap } from "../api/client";
import {
  createExportRun,
  isBusy,
  rangeProblem,
  type ExportApi,
  type ExportJob,
} from "./exportMachine";
import { formatWall, fromLocalInput, spanLabel, toLocalInput } from "./time";

export interface ExportPanelProps {
  cameraId: string;
  stream: "main" | "sub";
  requestedBy: string;
  startMs: number | null;
  endMs: number | null;
  onStart: (ms: number | null) => void;
  onEnd: (ms: number | null) => void;
}

/** The export API of one camera stream. */
export function exportApi(
  cameraId: string,
  stream: "main" | "sub",
  requestedBy: string,
): ExportApi {
  return {
    create: async (startMs, endMs) =>
      unwrap(
        await api.POST("/api/v1/exports", {
          body: {
            camera: cameraId,
            start: String(Math.round(startMs)),
            end: String(Math.round(endMs)),
            stream,
            format: "mp4",
            requested_by: requestedBy,
          },
        }),
      ),
    get: async (id) =>
      unwrap(await api.GET("/api/v1/exports/{export_id}", { params: { path: { export_id: id } } })),
    cancel: async (id) =>
      unwrap(
        await api.POST("/api/v1/exports/{export_id}/cancel", {
          params: { path: { export_id: id } },
        }),
      ),
  };
}

function sizeText(bytes: number | null): string {
  if (bytes === null) return "";
  const mb = bytes / 1_048_576;
  return mb >= 1 ? `${mb.toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function fileName(job: ExportJob): string {
  return `${job.camera_id}-${formatWall(job.start_ms).replace(/[: ]/g, "-")}.mp4`;
}

export default function ExportPanel(props: ExportPanelProps) {
  const run = createExportRun(exportApi(props.cameraId, props.stream, props.requestedBy));
  onCleanup(() => run.dispose());
  const [problem, setProblem] = createSignal<string | null>(null);
  const state = run.state;

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const why = rangeProblem(props.startMs, props.endMs);
    setProblem(why);
    if (why === null) void run.start(props.startMs!, props.endMs!);
  };
  const length = () =>
    props.startMs !== null && props.endMs !== null && props.endMs > props.startMs
      ? spanLabel(props.endMs - props.startMs)
      : "";
  const job = () => {
    const current = state();
    return "job" in current ? current.job : undefined;
  };

  return (
    <form
      class="card export-panel"
      onSubmit={submit}
      aria-labelledby="export-title"
      data-testid="export-panel"
    >
      <h2 id="export-title">Export</h2>
      <div class="row export-range">
        <label>
          Start
          <input
            type="datetime-local"
            step="1"
            value={props.startMs === null ? "" : toLocalInput(props.startMs)}
            onChange={(event) => props.onStart(fromLocalInput(event.currentTarget.value))}
            data-testid="export-start"
          />
        </label>
        <label>
          End
          <input
            type="datetime-local"
            step="1"
            value={props.endMs === null ? "" : toLocalInput(props.endMs)}
            onChange={(event) => props.onEnd(fromLocalInput(event.currentTarget.value))}
            data-testid="export-end"
          />
        </label>
        <span class="muted export-length">{length()}</span>
        <button
          type="submit"
          class="primary"
          disabled={isBusy(state())}
          data-testid="export-button"
        >
          Export
        </button>
        <Show when={state().kind === "running"}>
          <button type="button" onClick={() => void run.cancel()} data-testid="export-cancel">
            Cancel
          </button>
        </Show>
      </div>
      <p class="muted export-hint">
        Shift+drag on the timeline, or [ and ] at the cursor, sets the range.
      </p>
      <Show when={problem()}>
        <p class="error" role="alert">{problem()}</p>
      </Show>
      <Switch>
        <Match when={state().kind === "submitting"}>
          <p class="muted">Starting the export…</p>
        </Match>
        <Match when={state().kind === "running" || state().kind === "cancelling"}>
          <div class="row export-progress">
            <progress max="1" value={job()?.progress ?? 0} data-testid="export-progress" />
            <span>
              {Math.round((job()?.progress ?? 0) * 100)} %
              {state().kind === "cancelling" ? " · cancelling…" : ""}
            </span>
          </div>
        </Match>
        <Match when={state().kind === "done" && job()}>
          {(done) => (
            <div class="row export-done" data-testid="export-done">
              <a
                href={done().file_url ?? "#"}
                download={fileName(done())}
                data-testid="export-download"
              >
                Download MP4 {sizeText(done().size_bytes)}
              </a>
              <a href={done().manifest_url ?? "#"} download="" data-testid="export-manifest">
                Signed manifest
              </a>
            </div>
          )}
        </Match>
        <Match when={state().kind === "failed"}>
          <p class="error" role="alert" data-testid="export-error">
            {(state() as { message: string }).message}
          </p>
        </Match>
        <Match when={state().kind === "cancelled"}>
          <p class="muted">The export was cancelled.</p>
        </Match>
      </Switch>
    </form>
  );
}
