// The export job as a state machine: pure transitions, then a runner that submits and polls.
import { createSignal, type Accessor } from "solid-js";
import { ApiError } from "../api/client";
import type { components } from "../api/schema";

export type ExportJob = components["schemas"]["ExportView"];

export type ExportState =
  | { kind: "idle" }
  | { kind: "submitting" }
  | { kind: "running"; job: ExportJob }
  | { kind: "cancelling"; job: ExportJob }
  | { kind: "done"; job: ExportJob }
  | { kind: "failed"; message: string; job?: ExportJob }
  | { kind: "cancelled"; job: ExportJob };

export type ExportEvent =
  | { type: "submit" }
  | { type: "cancel" }
  | { type: "job"; job: ExportJob }
  | { type: "error"; message: string }
  | { type: "reset" };

/** Whether a job is under way (a new one may not start, the page polls). */
export function isBusy(state: ExportState): boolean {
  return state.kind === "submitting" || state.kind === "running" || state.kind === "cancelling";
}

function fromJob(job: ExportJob, cancelling: boolean): ExportState {
  switch (job.state) {
    case "done":
      return { kind: "done", job };
    case "failed":
      return { kind: "failed", message: job.error ?? "The export failed.", job };
    case "cancelled":
      return { kind: "cancelled", job };
    default: // queued, running
      return cancelling ? { kind: "cancelling", job } : { kind: "running", job };
  }
}

export function exportReducer(state: ExportState, event: ExportEvent): ExportState {
  switch (event.type) {
    case "submit":
      return isBusy(state) ? state : { kind: "submitting" };
    case "cancel":
      return state.kind === "running" ? { kind: "cancelling", job: state.job } : state;
    case "job":
      if (state.kind === "submitting") return fromJob(event.job, false);
      if (state.kind === "running" || state.kind === "cancelling") {
        if (state.job.id !== event.job.id) return state;
        return fromJob(event.job, state.kind === "cancelling");
      }
      return state; // a late poll answer after the job ended or the form was reset
    case "error": {
      if (!isBusy(state)) return state;
      const job = "job" in state ? state.job : undefined;
      return { kind: "failed", message: event.message, job };
    }
    case "reset":
      return isBusy(state) ? state : { kind: "idle" };
  }
}

/** Validation before asking the server (it checks the rest and words its own errors). */
export function rangeProblem(startMs: number | null, endMs: number | null): string | null {
  if (startMs === null || endMs === null) return "Set both the start and the end of the range.";
  if (endMs <= startMs) return "The end must be after the start.";
  return null;
}

/** What the runner needs from the API (injected, so tests drive it without a server). */
export interface ExportApi {
  create(startMs: number, endMs: number): Promise<ExportJob>;
  get(id: string): Promise<ExportJob>;
  cancel(id: string): Promise<ExportJob>;
}

export interface ExportRun {
  state: Accessor<ExportState>;
  start(startMs: number, endMs: number): Promise<void>;
  cancel(): Promise<void>;
  reset(): void;
  dispose(): void;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Submit an export and poll it every `pollMs` until it ends; `dispose` stops polling. */
export function createExportRun(api: ExportApi, pollMs = 1_000): ExportRun {
  const [state, setState] = createSignal<ExportState>({ kind: "idle" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  const send = (event: ExportEvent) => setState((s) => exportReducer(s, event));

  const schedule = (id: string) => {
    if (disposed || !isBusy(state())) return;
    timer = setTimeout(async () => {
      timer = undefined;
      try {
        send({ type: "job", job: await api.get(id) });
      } catch (error) {
        send({ type: "error", message: message(error) });
      }
      schedule(id);
    }, pollMs);
  };

  return {
    state,
    async start(startMs, endMs) {
      if (isBusy(state())) return;
      send({ type: "submit" });
      try {
        const job = await api.create(startMs, endMs);
        send({ type: "job", job });
        schedule(job.id);
      } catch (error) {
        send({ type: "error", message: message(error) });
      }
    },
    async cancel() {
      const current = state();
      if (current.kind !== "running") return;
      send({ type: "cancel" });
      try {
        send({ type: "job", job: await api.cancel(current.job.id) });
      } catch (error) {
        // 409: it ended meanwhile; the next poll reports how.
        if (!(error instanceof ApiError && error.status === 409)) {
          send({ type: "error", message: message(error) });
        }
      }
    },
    reset() {
      send({ type: "reset" });
    },
    dispose() {
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
