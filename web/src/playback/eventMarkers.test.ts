// Event markers for the playback timeline: the shape, when to fetch, and paging.
import { server } from "../settings/fakeServer";
import { eventBody, T0 } from "../events/testSupport";
import { createRoot, createSignal } from "solid-js";
import { waitFor } from "@solidjs/testing-library";
import { createEventMarkers, fetchMarkers, toMarker, type MarkerData } from "./eventMarkers";
import { needsFetch, REFRESH_MS } from "./timelineData";

vi.mock("../api/client", async (importOriginal) => (await import("../settings/fakeServer")).withFakeClient(await importOriginal()));

const HOUR = 3_600_000;

beforeEach(() => server.reset());

describe("toMarker", () => {
  it("marks the event's start with its label, zones, snapshot and kind", () => {
    expect(toMarker(eventBody("e1", T0, { zones: ["Yard", "Gate"] }))).toEqual({
      id: "e1",
      atMs: T0,
      label: "motion · Yard, Gate",
      thumbnailUrl: "/api/v1/events/e1/snapshot.jpg",
      kind: "motion",
    });
    const bare = toMarker(eventBody("e2", T0, { zones: [], snapshot_url: null, label: "person" }));
    expect([bare.label, bare.thumbnailUrl, bare.kind]).toEqual(["person", undefined, "person"]);
  });
});

describe("needsFetch", () => {
  const data: MarkerData = { startMs: T0 - HOUR, endMs: T0 + HOUR, fetchedAtMs: T0 + HOUR, markers: [] };
  it("fetches first, outside the loaded range, and again while the range holds now", () => {
    expect(needsFetch(null, { startMs: T0, spanMs: HOUR }, T0)).toBe(true);
    expect(needsFetch(data, { startMs: T0 - HOUR / 2, spanMs: HOUR }, T0 + HOUR)).toBe(false);
    expect(needsFetch(data, { startMs: T0 + HOUR / 2, spanMs: HOUR }, T0 + HOUR)).toBe(true);
    expect(needsFetch(data, { startMs: T0, spanMs: HOUR / 2 }, T0 + HOUR + REFRESH_MS)).toBe(true);
    const past = { ...data, fetchedAtMs: T0 + 10 * HOUR };
    expect(needsFetch(past, { startMs: T0, spanMs: HOUR / 2 }, T0 + 11 * HOUR)).toBe(false);
  });
});

describe("fetchMarkers", () => {
  it("asks for the camera's events in the range, page after page", async () => {
    server.on("GET", "/api/v1/events", ({ query }) =>
      query.get("cursor") === null
        ? { body: { events: [eventBody("b", T0 + 2)], next_cursor: "p2" } }
        : { body: { events: [eventBody("a", T0 + 1)], next_cursor: null } },
    );
    const data = await fetchMarkers("cam 1", { startMs: T0, endMs: T0 + HOUR }, T0 + HOUR);
    expect(data.markers.map((m) => m.id)).toEqual(["b", "a"]);
    expect([data.startMs, data.endMs, data.fetchedAtMs]).toEqual([T0, T0 + HOUR, T0 + HOUR]);
    const first = server.calls("GET", "/api/v1/events")[0]!.query;
    expect(first.getAll("camera")).toEqual(["cam 1"]);
    expect([first.get("start"), first.get("end"), first.get("limit")]).toEqual([String(T0), String(T0 + HOUR), "500"]);
    expect(server.calls("GET", "/api/v1/events")[1]?.query.get("cursor")).toBe("p2");
  });
});

describe("createEventMarkers", () => {
  it("loads the view's markers, again when the view leaves the range, and reports failures", async () => {
    server.on("GET", "/api/v1/events", ({ query }) => ({
      body: { events: [eventBody(`at-${query.get("start")}`, Number(query.get("start")) + 1)], next_cursor: null },
    }));
    const [view, setView] = createSignal({ startMs: T0, spanMs: HOUR });
    const { markers, error, dispose } = createRoot((dispose) => ({ ...createEventMarkers("cam1", view, () => T0 + 10 * HOUR, 10), dispose }));
    await waitFor(() => expect(markers().map((m) => m.id)).toEqual([`at-${T0 - HOUR / 2}`]));
    server.on("GET", "/api/v1/events", { status: 503, body: { status: 503, detail: "the database is unavailable" } });
    setView({ startMs: T0 + 3 * HOUR, spanMs: HOUR });
    await waitFor(() => expect(error()).toBe("the database is unavailable"));
    dispose();
  });
});
