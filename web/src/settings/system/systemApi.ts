// The System tab's data: the server's health summary and its metrics history of the last hour.
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import type { MetricsHistory } from "./chartData";

export type SystemHealth = components["schemas"]["SystemHealthOut"];
export type PoolHealth = components["schemas"]["PoolHealthOut"];

export const WINDOW_S = 3600;
export const STEP_S = 10;

export async function systemHealth(): Promise<SystemHealth> {
  return unwrap(await api.GET("/api/v1/system/health"));
}

export async function systemMetrics(): Promise<MetricsHistory> {
  return unwrap(await api.GET("/api/v1/system/metrics", { params: { query: { window_s: WINDOW_S, step_s: STEP_S } } }));
}
