// The Events page against the fake API and a fake event stream: list, filters in the address,
// live messages, Load more and the empty states.
import { fireEvent, screen, waitFor, within } from "@solidjs/testing-library";
import type { Rule } from "../api/rules";
import { server } from "../settings/fakeServer";
import type { EventOut } from "./eventsApi";
import { cameraBody, eventBody, FakeEventSource, renderEvents, T0 } from "./testSupport";

vi.mock("../api/client", async (importOriginal) => (await import("../settings/fakeServer")).withFakeClient(await importOriginal()));

const first = eventBody("e2", T0 + 60_000, { end_ms: null, score: 0.234, zones: ["Yard", "Gate"] });
const second = eventBody("e1", T0, { camera_id: "cam2", zones: [] });

function serve(events: EventOut[], nextCursor: string | null = null, cameras = [cameraBody("cam1", "Gate"), cameraBody("cam2", "Yard", false)]) {
  server.on("GET", "/api/v1/cameras", { body: cameras });
  server.on("GET", "/api/v1/events/labels", { body: ["motion"] });
  server.on("GET", "/api/v1/cameras/cam1/zones", { body: [{ name: "Yard", kind: "zone", points: [] }, { name: "Door line", kind: "line", points: [] }] });
  server.on("GET", "/api/v1/cameras/cam2/zones", { body: [{ name: "Gate", kind: "zone", points: [] }] });
  server.on("GET", "/api/v1/cameras/cam1/rules", { body: { rules: [ruleBody("Door")], issues: [], timezone: "UTC" } });
  server.on("GET", "/api/v1/cameras/cam2/rules", { body: { rules: [ruleBody("Crowd"), ruleBody("Door")], issues: [], timezone: "UTC" } });
  server.on("GET", "/api/v1/events", { body: { events, next_cursor: nextCursor } });
}

function ruleBody(name: string): Rule {
  const base = { name, enabled: true, labels: [], min_score: 0.5, min_width: 0, min_height: 0, schedule: [] };
  return { ...base, kind: "line", line: "Door line", direction: "both" };
}

const rows = () => screen.queryAllByTestId("event-item").map((row) => row.getAttribute("data-event-id"));
const lastQuery = () => server.calls("GET", "/api/v1/events").at(-1)?.query;

beforeEach(() => {
  server.reset();
  FakeEventSource.instances = [];
  vi.stubGlobal("EventSource", FakeEventSource);
});
afterEach(() => vi.unstubAllGlobals());

describe("<EventsPage>", () => {
  it("lists events newest first with their facts", async () => {
    serve([first, second]);
    await renderEvents("/events");
    await waitFor(() => expect(rows()).toEqual(["e2", "e1"]));
    const [top, bottom] = screen.getAllByTestId("event-item") as [HTMLElement, HTMLElement];
    await waitFor(() => expect(top.textContent).toContain("Gate"));
    expect(within(top).getByTestId("event-duration").textContent).toBe("ongoing");
    expect(within(top).getByTestId("event-score").textContent).toBe("score 23%");
    expect(within(top).getByTestId("event-zones").textContent).toBe("Yard, Gate");
    const thumbnail = within(top).getByTestId("event-thumbnail");
    expect(thumbnail.getAttribute("src")).toBe("/api/v1/events/e2/snapshot.jpg");
    expect(thumbnail.getAttribute("loading")).toBe("lazy");
    expect(within(bottom).getByTestId("event-duration").textContent).toBe("4 s");
    expect(bottom.textContent).toContain("Yard"); // cam2's name
    expect(within(bottom).getByTestId("event-zones").textContent).toBe("no zone");
    expect(within(top).getByRole("link").getAttribute("href")).toBe("/events/e2");
    expect(lastQuery()?.toString()).toBe("limit=50");
  });

  it("sends the filters in the address to the API and keeps them in the detail links", async () => {
    serve([first]);
    await renderEvents("/events?camera=cam1&zone=Yard&min_score=0.2&range=1h");
    await waitFor(() => expect(rows()).toEqual(["e2"]));
    const query = lastQuery()!;
    expect(query.getAll("camera")).toEqual(["cam1"]);
    expect(query.getAll("zone")).toEqual(["Yard"]);
    expect(query.get("min_score")).toBe("0.2");
    expect(Math.abs(Number(query.get("start")) - (Date.now() - 3_600_000))).toBeLessThan(60_000);
    expect(screen.getByRole("link", { name: /motion on Gate/ }).getAttribute("href")).toBe(
      "/events/e2?camera=cam1&zone=Yard&range=1h&min_score=0.2",
    );
    expect((screen.getByTestId("filter-time") as HTMLSelectElement).value).toBe("1h");
    expect(screen.getByTestId("filter-cameras").textContent).toContain("Cameras: Gate");
  });

  it("puts a changed filter in the address and asks again", async () => {
    serve([first, second]);
    const { history } = await renderEvents("/events");
    await waitFor(() => expect(rows()).toEqual(["e2", "e1"]));
    const zones = screen.getByTestId("filter-zones");
    await waitFor(() => expect(within(zones).getAllByRole("checkbox")).toHaveLength(2)); // lines left out
    fireEvent.click(within(zones).getByLabelText("Yard"));
    await waitFor(() => expect(history.get()).toBe("/events?zone=Yard"));
    await waitFor(() => expect(lastQuery()?.getAll("zone")).toEqual(["Yard"]));

    fireEvent.change(screen.getByTestId("filter-min-score"), { target: { value: "100" } });
    await waitFor(() => expect(history.get()).toBe("/events?zone=Yard&min_score=1"));

    fireEvent.change(screen.getByTestId("filter-time"), { target: { value: "custom" } });
    fireEvent.change(screen.getByTestId("filter-from"), { target: { value: "2026-11-25T13:00:00" } });
    const from = new Date(2026, 10, 25, 13).getTime();
    await waitFor(() => expect(history.get()).toBe(`/events?zone=Yard&from=${from}&min_score=1`));
    await waitFor(() => expect(lastQuery()?.get("start")).toBe(String(from)));

    fireEvent.click(screen.getByTestId("clear-filters"));
    await waitFor(() => expect(history.get()).toBe("/events"));
  });

  it("filters by rule: the cameras' rules and those of the events shown, in the address and live", async () => {
    const crossing = eventBody("e5", T0 + 5_000, { label: "person", rule: "Gate in", rule_kind: "line" });
    serve([crossing, first]);
    const { history } = await renderEvents("/events");
    await waitFor(() => expect(rows()).toEqual(["e2", "e5"]));
    const rules = screen.getByTestId("filter-rules");
    await waitFor(() =>
      expect(within(rules).getAllByRole("checkbox").map((box) => (box as HTMLInputElement).value)).toEqual(["Crowd", "Door", "Gate in"]),
    );
    fireEvent.click(within(rules).getByLabelText("Door"));
    await waitFor(() => expect(history.get()).toBe("/events?rule=Door"));
    await waitFor(() => expect(lastQuery()?.getAll("rule")).toEqual(["Door"]));
    expect(rules.textContent).toContain("Rules: Door");

    server.on("GET", "/api/v1/events", { body: { events: [], next_cursor: null } });
    fireEvent.click(within(rules).getByLabelText("Crowd"));
    await waitFor(() => expect(lastQuery()?.getAll("rule")).toEqual(["Door", "Crowd"]));
    await screen.findByTestId("events-empty");
    expect(screen.getByTestId("events-empty").textContent).toContain("rule Door or Crowd");
    const source = FakeEventSource.latest();
    source.open();
    source.send("opened", eventBody("motion", T0 + 10_000));
    source.send("opened", eventBody("door", T0 + 11_000, { rule: "Door", rule_kind: "line" }));
    await waitFor(() => expect(rows()).toEqual(["door"]));
  });

  it("shows new events live, and changes rows in place", async () => {
    serve([second]);
    await renderEvents("/events?camera=cam1&camera=cam2");
    await waitFor(() => expect(rows()).toEqual(["e1"]));
    const source = FakeEventSource.latest();
    expect(source.url).toBe("/api/v1/events/stream?camera=cam1&camera=cam2");
    expect(screen.getByTestId("events-live").getAttribute("data-state")).toBe("connecting");
    source.open();
    await waitFor(() => expect(screen.getByTestId("events-live").textContent).toBe("Live"));

    const live = eventBody("e3", T0 + 120_000, { end_ms: null });
    source.send("opened", live);
    await waitFor(() => expect(rows()).toEqual(["e3", "e1"]));
    const row = screen.getAllByTestId("event-item")[0]!;
    expect(within(row).getByTestId("event-duration").textContent).toBe("ongoing");
    source.send("closed", { ...live, end_ms: live.start_ms + 65_000, score: 0.9 });
    await waitFor(() => expect(within(row).getByTestId("event-duration").textContent).toBe("1 min 5 s"));
    expect(screen.getAllByTestId("event-item")[0]).toBe(row); // the same row, updated
    expect(within(row).getByTestId("event-score").textContent).toBe("score 90%");

    source.send("opened", eventBody("other", T0 + 130_000, { camera_id: "cam3" }));
    source.send("opened", eventBody("person", T0 + 140_000, { label: "person" }));
    await waitFor(() => expect(rows()).toEqual(["person", "e3", "e1"]));

    source.fail(false);
    await waitFor(() => expect(screen.getByTestId("events-live").textContent).toBe("Reconnecting…"));
    const before = server.calls("GET", "/api/v1/events").length;
    source.open(); // back: what was missed is fetched
    await waitFor(() => expect(server.calls("GET", "/api/v1/events").length).toBe(before + 1));
  });

  it("ignores live events the filters do not select", async () => {
    serve([]);
    await renderEvents("/events?min_score=0.5");
    await screen.findByTestId("events-empty");
    const source = FakeEventSource.latest();
    source.open();
    source.send("opened", eventBody("low", T0, { score: 0.1 }));
    source.send("opened", eventBody("high", T0 + 1, { score: 0.6 }));
    await waitFor(() => expect(rows()).toEqual(["high"]));
  });

  it("loads more with the cursor", async () => {
    serve([first], "c1");
    await renderEvents("/events?label=motion");
    await waitFor(() => expect(rows()).toEqual(["e2"]));
    server.on("GET", "/api/v1/events", { body: { events: [second], next_cursor: null } });
    fireEvent.click(screen.getByTestId("load-more"));
    await waitFor(() => expect(rows()).toEqual(["e2", "e1"]));
    expect(lastQuery()?.get("cursor")).toBe("c1");
    expect(lastQuery()?.getAll("label")).toEqual(["motion"]);
    expect(screen.queryByTestId("load-more")).toBeNull();
  });

  it("says why nothing shows", async () => {
    serve([], null, [cameraBody("cam1", "Gate", false)]);
    await renderEvents("/events");
    const empty = await screen.findByTestId("events-empty");
    await waitFor(() => expect(empty.getAttribute("data-reason")).toBe("no-motion"));
    expect(screen.getByTestId("settings-cameras-link").getAttribute("href")).toBe("/settings/cameras");
    expect(empty.textContent).toContain("no camera has motion detection on");
  });

  it("says which filters select nothing, and clears them", async () => {
    serve([]);
    const { history } = await renderEvents("/events?camera=cam1&min_score=1");
    const empty = await screen.findByTestId("events-empty");
    await waitFor(() => expect(empty.textContent).toContain("camera Gate, score at least 100%"));
    expect(empty.getAttribute("data-reason")).toBe("filtered");
    fireEvent.click(within(empty).getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(history.get()).toBe("/events"));
    await waitFor(() => expect(screen.getByTestId("events-empty").getAttribute("data-reason")).toBe("none-yet"));
  });

  it("shows the server's words when the search fails", async () => {
    serve([]);
    server.on("GET", "/api/v1/events", { status: 422, body: { status: 422, detail: "start must be before end" } });
    await renderEvents("/events?from=2&to=1");
    expect((await screen.findByTestId("events-error")).textContent).toContain("start must be before end");
    expect(screen.queryByTestId("events-empty")).toBeNull();
  });

  it("tells viewers who can turn motion detection on", async () => {
    serve([], null, [cameraBody("cam1", "Gate", false)]);
    await renderEvents("/events", "viewer");
    const empty = await screen.findByTestId("events-empty");
    await waitFor(() => expect(empty.textContent).toContain("An admin can turn on"));
    expect(screen.queryByTestId("settings-cameras-link")).toBeNull();
  });
});
