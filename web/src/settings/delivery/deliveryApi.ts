// Delivery targets (admins only): their state and backlog, dead letters to retry or drop, and a
// test message sent straight to a target. Targets themselves live in the config file.
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";

export type Target = components["schemas"]["TargetOut"];
export type DeadLetter = components["schemas"]["DeadLetterOut"];
export type TestSent = components["schemas"]["TestSentOut"];
export type TargetState = Target["state"];

const path = (name: string) => ({ params: { path: { name } } });

export async function listTargets(): Promise<Target[]> {
  return unwrap(await api.GET("/api/v1/delivery/targets"));
}

export async function listDeadLetters(name: string): Promise<DeadLetter[]> {
  return unwrap(await api.GET("/api/v1/delivery/targets/{name}/dead-letters", path(name)));
}

/** Dead letters back in line, in their order; returns how many. */
export async function retryDeadLetters(name: string): Promise<number> {
  return unwrap(await api.POST("/api/v1/delivery/targets/{name}/dead-letters/retry", path(name))).count;
}

/** Dead letters dropped for good; returns how many. */
export async function dropDeadLetters(name: string): Promise<number> {
  return unwrap(await api.DELETE("/api/v1/delivery/targets/{name}/dead-letters", path(name))).count;
}

/** A made-up event sent now; an ApiError (503) whose message is the receiver's answer when it
 * did not acknowledge. */
export async function sendTest(name: string): Promise<TestSent> {
  return unwrap(await api.POST("/api/v1/delivery/targets/{name}/test", path(name)));
}

/** What a state means, for the badge's title and screen readers. */
export const STATE_MEANING: Record<TargetState, string> = {
  ok: "messages are delivered",
  retrying: "the oldest message failed and waits for its next try",
  failing: "dead letters wait for an admin",
};

/** 1 -> "1 dead letter", 3 -> "3 dead letters". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
