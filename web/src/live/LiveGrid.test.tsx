import { fireEvent, render, screen, waitFor } from "@solidjs/testing-library";

interface Call {
  method: string;
  path: string;
  body: unknown;
}

// A fake server behind the API client (Node's Request needs absolute URLs: a base is given).
const server = vi.hoisted(() => {
  const state = {
    calls: [] as Call[],
    down: false,
    cameras: [] as unknown[],
    preferences: { grid_layout: 4, grid_cameras: [] as string[] },
    status: (_id: string): unknown => ({ camera_id: _id, enabled: true, streams: [] }),
  };
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    if (state.down) return json({ title: "Service Unavailable", detail: "database locked" }, 503);
    const request = input instanceof Request ? input : new Request(String(input), init);
    const path = new URL(request.url, "http://vms.test").pathname;
    const text = request.method === "GET" ? "" : await request.text();
    state.calls.push({ method: request.method, path, body: text ? JSON.parse(text) : null });
    if (path === "/api/v1/auth/session") {
      const user = { id: 1, username: "ann", role: "viewer" };
      return json({ user, preferences: state.preferences });
    }
    if (path === "/api/v1/auth/preferences") return json(JSON.parse(text));
    if (path === "/api/v1/cameras") return json(state.cameras);
    const status = /^\/api\/v1\/cameras\/([^/]+)\/status$/.exec(path);
    if (status?.[1]) return json(state.status(decodeURIComponent(status[1])));
    return json({ title: "Not Found", status: 404, detail: `no ${path}` }, 404);
  };
  return Object.assign(state, { fetch });
});

vi.mock("../api/client", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../api/client")>();
  const { default: createClient } = await import("openapi-fetch");
  return { ...actual, api: createClient({ baseUrl: "http://vms.test", fetch: server.fetch }) };
});

// Players need a real browser; here a tile's video is a marker that says what it would play.
vi.mock("./LiveVideo", () => ({
  default: (props: { cameraId: string; stream: string }) => (
    <div data-testid="fake-video" data-camera={props.cameraId} data-stream={props.stream} />
  ),
}));

import { createMemoryHistory, MemoryRouter, Route } from "@solidjs/router";
import { loadSession } from "../auth/session";
import LiveGrid from "./LiveGrid";

function camera(id: string, sub = true) {
  return {
    id,
    name: `Camera ${id}`,
    main_url: `rtsp://sim/${id}/main`,
    sub_url: sub ? `rtsp://sim/${id}/sub` : null,
    has_password: false,
    transport: "tcp",
    enabled: true,
    record: true,
    record_stream: "main",
  };
}

function renderGrid() {
  const history = createMemoryHistory();
  history.set({ value: "/live", scroll: false, replace: true });
  return render(() => (
    <MemoryRouter history={history}>
      <Route path="/live" component={LiveGrid} />
    </MemoryRouter>
  ));
}

const tileIds = () => screen.queryAllByTestId("live-tile").map((tile) => tile.dataset.camera);

beforeEach(() => {
  server.calls = [];
  server.down = false;
  server.cameras = ["c1", "c2", "c3", "c4", "c5", "c6"].map((id) => camera(id, id !== "c6"));
  server.preferences = { grid_layout: 4, grid_cameras: ["c5", "c6"] };
  server.status = (id) => ({
    camera_id: id,
    enabled: true,
    streams: [
      {
        stream: "sub",
        state: id === "c5" ? "reconnecting" : "streaming",
        reconnects: 1,
        last_error: id === "c5" ? "connection refused" : null,
        last_packet_ms: Date.now() - 1000,
        recorder: null,
      },
      {
        stream: "main",
        state: "streaming",
        reconnects: 0,
        recorder: { state: "recording", bytes_written: 1, segments_closed: 0 },
      },
    ],
  });
});

describe("LiveGrid", () => {
  test("restores the saved layout and page, and shows each camera's state", async () => {
    await loadSession();
    renderGrid();
    await waitFor(() => expect(tileIds()).toEqual(["c5", "c6"]));
    expect(screen.getByTestId("live-grid").dataset.layout).toBe("4");
    expect(screen.getByTestId("page-label").textContent).toBe("Page 2 of 2");
    const videos = screen
      .getAllByTestId("fake-video")
      .map((v) => [v.dataset.camera, v.dataset.stream]);
    expect(videos).toEqual([
      ["c5", "sub"],
      ["c6", "main"], // no sub stream
    ]);
    const [c5, c6] = screen.getAllByTestId("live-tile");
    await waitFor(() => expect(c5?.dataset.health).toBe("reconnecting"));
    expect(c5?.textContent).toContain("connection refused");
    expect(c5?.getAttribute("href")).toBe("/live/c5");
    expect(c6?.dataset.health).toBe("online");
    expect(c6?.querySelector("[data-testid=camera-recording]")?.textContent).toBe("REC");
  });

  test("a new layout is saved with the cameras on screen", async () => {
    await loadSession();
    renderGrid();
    await waitFor(() => expect(tileIds()).toHaveLength(2));
    fireEvent.click(screen.getByTestId("layout-9"));
    expect(tileIds()).toEqual(["c1", "c2", "c3", "c4", "c5", "c6"]);
    expect(screen.getByTestId("layout-9").getAttribute("aria-pressed")).toBe("true");
    expect(screen.queryByTestId("page-label")).toBeNull();
    await waitFor(() => {
      const saved = server.calls.filter((c) => c.method === "PUT");
      expect(saved.map((c) => c.body)).toEqual([
        { grid_layout: 9, grid_cameras: ["c1", "c2", "c3", "c4", "c5", "c6"] },
      ]);
    });
    fireEvent.click(screen.getByTestId("layout-1"));
    expect(tileIds()).toEqual(["c1"]);
    fireEvent.click(screen.getByTestId("page-next"));
    expect(tileIds()).toEqual(["c2"]);
    expect(screen.getByTestId("page-label").textContent).toBe("Page 2 of 6");
  });

  test("says so when there are no cameras, or when they cannot be loaded", async () => {
    server.cameras = [];
    const { unmount } = renderGrid();
    await screen.findByTestId("no-cameras");
    unmount();
    server.down = true;
    renderGrid();
    expect((await screen.findByTestId("cameras-error")).textContent).toContain("database locked");
  });
});
