// For the settings tests only: an in-memory stand-in for the VMS API behind `fetch`, so components
// and API wrappers are tested through the same requests the browser sends.
import createClient from "openapi-fetch";
import type * as ClientModule from "../api/client";
import type { paths } from "../api/schema";

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface FakeReply {
  status?: number;
  body?: unknown;
}

type Handler = (request: FakeRequest) => FakeReply | Promise<FakeReply>;

const ORIGIN = "http://localhost:3000";

export class FakeServer {
  readonly requests: FakeRequest[] = [];
  private readonly routes = new Map<string, Handler>();

  /** Answer `method path` (no query) with a handler, or always with `reply`. */
  on(method: string, path: string, reply: Handler | FakeReply): this {
    this.routes.set(`${method} ${path}`, typeof reply === "function" ? reply : () => reply);
    return this;
  }

  reset(): void {
    this.routes.clear();
    this.requests.length = 0;
  }

  /** The requests made to `method path`. */
  calls(method: string, path: string): FakeRequest[] {
    return this.requests.filter((request) => request.method === method && request.path === path);
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // A Request from the typed client, or a path and init from `apiFetch` (read directly: jsdom's
    // AbortSignal is not the one Node's Request accepts).
    const isRequest = input instanceof Request;
    const url = new URL(isRequest ? input.url : String(input), ORIGIN);
    const method = (isRequest ? input.method : init?.method ?? "GET").toUpperCase();
    const text = isRequest ? await input.text() : typeof init?.body === "string" ? init.body : "";
    const fake: FakeRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      body: text ? JSON.parse(text) : undefined,
    };
    this.requests.push(fake);
    const handler = this.routes.get(`${fake.method} ${fake.path}`);
    const reply = handler
      ? await handler(fake)
      : { status: 404, body: { title: "Not Found", status: 404, detail: `no fake for ${fake.method} ${fake.path}` } };
    const status = reply.status ?? 200;
    if (status === 204) return new Response(null, { status });
    const type = status >= 400 ? "application/problem+json" : "application/json";
    return new Response(JSON.stringify(reply.body ?? null), { status, headers: { "Content-Type": type } });
  };
}

export const server = new FakeServer();
globalThis.fetch = server.fetch;

/** For `vi.mock("…/api/client", …)`: the real module, but `api` on an absolute base URL (jsdom's
 * Request refuses relative URLs) sending through the fake. */
export function withFakeClient(actual: typeof ClientModule): typeof ClientModule {
  const api = createClient<paths>({ baseUrl: ORIGIN, fetch: (request) => server.fetch(request) });
  return { ...actual, api };
}

/** A signed-in session as GET /auth/session answers it. */
export function sessionBody(role: "viewer" | "operator" | "admin", id = 1, username = "alice") {
  return {
    user: { id, username, role, disabled: false, created_at_ms: 0 },
    preferences: { grid_layout: 4, grid_cameras: [] },
  };
}
