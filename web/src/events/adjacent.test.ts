// Older/newer neighbours within the filters, against a fake server that pages like the real one.
import { server, type FakeRequest } from "../settings/fakeServer";
import { newerEvent, olderEvent } from "./adjacent";
import { emptyFilters, type EventFilters } from "./filters";
import { eventBody, T0 } from "./testSupport";

vi.mock("../api/client", async (importOriginal) => (await import("../settings/fakeServer")).withFakeClient(await importOriginal()));

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const filters = (changes: Partial<EventFilters> = {}): EventFilters => ({ ...emptyFilters(), ...changes });

/** Newest (or oldest) first within [start, end) and the camera filter, `limit` per page,
 * cursor = offset. */
function serve(all: ReturnType<typeof eventBody>[]) {
  server.on("GET", "/api/v1/events", ({ query }: FakeRequest) => {
    const start = Number(query.get("start") ?? -Infinity);
    const end = Number(query.get("end") ?? Infinity);
    const cameras = query.getAll("camera");
    const limit = Number(query.get("limit"));
    const offset = Number(query.get("cursor") ?? 0);
    const inside = all
      .filter((e) => e.start_ms >= start && e.start_ms < end && (!cameras.length || cameras.includes(e.camera_id)))
      .sort((a, b) => (query.get("order") === "oldest" ? a.start_ms - b.start_ms : b.start_ms - a.start_ms));
    const page = inside.slice(offset, offset + limit);
    return { body: { events: page, next_cursor: offset + limit < inside.length ? String(offset + limit) : null } };
  });
}

beforeEach(() => server.reset());

describe("olderEvent", () => {
  it("is the newest event that started before, within the filters", async () => {
    const event = eventBody("now", T0);
    serve([eventBody("old", T0 - 2 * MINUTE), eventBody("other-cam", T0 - MINUTE, { camera_id: "cam2" }), event]);
    expect((await olderEvent(event, filters({ cameras: ["cam1"] }), T0))?.id).toBe("old");
    expect((await olderEvent(event, filters(), T0))?.id).toBe("other-cam");
    expect(await olderEvent(event, filters({ fromMs: T0 - MINUTE + 1 }), T0)).toBeNull();
  });
});

describe("newerEvent", () => {
  it("is the oldest event that started after, in one request", async () => {
    const event = eventBody("now", T0);
    const after = Array.from({ length: 1_200 }, (_, i) => eventBody(`n${i}`, T0 + 1_000 + i * 1_000));
    serve([eventBody("before", T0 - 1_000), event, ...after]);
    expect((await newerEvent(event, filters(), T0 + DAY))?.id).toBe("n0");
    const calls = server.calls("GET", "/api/v1/events");
    expect(calls).toHaveLength(1);
    expect(calls[0]?.query.get("order")).toBe("oldest");
    expect(calls[0]?.query.get("limit")).toBe("1");
    expect(calls[0]?.query.get("start")).toBe(String(T0 + 1));
  });

  it("keeps to the filters: their cameras and their end", async () => {
    const event = eventBody("now", T0);
    serve([event, eventBody("other-cam", T0 + MINUTE, { camera_id: "cam2" }), eventBody("days-later", T0 + 3 * DAY)]);
    expect((await newerEvent(event, filters({ cameras: ["cam1"] }), T0 + 5 * DAY))?.id).toBe("days-later");
    expect((await newerEvent(event, filters(), T0 + 5 * DAY))?.id).toBe("other-cam");
    expect(await newerEvent(event, filters({ cameras: ["cam1"], toMs: T0 + 2 * DAY }), T0 + 5 * DAY)).toBeNull();
    expect(server.calls("GET", "/api/v1/events").at(-1)?.query.get("end")).toBe(String(T0 + 2 * DAY));
  });

  it("finds nothing after the newest event", async () => {
    const event = eventBody("now", T0);
    serve([event]);
    expect(await newerEvent(event, filters(), T0 + MINUTE)).toBeNull();
    expect(server.calls("GET", "/api/v1/events")).toHaveLength(1);
  });
});
