// Events from rules: their rule, track, direction and counts in the list and the detail view, the
// cropped thumbnail in the list, and the object's path drawn over the snapshot.
import { screen, waitFor, within } from "@solidjs/testing-library";
import { server } from "../settings/fakeServer";
import type { EventOut } from "./eventsApi";
import { formatRule, listPicture, ruleFacts } from "./format";
import { pointsAttribute, scalePath } from "./path";
import { cameraBody, eventBody, FakeEventSource, renderEvents, T0 } from "./testSupport";

vi.mock("../api/client", async (importOriginal) => (await import("../settings/fakeServer")).withFakeClient(await importOriginal()));

const crossing = eventBody("e7", T0, {
  label: "person",
  zones: ["Gate"],
  rule: "Gate in",
  rule_kind: "line",
  track_id: 12,
  direction: "a_to_b",
  counts: { in: 3, out: 1 },
  peak_count: null,
  path: [
    [T0 + 400, 0.5, 0.9],
    [T0, 0.1, 0.2],
    [T0 + 200, 0.3, 0.5],
  ],
  has_thumbnail: true,
});

beforeEach(() => {
  server.reset();
  FakeEventSource.instances = [];
  vi.stubGlobal("EventSource", FakeEventSource);
  server.on("GET", "/api/v1/cameras", { body: [cameraBody("cam1", "Yard")] });
  server.on("GET", "/api/v1/events/labels", { body: ["person"] });
  server.on("GET", "/api/v1/cameras/cam1/zones", { body: [] });
  server.on("GET", "/api/v1/cameras/cam1/rules", { body: { rules: [], issues: [], timezone: "UTC" } });
});
afterEach(() => vi.unstubAllGlobals());

describe("rule event facts", () => {
  it("reads rule, track, direction and counts; motion events have none", () => {
    expect(ruleFacts(crossing).map((fact) => fact.text)).toEqual(["Gate in (line crossing)", "track #12", "A→B (in)", "in 3 · out 1"]);
    expect(ruleFacts(eventBody("m", T0))).toEqual([]);
    const crowd = eventBody("c", T0, { rule: "Crowd", rule_kind: "count", peak_count: 5, track_id: null });
    expect(ruleFacts(crowd).map((fact) => fact.text)).toEqual(["Crowd (count)", "peak 5"]);
    expect(formatRule(eventBody("x", T0, { rule: "Odd", rule_kind: null }))).toBe("Odd");
  });

  it("shows the thumbnail in the list when there is one, else the snapshot", () => {
    expect(listPicture(crossing)).toBe("/api/v1/events/e7/thumbnail.jpg");
    expect(listPicture(eventBody("m", T0))).toBe("/api/v1/events/m/snapshot.jpg");
    expect(listPicture(eventBody("n", T0, { has_thumbnail: false, snapshot_url: null }))).toBeNull();
  });
});

describe("scalePath", () => {
  it("puts the path on the picture's pixels in time order, clamped to the picture", () => {
    const points = scalePath(crossing.path, { width: 1000, height: 500 });
    expect(points).toEqual([
      [100, 100],
      [300, 250],
      [500, 450],
    ]);
    expect(scalePath([[0, -0.1, 1.2]], { width: 100, height: 100 })).toEqual([[0, 100]]);
    expect(scalePath(undefined, { width: 100, height: 100 })).toEqual([]);
    expect(scalePath([[0, Number.NaN, 0.5]], { width: 100, height: 100 })).toEqual([]);
    expect(pointsAttribute([[1.234, 5], [10, 20.06]])).toBe("1.2,5 10,20.1");
  });
});

describe("rule events on the pages", () => {
  it("lists a crossing with its rule, track, direction, counts and thumbnail", async () => {
    server.on("GET", "/api/v1/events", { body: { events: [crossing], next_cursor: null } });
    await renderEvents("/events");
    const item = await screen.findByTestId("event-item");
    expect(within(item).getByTestId("event-rule").textContent).toBe("Gate in (line crossing)");
    expect(within(item).getByTestId("event-track").textContent).toBe("track #12");
    expect(within(item).getByTestId("event-direction").textContent).toBe("A→B (in)");
    expect(within(item).getByTestId("event-counts").textContent).toBe("in 3 · out 1");
    expect(within(item).getByTestId("event-thumbnail").getAttribute("src")).toBe("/api/v1/events/e7/thumbnail.jpg");
  });

  it("draws the path over the snapshot in the detail view", async () => {
    server.on("GET", "/api/v1/events/e7", { body: crossing });
    server.on("GET", "/api/v1/events", { body: { events: [], next_cursor: null } });
    await renderEvents("/events/e7");
    const path = await screen.findByTestId("event-path");
    expect(path.getAttribute("viewBox")).toBe("0 0 1280 720");
    expect(path.querySelector("polyline")?.getAttribute("points")).toBe("128,144 384,360 640,648");
    await waitFor(() => expect(screen.getByTestId("event-detail-direction").textContent).toBe("A→B (in)"));
    expect(screen.getByTestId("event-detail-rule").textContent).toBe("Gate in (line crossing)");
  });

  it("draws no path for an event without one", async () => {
    const motion: EventOut = eventBody("e8", T0);
    server.on("GET", "/api/v1/events/e8", { body: motion });
    server.on("GET", "/api/v1/events", { body: { events: [], next_cursor: null } });
    await renderEvents("/events/e8");
    await screen.findByTestId("event-snapshot");
    expect(screen.queryByTestId("event-path")).toBeNull();
    expect(screen.queryByTestId("event-detail-rule")).toBeNull();
  });
});
