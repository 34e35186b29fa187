// Users and roles (admin only) and the signed-in user's own password change.
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";

export type UserOut = components["schemas"]["UserOut"];
export type UserCreate = components["schemas"]["UserCreate"];
export type UserUpdate = components["schemas"]["UserUpdate"];

export async function listUsers(): Promise<UserOut[]> {
  return unwrap(await api.GET("/api/v1/users"));
}

export async function createUser(body: UserCreate): Promise<UserOut> {
  return unwrap(await api.POST("/api/v1/users", { body }));
}

export async function changeUser(id: number, body: UserUpdate): Promise<UserOut> {
  return unwrap(await api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: id } }, body }));
}

export async function deleteUser(id: number): Promise<void> {
  unwrap(await api.DELETE("/api/v1/users/{user_id}", { params: { path: { user_id: id } } }));
}

export async function changeOwnPassword(currentPassword: string, newPassword: string): Promise<void> {
  unwrap(
    await api.POST("/api/v1/auth/password", {
      body: { current_password: currentPassword, new_password: newPassword },
    }),
  );
}

export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 256;

/** Why a new password (typed twice) is not acceptable, or null. Same rule as the server's. */
export function passwordProblem(password: string, repeated: string): string | null {
  if (password.length < MIN_PASSWORD) return `At least ${MIN_PASSWORD} characters`;
  if (password.length > MAX_PASSWORD) return `At most ${MAX_PASSWORD} characters`;
  if (password !== repeated) return "The two passwords differ";
  return null;
}
