// The live stream wrapper over a fake EventSource: states, messages, reconnection and catch-up.
import { createRoot, createSignal } from "solid-js";
import type { EventMessage } from "./eventList";
import { createEventStream, openEventStream, type LiveState } from "./liveStream";
import { eventBody, FakeEventSource, T0 } from "./testSupport";

function follow(cameras: string[] = []) {
  const states: LiveState[] = [];
  const messages: EventMessage[] = [];
  let resyncs = 0;
  const handle = openEventStream(
    cameras,
    { message: (m) => messages.push(m), state: (s) => states.push(s), resync: () => resyncs++ },
    (url) => new FakeEventSource(url),
    1_000,
  );
  return { handle, states, messages, resyncs: () => resyncs };
}

beforeEach(() => {
  FakeEventSource.instances = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe("openEventStream", () => {
  it("asks for the cameras' stream and passes on each message", () => {
    const { states, messages } = follow(["cam1", "cam 2"]);
    const source = FakeEventSource.latest();
    expect(source.url).toBe("/api/v1/events/stream?camera=cam1&camera=cam+2");
    expect(states).toEqual(["connecting"]);
    source.open();
    source.send("opened", eventBody("e1", T0));
    source.send("closed", eventBody("e1", T0));
    expect(states).toEqual(["connecting", "live"]);
    expect(messages.map((m) => m.kind)).toEqual(["opened", "closed"]);
  });

  it("says it reconnects while the browser retries, and catches up once back", () => {
    const { states, resyncs } = follow();
    const source = FakeEventSource.latest();
    source.open();
    expect(resyncs()).toBe(0);
    source.fail(false);
    expect(states[states.length - 1]).toBe("reconnecting");
    source.open();
    expect(states[states.length - 1]).toBe("live");
    expect(resyncs()).toBe(1);
    expect(FakeEventSource.instances).toHaveLength(1); // the browser's own retry
  });

  it("opens a new connection when the browser gives up", () => {
    const { resyncs } = follow();
    const first = FakeEventSource.latest();
    first.open();
    first.fail(true);
    expect(FakeEventSource.instances).toHaveLength(1);
    vi.advanceTimersByTime(1_000);
    expect(FakeEventSource.instances).toHaveLength(2);
    expect(first.readyState).toBe(2);
    FakeEventSource.latest().open();
    expect(resyncs()).toBe(1);
  });

  it("stops for good when closed, retry included", () => {
    const { handle } = follow();
    const source = FakeEventSource.latest();
    source.fail(true);
    handle.close();
    vi.advanceTimersByTime(10_000);
    expect(FakeEventSource.instances).toHaveLength(1);
    expect(source.readyState).toBe(2);
  });

  it("says so when the browser has no EventSource", () => {
    const states: LiveState[] = [];
    openEventStream([], { message: () => undefined, state: (s) => states.push(s), resync: () => undefined }, null);
    expect(states).toEqual(["unsupported"]);
  });
});

describe("createEventStream", () => {
  it("reopens when the cameras change (not when only their order does) and closes on cleanup", () => {
    const [cameras, setCameras] = createSignal<string[]>(["b", "a"]);
    const dispose = createRoot((dispose) => {
      createEventStream(cameras, () => undefined, () => undefined, (url) => new FakeEventSource(url));
      return dispose;
    });
    expect(FakeEventSource.instances.map((s) => s.url)).toEqual(["/api/v1/events/stream?camera=a&camera=b"]);
    setCameras(["a", "b"]);
    expect(FakeEventSource.instances).toHaveLength(1);
    setCameras([]);
    expect(FakeEventSource.instances.map((s) => s.url)[1]).toBe("/api/v1/events/stream");
    expect(FakeEventSource.instances[0]?.readyState).toBe(2);
    dispose();
    expect(FakeEventSource.latest().readyState).toBe(2);
  });
});
