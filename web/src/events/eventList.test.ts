// The list's merge rules: order, one row per id, pages and live messages.
import { applyMessage, compareEvents, mergePage, parseMessage, upsert } from "./eventList";
import { eventBody, T0 } from "./testSupport";

const ids = (list: readonly { id: string }[]) => list.map((event) => event.id);
const a = eventBody("a", T0 + 3_000);
const b = eventBody("b", T0 + 2_000);
const c = eventBody("c", T0 + 1_000);

describe("upsert and mergePage", () => {
  it("keeps newest first, ties by id, whatever the arrival order", () => {
    const tie = eventBody("b2", T0 + 2_000);
    expect(ids([c, tie, a, b].sort(compareEvents))).toEqual(["a", "b2", "b", "c"]);
    expect(ids(upsert(upsert(upsert([], c), a), b))).toEqual(["a", "b", "c"]);
  });

  it("replaces the row of the same id instead of adding one", () => {
    const ended = { ...b, end_ms: T0 + 9_000, score: 0.9 };
    const list = upsert([a, b, c], ended);
    expect(ids(list)).toEqual(["a", "b", "c"]);
    expect(list[1]).toBe(ended);
  });

  it("merges a page that overlaps what is shown", () => {
    const d = eventBody("d", T0);
    expect(ids(mergePage([a, b], [b, c, d]))).toEqual(["a", "b", "c", "d"]);
    expect(ids(mergePage([], []))).toEqual([]);
  });
});

describe("applyMessage", () => {
  const newest = eventBody("n", T0 + 10_000);

  it("puts a selected new event at the top", () => {
    expect(ids(applyMessage([a, b], { kind: "opened", event: newest }, true, null))).toEqual(["n", "a", "b"]);
  });

  it("updates a shown event in place", () => {
    const closed = { ...a, end_ms: a.start_ms + 1_000 };
    const list = applyMessage([a, b], { kind: "closed", event: closed }, true, null);
    expect(list[0]).toBe(closed);
    expect(list).toHaveLength(2);
  });

  it("removes an event the filters no longer select and ignores a new one they do not", () => {
    expect(ids(applyMessage([a, b], { kind: "updated", event: a }, false, null))).toEqual(["b"]);
    expect(ids(applyMessage([a, b], { kind: "opened", event: newest }, false, null))).toEqual(["a", "b"]);
  });

  it("leaves an event older than the loaded rows to Load more while pages wait", () => {
    expect(ids(applyMessage([a, b], { kind: "opened", event: c }, true, b.start_ms))).toEqual(["a", "b"]);
    expect(ids(applyMessage([a, b], { kind: "opened", event: c }, true, null))).toEqual(["a", "b", "c"]);
  });
});

describe("parseMessage", () => {
  it("reads the three kinds and refuses anything else", () => {
    expect(parseMessage("opened", JSON.stringify(a))).toEqual({ kind: "opened", event: a });
    expect(parseMessage("closed", JSON.stringify(a))?.kind).toBe("closed");
    expect(parseMessage("message", JSON.stringify(a))).toBeNull();
    expect(parseMessage("updated", "{not json")).toBeNull();
    expect(parseMessage("updated", JSON.stringify({ id: 5 }))).toBeNull();
  });
});
