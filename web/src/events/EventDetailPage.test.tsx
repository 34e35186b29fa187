// The event view against the fake API: facts, snapshot, clip, playback link, older/newer events
// within the filters, live updates, and a missing event.
import { fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { server, type FakeRequest } from "../settings/fakeServer";
import { clipRange } from "./EventDetailPage";
import { cameraBody, eventBody, FakeEventSource, renderEvents, T0 } from "./testSupport";

vi.mock("../api/client", async (importOriginal) => (await import("../settings/fakeServer")).withFakeClient(await importOriginal()));

const HOUR = 3_600_000;
const older = eventBody("e1", T0 - 600_000);
const shown = eventBody("e2", T0, { end_ms: T0 + 65_000, score: 0.5, zones: ["Yard"] });
const newer = eventBody("e3", T0 + 900_000);

/** GET /events as the server answers it: newest first within [start, end), `limit` of them. */
function search(all: typeof shown[]) {
  return ({ query }: FakeRequest) => {
    const start = Number(query.get("start") ?? -Infinity);
    const end = Number(query.get("end") ?? Infinity);
    const limit = Number(query.get("limit") ?? 50);
    const oldestFirst = query.get("order") === "oldest";
    const inside = all
      .filter((e) => e.start_ms >= start && e.start_ms < end)
      .sort((a, b) => (oldestFirst ? a.start_ms - b.start_ms : b.start_ms - a.start_ms));
    return { body: { events: inside.slice(0, limit), next_cursor: null } };
  };
}

beforeEach(() => {
  server.reset();
  FakeEventSource.instances = [];
  vi.stubGlobal("EventSource", FakeEventSource);
  server.on("GET", "/api/v1/cameras", { body: [cameraBody("cam1", "Gate")] });
  server.on("GET", "/api/v1/events/e2", { body: shown });
});
afterEach(() => vi.unstubAllGlobals());

describe("<EventDetailPage>", () => {
  it("shows the snapshot, the facts, the clip and the way to playback", async () => {
    server.on("GET", "/api/v1/events", search([older, shown, newer]));
    server.on("GET", "/api/v1/cameras/cam1/timeline", { body: { recorded: [{ start_ms: T0 - HOUR, end_ms: T0 + HOUR }], gaps: [] } });
    await renderEvents("/events/e2");
    const facts = await screen.findByTestId("event-facts");
    await waitFor(() => expect(facts.textContent).toContain("Gate"));
    expect(facts.textContent).toContain("Yard");
    expect(facts.textContent).toContain("50%");
    expect(screen.getByTestId("event-detail-duration").textContent).toBe("1 min 5 s");
    expect(screen.getByTestId("event-snapshot").getAttribute("src")).toBe("/api/v1/events/e2/snapshot.jpg");
    expect(screen.getByTestId("open-in-playback").getAttribute("href")).toBe(`/playback/cam1?at=${T0}`);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("motion on Gate");
    // jsdom has no Media Source Extensions: the clip player says so instead of failing silently.
    const error = await screen.findByTestId("clip-error", {}, { timeout: 5000 });
    expect(error.textContent).toMatch(/cannot play/);
    expect(screen.getByTestId("clip-time").textContent).toBe("0:00 / 0:14");
    const timeline = server.calls("GET", "/api/v1/cameras/cam1/timeline")[0]!.query;
    expect([timeline.get("start"), timeline.get("end"), timeline.get("stream")]).toEqual([
      String(T0 - 5_000),
      String(T0 + 9_000),
      "main",
    ]);
  });

  it("waits for the recording of a recent event, on the camera's recorded stream", async () => {
    const recent = eventBody("e9", Date.now() - 20_000, { end_ms: null });
    server.on("GET", "/api/v1/cameras", { body: [{ ...cameraBody("cam1", "Gate"), record_stream: "sub" }] });
    server.on("GET", "/api/v1/events/e9", { body: recent });
    server.on("GET", "/api/v1/events", search([recent]));
    server.on("GET", "/api/v1/cameras/cam1/timeline", { body: { recorded: [], gaps: [] } });
    await renderEvents("/events/e9");
    await waitFor(() => expect(screen.getByTestId("clip-notice").textContent).toMatch(/not ready yet/));
    expect(server.calls("GET", "/api/v1/cameras/cam1/timeline")[0]?.query.get("stream")).toBe("sub");
    expect(screen.queryByTestId("clip-error")).toBeNull();
  });

  it("says when an old event's recording is gone", async () => {
    server.on("GET", "/api/v1/events", search([shown]));
    server.on("GET", "/api/v1/cameras/cam1/timeline", { body: { recorded: [], gaps: [] } });
    await renderEvents("/events/e2");
    await waitFor(() => expect(screen.getByTestId("clip-notice").textContent).toMatch(/no recording of this event/));
  });

  it("goes to the older and newer events of the same filters", async () => {
    server.on("GET", "/api/v1/events", search([older, shown, newer]));
    const { history } = await renderEvents("/events/e2?camera=cam1");
    const olderButton = (await screen.findByTestId("event-older")) as HTMLButtonElement;
    const newerButton = screen.getByTestId("event-newer") as HTMLButtonElement;
    await waitFor(() => expect(olderButton.disabled || newerButton.disabled).toBe(false));
    const calls = server.calls("GET", "/api/v1/events");
    expect(calls.every((call) => call.query.getAll("camera").join() === "cam1")).toBe(true);
    const olderCall = calls.find((call) => call.query.get("limit") === "1" && !call.query.has("order"));
    expect(olderCall?.query.get("end")).toBe(String(T0));
    const newerCall = calls.find((call) => call.query.get("order") === "oldest");
    expect(newerCall?.query.get("limit")).toBe("1");
    expect(newerCall?.query.get("start")).toBe(String(T0 + 1));
    expect(newerCall?.query.has("end")).toBe(false);
    expect(screen.getByTestId("back-to-events").getAttribute("href")).toBe("/events?camera=cam1");

    fireEvent.click(newerButton);
    await waitFor(() => expect(history.get()).toBe("/events/e3?camera=cam1"));
    server.on("GET", "/api/v1/events/e3", { body: newer });
    fireEvent.click(screen.getByTestId("back-to-events"));
    await waitFor(() => expect(history.get()).toBe("/events?camera=cam1"));
  });

  it("finds the newer event beyond the first hour", async () => {
    const later = eventBody("late", T0 + 5 * HOUR);
    server.on("GET", "/api/v1/events", search([shown, later]));
    await renderEvents("/events/e2");
    const newerButton = (await screen.findByTestId("event-newer")) as HTMLButtonElement;
    await waitFor(() => expect(newerButton.disabled).toBe(false));
    expect((screen.getByTestId("event-older") as HTMLButtonElement).disabled).toBe(true);
  });

  it("follows the event live and offers a newer one as it arrives", async () => {
    server.on("GET", "/api/v1/events", search([shown]));
    server.on("GET", "/api/v1/events/e2", { body: { ...shown, end_ms: null } });
    const { history } = await renderEvents("/events/e2");
    await waitFor(() => expect(screen.getByTestId("event-detail-duration").textContent).toBe("ongoing"));
    const source = FakeEventSource.latest();
    source.open();
    // The neighbours are looked up once: one search each.
    await waitFor(() => expect(server.calls("GET", "/api/v1/events")).toHaveLength(2));
    source.send("closed", { ...shown, end_ms: T0 + 4_000 });
    await waitFor(() => expect(screen.getByTestId("event-detail-duration").textContent).toBe("4 s"));
    await new Promise((resolve) => setTimeout(resolve, 50)); // room for requests that must not come
    expect(server.calls("GET", "/api/v1/events")).toHaveLength(2); // not again for an update
    const newerButton = screen.getByTestId("event-newer") as HTMLButtonElement;
    expect(newerButton.disabled).toBe(true);
    source.send("opened", eventBody("fresh", T0 + 30_000));
    await waitFor(() => expect(newerButton.disabled).toBe(false));
    fireEvent.click(newerButton);
    await waitFor(() => expect(history.get()).toBe("/events/fresh"));
  });

  it("says so when the event does not exist", async () => {
    server.on("GET", "/api/v1/events/gone", { status: 404, body: { status: 404, detail: "no event 'gone'" } });
    await renderEvents("/events/gone");
    expect((await screen.findByTestId("event-error")).textContent).toContain("no event 'gone'");
  });
});

describe("clipRange", () => {
  it("plays the clip, and an ongoing event up to now", () => {
    expect(clipRange(shown, T0 + HOUR)).toEqual({ startMs: T0 - 5_000, endMs: T0 + 9_000 });
    expect(clipRange({ ...shown, end_ms: null }, T0 + 20_000)).toEqual({ startMs: T0 - 5_000, endMs: T0 + 20_000 });
    expect(clipRange(shown, T0 + 2_000)).toEqual({ startMs: T0 - 5_000, endMs: T0 + 2_000 });
  });
});
