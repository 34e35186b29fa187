// The page with a fake API: default camera, its recorded stream, the timeline and a player error.
import { createMemoryHistory, MemoryRouter, Route } from "@solidjs/router";
import { render, screen, waitFor } from "@solidjs/testing-library";
import PlaybackPage, { parseAt } from "./PlaybackPage";

// vi.mock factories are hoisted above the imports: what they use must be hoisted too.
const { NOW, calls } = vi.hoisted(() => ({
  NOW: Date.now(),
  calls: [] as Array<{ path: string; query?: Record<string, string> }>,
}));

vi.mock("../api/client", () => {
  const cameras = [
    { id: "cam1", name: "Gate", record_stream: "sub" },
    { id: "cam2", name: "Yard", record_stream: "main" },
  ];
  const timeline = {
    recorded: [{ start_ms: NOW - 600_000, end_ms: NOW - 60_000 }],
    gaps: [{ start_ms: NOW - 60_000, end_ms: NOW, cause: "camera_offline" }],
  };
  type Query = Record<string, string>;
  return {
    api: {
      GET: vi.fn(async (path: string, options?: { params?: { query?: Query } }) => {
        calls.push({ path, query: options?.params?.query });
        const events = { events: [], next_cursor: null };
        const data = path === "/api/v1/cameras" ? cameras : path === "/api/v1/events" ? events : timeline;
        return { data, response: { ok: true, status: 200 } };
      }),
    },
    unwrap: (result: { data: unknown }) => result.data,
    apiFetch: vi.fn(),
    ApiError: class extends Error {},
  };
});
vi.mock("../auth/session", () => ({
  hasRole: () => true,
  session: () => ({ user: { id: 1, username: "alice", role: "operator" } }),
}));

function renderAt(path: string) {
  const history = createMemoryHistory();
  history.set({ value: path });
  return render(() => (
    <MemoryRouter history={history}>
      <Route path="/playback/:cameraId?" component={PlaybackPage} />
    </MemoryRouter>
  ));
}

describe("<PlaybackPage>", () => {
  beforeEach(() => {
    calls.length = 0;
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
  });
  afterEach(() => vi.restoreAllMocks());

  it("opens the first camera's recorded stream at its latest recording", async () => {
    renderAt("/playback");
    const picker = (await screen.findByTestId("camera-picker")) as HTMLSelectElement;
    expect([...picker.options].map((o) => o.textContent)).toEqual(["Gate", "Yard"]);
    await waitFor(() => expect(picker.value).toBe("cam1"));
    const timeline = await waitFor(() => {
      const call = calls.find((c) => c.path.endsWith("/timeline"));
      expect(call).toBeDefined();
      return call!;
    });
    expect(timeline.query).toMatchObject({ stream: "sub", bucket: "none" });
    expect(calls.find((c) => c.path === "/api/v1/events")?.query).toMatchObject({ camera: ["cam1"] });
    const track = screen.getByTestId("timeline-track");
    await waitFor(() => expect(track.getAttribute("aria-valuenow")).not.toBeNull());
    const cursor = Number(track.getAttribute("aria-valuenow"));
    expect(cursor).toBe(NOW - 60_000 - 30_000); // 30 s before the end of the latest recording
    expect(screen.getByTestId("export-panel")).toBeTruthy();
    // jsdom has no Media Source Extensions: the player says so instead of failing silently.
    const error = await screen.findByTestId("player-error", {}, { timeout: 5000 });
    expect(error.textContent).toMatch(/cannot play/);
  });

  it("says so when the camera in the address does not exist", async () => {
    renderAt("/playback/nope");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("There is no camera “nope”");
  });
});

describe("parseAt", () => {
  it("reads unix milliseconds and ISO-8601", () => {
    expect(parseAt("1795600000000")).toBe(1795600000000);
    expect(parseAt("2026-11-25T10:00:00Z")).toBe(Date.UTC(2026, 10, 25, 10));
    expect(parseAt("soon")).toBeNull();
    expect(parseAt(undefined)).toBeNull();
  });
});
