import { server } from "../fakeServer";
import { screen, waitFor } from "@solidjs/testing-library";
import { renderSettings } from "../testRender";

vi.mock("../../api/client", async (importOriginal) => (await import("../fakeServer")).withFakeClient(await importOriginal()));

const camera = (id: string, enabled = true, motion = false) => ({
  id,
  name: id.toUpperCase(),
  main_url: `rtsp://192.0.2.1/${id}`,
  has_password: false,
  transport: "tcp",
  enabled,
  record: true,
  record_stream: "main",
  motion,
});

const status = (id: string, state: string) => ({
  camera_id: id,
  enabled: true,
  streams: [{ stream: "main", state, reconnects: 0, codec: "h264", width: 1280, height: 720, fps: 25, bitrate_bps: 2e6 }],
});

beforeEach(() => server.reset());

describe("the camera list", () => {
  it("shows each camera's state and video", async () => {
    server.on("GET", "/api/v1/cameras", { body: [camera("door", true, true), camera("yard"), camera("old", false)] });
    server.on("GET", "/api/v1/cameras/door/status", { body: status("door", "streaming") });
    server.on("GET", "/api/v1/cameras/yard/status", { body: { ...status("yard", "reconnecting"), streams: [{ stream: "main", state: "reconnecting", reconnects: 3, last_error: "connection refused" }] } });
    server.on("GET", "/api/v1/cameras/old/status", { body: { camera_id: "old", enabled: false, streams: [] } });
    await renderSettings("/settings/cameras");

    await waitFor(() => expect(screen.getByTestId("camera-state-door").textContent).toBe("online"));
    expect(screen.getByTestId("camera-state-yard").textContent).toBe("reconnecting");
    expect(screen.getByText("connection refused")).toBeTruthy();
    expect(screen.getByTestId("camera-state-old").textContent).toBe("disabled");
    expect(screen.getByTestId("camera-row-door").textContent).toContain("h264 1280×720 · 25.0 fps · 2 Mbit/s");
    expect(screen.getByTestId("camera-motion-door").textContent).toBe("on");
    expect(screen.getByTestId("camera-motion-yard").textContent).toBe("off");
    expect(screen.getByTestId("add-camera").getAttribute("href")).toBe("/settings/cameras/new");
    expect(screen.getByTestId("edit-camera-door").getAttribute("href")).toBe("/settings/cameras/edit/door");
  });

  it("is read-only for viewers", async () => {
    server.on("GET", "/api/v1/cameras", { body: [camera("door")] });
    server.on("GET", "/api/v1/cameras/door/status", { body: status("door", "streaming") });
    await renderSettings("/settings/cameras", "viewer");
    await screen.findByTestId("camera-row-door");
    expect(screen.queryByTestId("add-camera")).toBeNull();
    expect(screen.queryByTestId("edit-camera-door")).toBeNull();
  });

  it("says when the list cannot be read", async () => {
    server.on("GET", "/api/v1/cameras", { status: 503, body: { status: 503, detail: "the database is unavailable" } });
    await renderSettings("/settings/cameras");
    expect((await screen.findByRole("alert")).textContent).toContain("the database is unavailable");
  });
});
