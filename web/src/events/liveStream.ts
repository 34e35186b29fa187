// The live event stream (server-sent events through the browser's EventSource): messages, the
// connection's state, a catch-up call after a break, and a fresh connection when the browser
// gives up (it retries by itself only while the server answers with an event stream).
import { createEffect, createMemo, createSignal, on, onCleanup, type Accessor } from "solid-js";
import { parseMessage, type EventMessage } from "./eventList";
import { streamUrl } from "./eventsApi";

export type LiveState = "connecting" | "live" | "reconnecting" | "unsupported";

export interface StreamHandlers {
  message(message: EventMessage): void;
  state(state: LiveState): void;
  /** Connected again after a break: messages may have been missed, so reload what is shown. */
  resync(): void;
}

/** The part of EventSource used here (tests pass a fake). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

const CLOSED = 2;
export const RETRY_MS = 5_000;
const KINDS = ["opened", "updated", "closed"] as const;

function browserFactory(): EventSourceFactory | null {
  if (typeof EventSource === "undefined") return null;
  return (url) => new EventSource(url) as unknown as EventSourceLike;
}

/** Follow the stream of `cameras` (all when empty) until `close()` is called. */
export function openEventStream(
  cameras: readonly string[],
  handlers: StreamHandlers,
  factory: EventSourceFactory | null = browserFactory(),
  retryMs = RETRY_MS,
): { close(): void } {
  if (!factory) {
    handlers.state("unsupported");
    return { close: () => undefined };
  }
  const make = factory;
  let source: EventSourceLike | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let broken = false;
  let closed = false;

  const connect = () => {
    const current = make(streamUrl(cameras));
    source = current;
    current.onopen = () => {
      handlers.state("live");
      if (broken) handlers.resync();
      broken = false;
    };
    current.onerror = () => {
      broken = true;
      handlers.state("reconnecting");
      if (current.readyState !== CLOSED || closed) return; // the browser retries by itself
      current.close();
      timer = setTimeout(() => {
        if (!closed) connect();
      }, retryMs);
    };
    for (const kind of KINDS) {
      current.addEventListener(kind, (event) => {
        const message = parseMessage(kind, event.data);
        if (message) handlers.message(message);
      });
    }
  };
  handlers.state("connecting");
  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      source?.close();
    },
  };
}

/** For a component: the stream of `cameras()` (all when empty), reopened when they change and
 * closed on cleanup; the connection's state. */
export function createEventStream(
  cameras: Accessor<readonly string[]>,
  onMessage: (message: EventMessage) => void,
  onResync: () => void,
  factory: EventSourceFactory | null = browserFactory(),
): Accessor<LiveState> {
  const [state, setState] = createSignal<LiveState>("connecting");
  let stream: { close(): void } | null = null;
  const cameraKey = createMemo(() => [...cameras()].sort().join("\n"));
  createEffect(
    on(
      cameraKey,
      (key) => {
        stream?.close();
        const list = key ? key.split("\n") : [];
        stream = openEventStream(list, { message: onMessage, state: setState, resync: onResync }, factory);
      },
    ),
  );
  onCleanup(() => stream?.close());
  return state;
}
