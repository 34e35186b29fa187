// For the events tests only: a fake EventSource the tests drive, event bodies, and the events
// pages rendered at a path in a memory router (the settings tests' fake server answers the API).
import { createMemoryHistory, MemoryRouter, Route, useLocation } from "@solidjs/router";
import { render } from "@solidjs/testing-library";
import type { JSX } from "solid-js";
import { loadSession, type Role } from "../auth/session";
import { server, sessionBody } from "../settings/fakeServer";
import EventDetailPage from "./EventDetailPage";
import type { CameraView, EventOut } from "./eventsApi";
import EventsPage from "./EventsPage";

export class FakeEventSource {
  static instances: FakeEventSource[] = [];
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  private readonly listeners = new Map<string, Array<(event: MessageEvent<string>) => void>>();

  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }

  static latest(): FakeEventSource {
    const last = FakeEventSource.instances[FakeEventSource.instances.length - 1];
    if (!last) throw new Error("no EventSource was opened");
    return last;
  }

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.readyState = 2;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  send(kind: string, event: EventOut): void {
    for (const listener of this.listeners.get(kind) ?? []) {
      listener(new MessageEvent(kind, { data: JSON.stringify(event), lastEventId: event.id }));
    }
  }

  /** A break: the browser retries (CONNECTING) or gives up (CLOSED). */
  fail(givenUp: boolean): void {
    this.readyState = givenUp ? 2 : 0;
    this.onerror?.(new Event("error"));
  }
}

export const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

export function eventBody(id: string, startMs: number, changes: Partial<EventOut> = {}): EventOut {
  return {
    id,
    camera_id: "cam1",
    label: "motion",
    zones: ["Yard"],
    score: 0.42,
    start_ms: startMs,
    end_ms: startMs + 4_000,
    snapshot_url: `/api/v1/events/${id}/snapshot.jpg`,
    clip: { start_ms: startMs - 5_000, end_ms: startMs + 9_000 },
    rule: null,
    rule_kind: null,
    track_id: null,
    direction: null,
    counts: null,
    peak_count: null,
    path: [],
    has_thumbnail: false,
    ...changes,
  };
}

export function cameraBody(id: string, name: string, motion = true): CameraView {
  return {
    id,
    name,
    main_url: `rtsp://192.0.2.1/${id}`,
    sub_url: null,
    username: null,
    has_password: false,
    transport: "tcp",
    enabled: true,
    record: true,
    record_stream: "main",
    motion,
    retention_days: null,
    retention_max_bytes: null,
    recording_mode: "continuous",
    pre_roll_s: 5,
    post_roll_s: 10,
    event_retention_days: 30,
  };
}

/** `routes` rendered at `path` in a memory router, signed in as `role`; any other path shows
 * where it went (`elsewhere`). */
export async function renderRoutes(path: string, routes: () => JSX.Element, role: Role = "admin") {
  window.scrollTo = () => undefined; // the router scrolls on navigation; jsdom has no layout
  server.on("GET", "/api/v1/auth/session", { body: sessionBody(role) });
  await loadSession();
  const history = createMemoryHistory();
  history.set({ value: path });
  const result = render(() => (
    <MemoryRouter history={history}>
      {routes()}
      <Route path="*" component={Elsewhere} />
    </MemoryRouter>
  ));
  return { ...result, history };
}

export async function renderEvents(path: string, role: Role = "admin") {
  return renderRoutes(
    path,
    () => (
      <>
        <Route path="/events" component={EventsPage} />
        <Route path="/events/:eventId" component={EventDetailPage} />
      </>
    ),
    role,
  );
}

function Elsewhere() {
  const location = useLocation();
  return <p data-testid="elsewhere">{location.pathname + location.search}</p>;
}
