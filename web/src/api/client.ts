// The typed API client: openapi-fetch over the types generated from the server's OpenAPI document.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

/** An RFC 9457 problem detail, as every VMS error body is. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
}

/** A failed API call; `message` is the server's own detail, fit to show to the user. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `request failed with HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

const unauthorizedListeners = new Set<() => void>();

/** Called whenever the server answers 401: the session has ended (expired, signed out elsewhere). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

const sessionWatch: Middleware = {
  onResponse({ response, request }) {
    const signingIn = request.method === "POST" && request.url.endsWith("/api/v1/auth/session");
    if (response.status === 401 && !signingIn) {
      unauthorizedListeners.forEach((listener) => listener());
    }
    return undefined;
  },
};

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
api.use(sessionWatch);

/** The data of an openapi-fetch result, or an ApiError carrying the problem detail. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const problem = (result.error ?? {}) as Problem;
    throw new ApiError(result.response.status, typeof problem === "object" ? problem : {});
  }
  return result.data as T;
}

/** `fetch` for the few resources openapi-fetch does not fit (binary bodies, SDP, downloads). */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(path, { credentials: "same-origin", ...init });
  if (response.status === 401) unauthorizedListeners.forEach((listener) => listener());
  if (!response.ok) {
    let problem: Problem = {};
    try {
      problem = (await response.json()) as Problem;
    } catch {
      problem = { title: response.statusText };
    }
    throw new ApiError(response.status, problem);
  }
  return response;
}
