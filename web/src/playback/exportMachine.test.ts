// The export state machine and its runner (submit, poll, cancel) against a fake API.
import { createRoot } from "solid-js";
import { ApiError } from "../api/client";
import {
  createExportRun,
  exportReducer,
  rangeProblem,
  type ExportApi,
  type ExportJob,
  type ExportState,
} from "./exportMachine";

function job(state: string, extra: Partial<ExportJob> = {}): ExportJob {
  const done = state === "done";
  return {
    id: "e1",
    camera_id: "cam1",
    stream: "main",
    start_ms: 1000,
    end_ms: 21000,
    state,
    progress: done ? 1 : 0.25,
    requested_by: "alice",
    created_ms: 0,
    finished_ms: null,
    media_start_ms: null,
    size_bytes: done ? 2048 : null,
    sha256: null,
    error: null,
    file_url: done ? "/api/v1/exports/e1/file" : null,
    manifest_url: done ? "/api/v1/exports/e1/manifest" : null,
    ...extra,
  };
}

describe("exportReducer", () => {
  const idle: ExportState = { kind: "idle" };

  it("goes idle -> submitting -> running -> done", () => {
    let state = exportReducer(idle, { type: "submit" });
    expect(state.kind).toBe("submitting");
    state = exportReducer(state, { type: "job", job: job("queued") });
    expect(state.kind).toBe("running");
    state = exportReducer(state, { type: "job", job: job("running") });
    expect(state.kind).toBe("running");
    state = exportReducer(state, { type: "job", job: job("done") });
    expect(state).toMatchObject({ kind: "done", job: { file_url: "/api/v1/exports/e1/file" } });
  });

  it("reports the server's words on failure", () => {
    const submitting = exportReducer(idle, { type: "submit" });
    const message = "cam1 has no recording between 1000 and 21000";
    const refused = exportReducer(submitting, { type: "error", message });
    expect(refused).toEqual({ kind: "failed", message });
    const running: ExportState = { kind: "running", job: job("running") };
    const failedJob = job("failed", { error: "no space left" });
    const failed = exportReducer(running, { type: "job", job: failedJob });
    expect(failed).toMatchObject({ kind: "failed", message: "no space left" });
  });

  it("cancels a running job only", () => {
    const running: ExportState = { kind: "running", job: job("running") };
    const cancelling = exportReducer(running, { type: "cancel" });
    expect(cancelling.kind).toBe("cancelling");
    expect(exportReducer(cancelling, { type: "job", job: job("running") }).kind).toBe("cancelling");
    const cancelled = exportReducer(cancelling, { type: "job", job: job("cancelled") });
    expect(cancelled.kind).toBe("cancelled");
    expect(exportReducer(idle, { type: "cancel" })).toBe(idle);
  });

  it("ignores a second submit, late answers and answers about another job", () => {
    const running: ExportState = { kind: "running", job: job("running") };
    expect(exportReducer(running, { type: "submit" })).toBe(running);
    expect(exportReducer(running, { type: "reset" })).toBe(running);
    const other = job("done", { id: "other" });
    expect(exportReducer(running, { type: "job", job: other })).toBe(running);
    const done: ExportState = { kind: "done", job: job("done") };
    expect(exportReducer(done, { type: "job", job: job("running") })).toBe(done);
    expect(exportReducer(done, { type: "error", message: "late" })).toBe(done);
    expect(exportReducer(done, { type: "reset" })).toEqual({ kind: "idle" });
  });

  it("validates the range before asking", () => {
    expect(rangeProblem(null, 5)).toMatch(/both/);
    expect(rangeProblem(5, 5)).toMatch(/after/);
    expect(rangeProblem(5, 6)).toBeNull();
  });
});

describe("createExportRun", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function fakeApi(answers: ExportJob[]): ExportApi & { polls: number } {
    const api = {
      polls: 0,
      create: vi.fn(async () => job("queued")),
      get: vi.fn(async () => {
        api.polls += 1;
        return answers.shift() ?? job("done");
      }),
      cancel: vi.fn(async () => job("running")),
    };
    return api;
  }

  it("polls until the job is done, then stops", async () => {
    const api = fakeApi([job("running", { progress: 0.5 }), job("done")]);
    await createRoot(async (dispose) => {
      const run = createExportRun(api, 1000);
      await run.start(1000, 21000);
      expect(api.create).toHaveBeenCalledWith(1000, 21000);
      expect(run.state().kind).toBe("running");
      await vi.advanceTimersByTimeAsync(1000);
      expect(run.state()).toMatchObject({ kind: "running", job: { progress: 0.5 } });
      await vi.advanceTimersByTimeAsync(1000);
      expect(run.state().kind).toBe("done");
      await vi.advanceTimersByTimeAsync(5000);
      expect(api.polls).toBe(2);
      dispose();
    });
  });

  it("shows the server's problem when the export is refused", async () => {
    const api = fakeApi([]);
    api.create = vi.fn(async () => {
      throw new ApiError(422, { detail: "the range is 90000 s long; at most 86400 s" });
    });
    await createRoot(async (dispose) => {
      const run = createExportRun(api, 1000);
      await run.start(0, 90_000_000);
      const message = "the range is 90000 s long; at most 86400 s";
      expect(run.state()).toEqual({ kind: "failed", message });
      await vi.advanceTimersByTimeAsync(5000);
      expect(api.polls).toBe(0);
      dispose();
    });
  });

  it("cancels, and a cancel that lost the race (409) waits for the poll", async () => {
    const api = fakeApi([job("running"), job("cancelled")]);
    await createRoot(async (dispose) => {
      const run = createExportRun(api, 1000);
      await run.start(1000, 21000);
      api.cancel = vi.fn(async () => {
        throw new ApiError(409, { detail: "export e1 has already ended (done)" });
      });
      await run.cancel();
      expect(run.state().kind).toBe("cancelling");
      await vi.advanceTimersByTimeAsync(2000);
      expect(run.state().kind).toBe("cancelled");
      dispose();
    });
  });

  it("stops polling when disposed", async () => {
    const api = fakeApi([job("running"), job("running"), job("running")]);
    await createRoot(async (dispose) => {
      const run = createExportRun(api, 1000);
      await run.start(1000, 21000);
      run.dispose();
      await vi.advanceTimersByTimeAsync(5000);
      expect(api.polls).toBe(0);
      dispose();
    });
  });
});
