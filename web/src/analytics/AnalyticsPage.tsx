// The Analytics page `/analytics`: counts of closed events over a range (today by hour, the last 7
// or 30 days by day, the last 12 months by month) in the browser's time zone, for all cameras or
// those chosen (kept in the address): events over time stacked by label, the busiest cameras, line
// crossings in and out per line rule, zone occupancy (count rules' peaks) and events per zone,
// totals per label and rule. Every bar is a link to the Events page listing the events it counts.
// The charts are plain HTML (ColumnChart.tsx says why); the numbers come from one
// GET /api/v1/events/stats, asked again every minute and whenever a choice changes.
import { A, useLocation, useNavigate } from "@solidjs/router";
import { createEffect, createMemo, For, on, Show } from "solid-js";
import ErrorAlert from "../app/ErrorAlert";
import { cameraName } from "../events/format";
import MultiPick from "../events/MultiPick";
import { listCameras } from "../settings/cameras/camerasApi";
import { createLoader } from "../settings/loader";
import BarList from "./BarList";
import {
  countRules,
  countText,
  crossingBars,
  eventColumns,
  eventsHref,
  labelColors,
  peakColumns,
  ruleTitle,
  totalBars,
} from "./chartData";
import ColumnChart from "./ColumnChart";
import {
  buckets,
  dashboardFromQuery,
  dashboardToQuery,
  RANGES,
  statsRange,
  type DashboardFilters,
  type RangePreset,
} from "./range";
import { getStats } from "./statsApi";
import { browserTimeZone } from "./zonedTime";
import "../events/events.css";
import "./analytics.css";

const STEP_WORDS = { hour: "hour", day: "day", month: "month" } as const;

export default function AnalyticsPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const filters = createMemo(() => dashboardFromQuery(new URLSearchParams(location.search)), undefined, {
    equals: (a, b) => dashboardToQuery(a) === dashboardToQuery(b),
  });
  const setFilters = (change: Partial<DashboardFilters>) =>
    navigate(`/analytics${dashboardToQuery({ ...filters(), ...change })}`, { replace: true });
  const timeZone = browserTimeZone();

  const cameras = createLoader(listCameras);
  const stats = createLoader(
    async () => {
      const { preset, cameras: chosen } = filters();
      const range = statsRange(preset, Date.now(), timeZone);
      return { range, cameras: chosen, stats: await getStats(range, chosen) };
    },
    { refreshMs: 60_000 },
  );
  createEffect(on(() => dashboardToQuery(filters()), () => void stats.reload(), { defer: true }));

  const nameOf = (id: string) => cameraName(cameras.data() ?? undefined, id);
  const view = createMemo(() => {
    const loaded = stats.data();
    if (!loaded) return null;
    const list = buckets(loaded.range);
    const colors = labelColors(loaded.stats);
    const totals = (kind: "camera" | "label" | "rule" | "zone", key: "by_camera" | "by_label" | "by_rule" | "by_zone") =>
      totalBars(loaded.stats[key], kind, loaded.range, loaded.cameras, nameOf, kind === "label" ? colors : undefined);
    return {
      ...loaded,
      columns: eventColumns(loaded.stats, list, loaded.cameras),
      byLabel: totals("label", "by_label"),
      byCamera: totals("camera", "by_camera"),
      byRule: totals("rule", "by_rule"),
      byZone: totals("zone", "by_zone"),
      crossings: crossingBars(loaded.stats, loaded.range, nameOf),
      occupancy: countRules(loaded.stats).map((rule) => ({ rule, columns: peakColumns(rule, list, nameOf) })),
      allHref: eventsHref({ cameras: loaded.cameras }, loaded.range.startMs, loaded.range.endMs),
    };
  });

  return (
    <section class="analytics-page" aria-labelledby="analytics-title">
      <div class="row analytics-head">
        <h1 id="analytics-title">Analytics</h1>
      </div>
      <div class="event-filters" role="group" aria-label="Choices" data-testid="analytics-filters">
        <label class="inline">
          Range
          <select
            value={filters().preset}
            data-testid="analytics-range"
            onChange={(event) => setFilters({ preset: event.currentTarget.value as RangePreset })}
          >
            <For each={Object.entries(RANGES)}>{([value, range]) => <option value={value}>{range.label}</option>}</For>
          </select>
        </label>
        <MultiPick
          label="Cameras"
          testId="analytics-cameras"
          options={(cameras.data() ?? []).map((camera) => ({ value: camera.id, label: camera.name || camera.id }))}
          selected={filters().cameras}
          onChange={(chosen) => setFilters({ cameras: chosen })}
          emptyText="No cameras"
        />
        <span class="muted" data-testid="analytics-timezone">
          Times in {timeZone}
        </span>
      </div>
      <ErrorAlert prefix="The cameras could not be loaded: " message={cameras.error()} />
      <ErrorAlert prefix="The statistics could not be loaded: " message={stats.error()} testId="analytics-error" />
      <Show when={view()} fallback={<Show when={!stats.error()}><p class="loading">Loading statistics…</p></Show>}>
        {(shown) => (
          <div class="analytics-body" aria-busy={stats.loading()} data-testid="analytics-body">
            <p class="analytics-summary">
              <strong data-testid="analytics-total">{shown().stats.total}</strong>{" "}
              {shown().stats.total === 1 ? "event" : "events"} closed, begun {RANGES[shown().range.preset].when}.{" "}
              <Show when={shown().stats.total > 0}>
                <A href={shown().allHref} data-testid="analytics-all-events">
                  Show {shown().stats.total === 1 ? "it" : `these ${countText(shown().stats.total)}`}
                </A>
              </Show>
            </p>
            <Show
              when={shown().stats.total > 0}
              fallback={
                <div class="empty" data-testid="analytics-empty">
                  <Show
                    when={(cameras.data() ?? null)?.length !== 0}
                    fallback={
                      <p>
                        There are no cameras yet. Add one in <A href="/settings/cameras">Settings → Cameras</A>.
                      </p>
                    }
                  >
                    <p>
                      No event ended in this range. Events are counted once they have closed, in the hour or day they
                      began; those still going on are on the <A href="/events">Events</A> page.
                    </p>
                  </Show>
                </div>
              }
            >
              <div class="analytics-grid">
                <section class="card analytics-card wide" aria-labelledby="chart-time">
                  <h2 id="chart-time">Events per {STEP_WORDS[shown().range.step]}, by label</h2>
                  <ColumnChart
                    columns={shown().columns}
                    label={`Events per ${STEP_WORDS[shown().range.step]}, by label`}
                    testId="events-over-time"
                  />
                  <BarList rows={shown().byLabel} label="Events per label" testId="by-label" empty="No labels." />
                </section>
                <section class="card analytics-card" aria-labelledby="chart-cameras">
                  <h2 id="chart-cameras">Busiest cameras</h2>
                  <BarList rows={shown().byCamera} label="Events per camera" testId="by-camera" empty="No cameras." />
                </section>
                <section class="card analytics-card" aria-labelledby="chart-lines">
                  <h2 id="chart-lines">Line crossings</h2>
                  <BarList
                    rows={shown().crossings}
                    label="Line crossings in and out per line rule"
                    testId="crossings"
                    empty="No line-crossing rule counted a crossing in this range."
                  />
                </section>
                <section class="card analytics-card wide" aria-labelledby="chart-occupancy">
                  <h2 id="chart-occupancy">Zone occupancy</h2>
                  <Show
                    when={shown().occupancy.length > 0}
                    fallback={<p class="muted" data-testid="occupancy-empty">No count rule saw anything in this range.</p>}
                  >
                    <For each={shown().occupancy}>
                      {(item) => (
                        <div class="occupancy" data-testid="occupancy" data-camera={item.rule.camera_id} data-rule={item.rule.rule}>
                          <h3>
                            {ruleTitle(item.rule, nameOf)}: at most <span data-testid="occupancy-peak">{item.rule.peak}</span>{" "}
                            at once
                          </h3>
                          <ColumnChart
                            columns={item.columns}
                            label={`${ruleTitle(item.rule, nameOf)}: the most objects at once per ${STEP_WORDS[shown().range.step]}`}
                            testId="occupancy-chart"
                          />
                        </div>
                      )}
                    </For>
                  </Show>
                  <h3>Events per zone</h3>
                  <BarList rows={shown().byZone} label="Events per zone" testId="by-zone" empty="No event touched a zone." />
                </section>
                <section class="card analytics-card" aria-labelledby="chart-rules">
                  <h2 id="chart-rules">Events per rule</h2>
                  <BarList rows={shown().byRule} label="Events per rule" testId="by-rule" empty="No rule made an event." />
                </section>
              </div>
            </Show>
          </div>
        )}
      </Show>
    </section>
  );
}
