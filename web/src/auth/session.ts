// The signed-in user: loaded from the session cookie on start, changed by sign-in and sign-out.
import { createSignal } from "solid-js";
import { api, onUnauthorized, unwrap } from "../api/client";
import type { components } from "../api/schema";

export type SessionInfo = components["schemas"]["SessionOut"];
export type Role = SessionInfo["user"]["role"];

const [session, setSession] = createSignal<SessionInfo | null>(null);
const [checked, setChecked] = createSignal(false);

export { session, checked };

/** Ask the server who we are (the HttpOnly cookie is invisible to scripts); null when signed out. */
export async function loadSession(): Promise<SessionInfo | null> {
  const result = await api.GET("/api/v1/auth/session");
  // 204: nobody is signed in (not an error, so the browser logs nothing)
  const info = result.response.status === 200 ? (result.data ?? null) : null;
  setSession(info);
  setChecked(true);
  return info;
}

export async function signIn(username: string, password: string): Promise<SessionInfo> {
  const info = unwrap(await api.POST("/api/v1/auth/session", { body: { username, password } }));
  setSession(info);
  return info;
}

export async function signOut(): Promise<void> {
  await api.DELETE("/api/v1/auth/session");
  setSession(null);
}

/** Keep the session's preferences in step after a successful save. */
export function updatePreferences(preferences: SessionInfo["preferences"]): void {
  const current = session();
  if (current) setSession({ ...current, preferences });
}

/** Whether the signed-in user's role is at least `role` (viewer < operator < admin). */
export function hasRole(role: Role): boolean {
  const order: Role[] = ["viewer", "operator", "admin"];
  const current = session();
  return current !== null && order.indexOf(current.user.role) >= order.indexOf(role);
}

onUnauthorized(() => setSession(null));
