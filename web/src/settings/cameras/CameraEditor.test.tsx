import { server } from "../fakeServer";
import { fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { renderSettings } from "../testRender";

vi.mock("../../api/client", async (importOriginal) => (await import("../fakeServer")).withFakeClient(await importOriginal()));

const JPEG_BASE64 = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQ==";

function type(label: RegExp | string, value: string) {
  fireEvent.input(screen.getByLabelText(label), { target: { value } });
}

beforeEach(() => {
  server.reset();
  server.on("GET", "/api/v1/cameras", { body: [] });
});

describe("adding a camera", () => {
  it("tests the stream before saving and shows what the camera sends", async () => {
    server.on("POST", "/api/v1/cameras/probe", {
      body: {
        video: { codec: "h264", profile: "High", width: 1920, height: 1080, fps: 25 },
        audio: { codec: "aac", sample_rate: 48000, channels: 2 },
        snapshot_jpeg: JPEG_BASE64,
        elapsed_ms: 850,
      },
    });
    await renderSettings("/settings/cameras/new");
    type("Id", "door");
    type("Main stream URL", "rtsp://192.0.2.10/main");
    type("User name", "viewer");
    type("Password", "s3cret");
    fireEvent.click(screen.getByTestId("probe-button"));

    expect((await screen.findByTestId("probe-video-main")).textContent).toContain("h264 (High) 1920×1080 · 25 fps");
    expect(screen.getByText("aac 48 kHz stereo")).toBeTruthy();
    expect(screen.getByTestId("probe-snapshot-main").getAttribute("src")).toBe(`data:image/jpeg;base64,${JPEG_BASE64}`);
    expect(server.calls("POST", "/api/v1/cameras/probe")[0]?.body).toEqual({
      url: "rtsp://192.0.2.10/main",
      transport: "tcp",
      timeout_s: 10,
      username: "viewer",
      password: "s3cret",
    });
    expect(server.calls("POST", "/api/v1/cameras")).toHaveLength(0); // nothing saved
  });

  it("shows a failed test in the server's words", async () => {
    server.on("POST", "/api/v1/cameras/probe", {
      status: 422,
      body: { title: "Unprocessable Content", status: 422, detail: "the camera refused the user name or password" },
    });
    await renderSettings("/settings/cameras/new");
    type("Main stream URL", "rtsp://192.0.2.10/main");
    fireEvent.click(screen.getByTestId("probe-button"));
    expect((await screen.findByTestId("probe-error-main")).textContent).toContain("refused the user name or password");
  });

  it("checks the form before sending, then shows the server's field errors next to the fields", async () => {
    server.on("POST", "/api/v1/cameras", {
      status: 422,
      body: {
        title: "Unprocessable Content",
        status: 422,
        detail: "some fields of the request are invalid; see errors",
        errors: [{ location: "body", field: "main_url", detail: "no host in 'rtsp://x'" }],
      },
    });
    await renderSettings("/settings/cameras/new");
    fireEvent.click(screen.getByTestId("save-camera"));
    expect(await screen.findByTestId("error-id")).toBeTruthy();
    expect(screen.getByTestId("error-main_url").textContent).toContain("required");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Id")));
    expect(server.calls("POST", "/api/v1/cameras")).toHaveLength(0);

    type("Id", "door");
    type("Main stream URL", "rtsp://192.0.2.10/main");
    fireEvent.click(screen.getByTestId("save-camera"));
    expect(await screen.findByText("no host in 'rtsp://x'")).toBeTruthy();
    expect(screen.getByTestId("form-error").textContent).toContain("correct the marked fields");
  });

  it("saves and goes back to the list", async () => {
    server.on("POST", "/api/v1/cameras", ({ body }) => ({ status: 201, body: { ...(body as object), has_password: false } }));
    const { history } = await renderSettings("/settings/cameras/new");
    type("Id", "door");
    type("Main stream URL", "rtsp://192.0.2.10/main");
    type("Keep for (days)", "7");
    fireEvent.click(screen.getByTestId("save-camera"));
    await waitFor(() => expect(history.get()).toBe("/settings/cameras"));
    expect(server.calls("POST", "/api/v1/cameras")[0]?.body).toMatchObject({ id: "door", retention_days: 7 });
  });
});

describe("editing a camera", () => {
  const view = {
    id: "yard",
    name: "Yard",
    main_url: "rtsp://admin:***@192.0.2.20/main",
    sub_url: null,
    username: null,
    has_password: true,
    transport: "tcp",
    enabled: true,
    record: true,
    record_stream: "main",
    motion: false,
    detect: null,
    recording_mode: "continuous",
    pre_roll_s: 5,
    post_roll_s: 10,
    event_retention_days: 30,
    retention_days: null,
    retention_max_bytes: null,
  };

  beforeEach(() => {
    server.on("GET", "/api/v1/cameras/yard", { body: view });
  });

  it("sends only what changed, never the redacted URL", async () => {
    server.on("PATCH", "/api/v1/cameras/yard", ({ body }) => ({ body: { ...view, ...(body as object) } }));
    const { history } = await renderSettings("/settings/cameras/edit/yard");
    await waitFor(() => expect((screen.getByLabelText("Name") as HTMLInputElement).value).toBe("Yard"));
    expect((screen.getByLabelText("Id") as HTMLInputElement).disabled).toBe(true);
    type("Name", "Back yard");
    fireEvent.click(screen.getByLabelText("Record this camera"));
    fireEvent.click(screen.getByTestId("save-camera"));
    await waitFor(() => expect(history.get()).toBe("/settings/cameras"));
    expect(server.calls("PATCH", "/api/v1/cameras/yard")[0]?.body).toEqual({ name: "Back yard", record: false });
  });

  it("turns motion detection on", async () => {
    server.on("PATCH", "/api/v1/cameras/yard", ({ body }) => ({ body: { ...view, ...(body as object) } }));
    const { history } = await renderSettings("/settings/cameras/edit/yard");
    await waitFor(() => expect((screen.getByLabelText("Name") as HTMLInputElement).value).toBe("Yard"));
    const motion = screen.getByLabelText("Detect motion") as HTMLInputElement;
    expect(motion.checked).toBe(false);
    fireEvent.click(motion);
    fireEvent.click(screen.getByTestId("save-camera"));
    await waitFor(() => expect(history.get()).toBe("/settings/cameras"));
    expect(server.calls("PATCH", "/api/v1/cameras/yard")[0]?.body).toEqual({ motion: true });
  });

  it("chooses object detection and recording on events with its rolls", async () => {
    server.on("PATCH", "/api/v1/cameras/yard", ({ body }) => ({ body: { ...view, ...(body as object) } }));
    const { history } = await renderSettings("/settings/cameras/edit/yard");
    await waitFor(() => expect((screen.getByLabelText("Name") as HTMLInputElement).value).toBe("Yard"));
    const detect = screen.getByLabelText("Object detection") as HTMLSelectElement;
    expect(detect.value).toBe(""); // the site's default
    fireEvent.change(detect, { target: { value: "motion" } });
    expect(screen.queryByLabelText("Pre-roll (seconds)")).toBeNull(); // continuous: no rolls
    fireEvent.change(screen.getByLabelText("Recording"), { target: { value: "events" } });
    type("Pre-roll (seconds)", "120");
    fireEvent.click(screen.getByTestId("save-camera"));
    expect((await screen.findByTestId("error-pre_roll_s")).textContent).toContain("0 to 60");
    expect(server.calls("PATCH", "/api/v1/cameras/yard")).toHaveLength(0);
    type("Pre-roll (seconds)", "8");
    type("Keep events for (days)", "90");
    fireEvent.click(screen.getByTestId("save-camera"));
    await waitFor(() => expect(history.get()).toBe("/settings/cameras"));
    expect(server.calls("PATCH", "/api/v1/cameras/yard")[0]?.body).toEqual({
      detect: "motion",
      recording_mode: "events",
      pre_roll_s: 8,
      event_retention_days: 90,
    });
  });

  it("shows the server's error under the detection field", async () => {
    server.on("PATCH", "/api/v1/cameras/yard", {
      status: 422,
      body: {
        title: "Unprocessable Content",
        status: 422,
        detail: "some fields of the request are invalid; see errors",
        errors: [{ location: "body", field: "detect", detail: "Input should be 'off', 'motion' or 'always'" }],
      },
    });
    await renderSettings("/settings/cameras/edit/yard");
    await waitFor(() => expect((screen.getByLabelText("Name") as HTMLInputElement).value).toBe("Yard"));
    fireEvent.change(screen.getByLabelText("Object detection"), { target: { value: "always" } });
    fireEvent.click(screen.getByTestId("save-camera"));
    expect((await screen.findByTestId("error-detect")).textContent).toContain("'off', 'motion' or 'always'");
  });

  it("removes after a confirmation", async () => {
    server.on("DELETE", "/api/v1/cameras/yard", { status: 204 });
    const { history } = await renderSettings("/settings/cameras/edit/yard");
    fireEvent.click(await screen.findByTestId("remove-camera"));
    expect(server.calls("DELETE", "/api/v1/cameras/yard")).toHaveLength(0);
    fireEvent.click(screen.getByTestId("remove-camera-yes"));
    await waitFor(() => expect(history.get()).toBe("/settings/cameras"));
    expect(server.calls("DELETE", "/api/v1/cameras/yard")).toHaveLength(1);
  });

  it("says when the camera cannot be loaded", async () => {
    server.on("GET", "/api/v1/cameras/yard", { status: 404, body: { status: 404, detail: "no camera 'yard'" } });
    await renderSettings("/settings/cameras/edit/yard");
    expect(await screen.findByText(/no camera 'yard'/)).toBeTruthy();
  });
});
