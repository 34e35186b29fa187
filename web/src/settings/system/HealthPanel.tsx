// The server at a glance: version, uptime, cameras by state, database, and each storage pool's
// usage as a bar (with what is wrong when the pool cannot be read or written).
import { For, Show } from "solid-js";
import { formatBytes, formatDuration } from "../format";
import type { PoolHealth, SystemHealth } from "./systemApi";

/** Share of the pool's disk in use, 0..100; null when the disk could not be read. */
export function usedPercent(pool: PoolHealth): number | null {
  if (pool.total_bytes == null || pool.used_bytes == null || pool.total_bytes <= 0) return null;
  return Math.min(100, Math.max(0, (pool.used_bytes / pool.total_bytes) * 100));
}

const bytes = (value: number | null | undefined) => (value == null ? "?" : formatBytes(value));

function PoolCard(props: { pool: PoolHealth }) {
  const percent = () => usedPercent(props.pool);
  return (
    <div class="pool card" data-testid={`pool-${props.pool.name}`}>
      <div class="row">
        <strong>{props.pool.name}</strong>
        <span class="muted small">{props.pool.path}</span>
        <Show when={!props.pool.writable}>
          <span class="state state-failed">not writable</span>
        </Show>
      </div>
      <div
        class="usage"
        role="meter"
        aria-label={`Disk of pool ${props.pool.name} in use`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent() ?? 0)}
        classList={{ high: (percent() ?? 0) >= 90 }}
      >
        <div class="usage-fill" style={{ width: `${percent() ?? 0}%` }} />
      </div>
      <div class="muted small">
        {bytes(props.pool.used_bytes)} used of {bytes(props.pool.total_bytes)}
        {percent() === null ? "" : ` (${Math.round(percent() ?? 0)} %)`} · {bytes(props.pool.free_bytes)} free ·
        recordings {bytes(props.pool.media_bytes)}
      </div>
      <Show when={props.pool.detail}>
        <div class="error small">{props.pool.detail}</div>
      </Show>
    </div>
  );
}

export default function HealthPanel(props: { health: SystemHealth }) {
  return (
    <div class="health" data-testid="system-health">
      <dl class="facts card">
        <div>
          <dt>Version</dt>
          <dd data-testid="system-version">{props.health.version}</dd>
        </div>
        <div>
          <dt>Up for</dt>
          <dd>{formatDuration(props.health.uptime_s)}</dd>
        </div>
        <div>
          <dt>Cameras</dt>
          <dd data-testid="system-cameras">
            <span class="state state-online">{props.health.cameras.online} online</span>{" "}
            <span class="state state-reconnecting">{props.health.cameras.reconnecting} reconnecting</span>{" "}
            <span class="state state-offline">{props.health.cameras.offline} offline</span>
          </dd>
        </div>
        <div>
          <dt>Database</dt>
          <dd classList={{ error: props.health.database !== "ok" }}>{props.health.database}</dd>
        </div>
      </dl>
      <For each={props.health.pools}>{(pool) => <PoolCard pool={pool} />}</For>
    </div>
  );
}
