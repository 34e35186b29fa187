// Timeline data: the recording in progress is marked and refreshed every couple of seconds.
import { server } from "../settings/fakeServer";
import { fetchTimeline, LIVE_REFRESH_MS, needsFetch, REFRESH_MS, type TimelineData } from "./timelineData";

vi.mock("../api/client", async (importOriginal) => (await import("../settings/fakeServer")).withFakeClient(await importOriginal()));

const T0 = Date.UTC(2026, 10, 25, 10);
const HOUR = 3_600_000;

beforeEach(() => server.reset());

describe("fetchTimeline", () => {
  it("marks the interval still being written", async () => {
    server.on("GET", "/api/v1/cameras/cam1/timeline", () => ({
      body: {
        camera_id: "cam1",
        stream: "main",
        start_ms: T0,
        end_ms: T0 + HOUR,
        recorded: [
          { start_ms: T0, end_ms: T0 + 60_000, in_progress: false },
          { start_ms: T0 + 90_000, end_ms: T0 + 120_000, in_progress: true },
        ],
        gaps: [{ start_ms: T0 + 60_000, end_ms: T0 + 90_000, cause: "camera_offline" }],
        bucket_ms: null,
        buckets: [],
      },
    }));
    const data = await fetchTimeline("cam1", "main", { startMs: T0, endMs: T0 + HOUR }, T0 + 121_000);
    expect(data.recorded).toEqual([
      { startMs: T0, endMs: T0 + 60_000 },
      { startMs: T0 + 90_000, endMs: T0 + 120_000, inProgress: true },
    ]);
    expect(data.growing).toBe(true);
  });
});

describe("needsFetch with a recording in progress", () => {
  const view = { startMs: T0, spanMs: HOUR / 2 };
  const data: TimelineData = {
    startMs: T0 - HOUR,
    endMs: T0 + HOUR,
    fetchedAtMs: T0 + HOUR / 2,
    recorded: [],
    gaps: [],
  };
  it("refreshes every couple of seconds while the live edge moves, else every REFRESH_MS", () => {
    const later = T0 + HOUR / 2 + LIVE_REFRESH_MS;
    expect(needsFetch(data, view, later)).toBe(false);
    expect(needsFetch({ ...data, growing: true }, view, later)).toBe(true);
    expect(needsFetch(data, view, T0 + HOUR / 2 + REFRESH_MS)).toBe(true);
  });
});
