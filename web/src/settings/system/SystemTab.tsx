// The System tab: health and the charts of the last hour, refreshed every 10 seconds.
import { Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import { createLoader } from "../loader";
import HealthPanel from "./HealthPanel";
import MetricsCharts from "./MetricsCharts";
import { systemHealth, systemMetrics } from "./systemApi";

export const REFRESH_MS = 10_000;

export default function SystemTab() {
  const health = createLoader(systemHealth, { refreshMs: REFRESH_MS });
  const metrics = createLoader(systemMetrics, { refreshMs: REFRESH_MS });
  return (
    <section class="settings-section" aria-labelledby="system-title">
      <h2 id="system-title">System</h2>
      <ErrorAlert prefix="Cannot read the server's health: " message={health.error()} />
      <Show when={health.data()} fallback={<Show when={!health.error()}>{<p class="loading">Loading…</p>}</Show>}>
        {(data) => <HealthPanel health={data()} />}
      </Show>
      <h3>Last hour</h3>
      <ErrorAlert prefix="Cannot read the metrics: " message={metrics.error()} />
      <Show when={metrics.data()}>{(data) => <MetricsCharts history={data()} />}</Show>
    </section>
  );
}
