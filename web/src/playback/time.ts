// Timeline maths: the visible window, time <-> pixel mapping, zoom levels, panning and ticks.

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const MIN_SPAN_MS = MINUTE;
export const MAX_SPAN_MS = 30 * DAY;
/** The zoom buttons and +/- keys step through these spans, widest first. */
export const ZOOM_LEVELS: readonly number[] = [
  30 * DAY,
  7 * DAY,
  DAY,
  6 * HOUR,
  HOUR,
  15 * MINUTE,
  5 * MINUTE,
  MINUTE,
];
/** How far past "now" the view may reach, as a fraction of its span (room for the now edge). */
export const FUTURE_SLACK = 0.1;

/** The visible part of the timeline: [startMs, startMs + spanMs). */
export interface View {
  startMs: number;
  spanMs: number;
}

export function viewEnd(view: View): number {
  return view.startMs + view.spanMs;
}

export function msToX(view: View, widthPx: number, ms: number): number {
  return ((ms - view.startMs) / view.spanMs) * widthPx;
}

export function xToMs(view: View, widthPx: number, x: number): number {
  return view.startMs + (x / widthPx) * view.spanMs;
}

export function clampSpan(spanMs: number): number {
  return Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, spanMs));
}

/** Keep the view's end at most a little past now (the future holds nothing to see). */
export function clampView(view: View, nowMs: number): View {
  const spanMs = clampSpan(view.spanMs);
  const latestStart = nowMs + spanMs * FUTURE_SLACK - spanMs;
  return { startMs: Math.min(view.startMs, latestStart), spanMs };
}

/** Zoom by `factor` (< 1 zooms in) keeping `anchorMs` at the same place on screen. */
export function zoomAt(view: View, factor: number, anchorMs: number, nowMs: number): View {
  const spanMs = clampSpan(view.spanMs * factor);
  const fraction = (anchorMs - view.startMs) / view.spanMs;
  return clampView({ startMs: anchorMs - fraction * spanMs, spanMs }, nowMs);
}

/** The next zoom level in `direction` (1: closer, -1: wider) from the current span. */
export function nextLevel(spanMs: number, direction: 1 | -1): number {
  const tolerance = 1.001;
  if (direction === 1) {
    return ZOOM_LEVELS.find((level) => level * tolerance < spanMs) ?? MIN_SPAN_MS;
  }
  const wider = [...ZOOM_LEVELS].reverse().find((level) => level > spanMs * tolerance);
  return wider ?? MAX_SPAN_MS;
}

/** Step to the next zoom level, keeping `anchorMs` where it is on screen. */
export function zoomStep(view: View, direction: 1 | -1, anchorMs: number, nowMs: number): View {
  return zoomAt(view, nextLevel(view.spanMs, direction) / view.spanMs, anchorMs, nowMs);
}

/** Move the view by a drag of `dxPx` (positive: content moves right, so earlier times show). */
export function panBy(view: View, dxPx: number, widthPx: number, nowMs: number): View {
  const deltaMs = (dxPx / widthPx) * view.spanMs;
  return clampView({ startMs: view.startMs - deltaMs, spanMs: view.spanMs }, nowMs);
}

/** The view of `spanMs` centred on `ms`. */
export function centredOn(ms: number, spanMs: number, nowMs: number): View {
  return clampView({ startMs: ms - spanMs / 2, spanMs }, nowMs);
}

/** The view that shows the latest moment near its right end, with the now edge in sight. */
export function latestView(spanMs: number, nowMs: number): View {
  return clampView({ startMs: nowMs - spanMs * 0.85, spanMs }, nowMs);
}

/** Re-centre only when `ms` leaves the middle (1 - 2 × margin) of the view. */
export function keepVisible(view: View, ms: number, nowMs: number, margin = 0.05): View {
  const low = view.startMs + view.spanMs * margin;
  const high = viewEnd(view) - view.spanMs * margin;
  return ms >= low && ms <= high ? view : centredOn(ms, view.spanMs, nowMs);
}

/** A short name for a span: "30 d", "6 h", "15 min", "90 s". */
export function spanLabel(spanMs: number): string {
  const pick = (unit: number, name: string) => {
    const value = spanMs / unit;
    return `${Number.isInteger(value) ? value : value.toFixed(1)} ${name}`;
  };
  if (spanMs >= DAY) return pick(DAY, "d");
  if (spanMs >= HOUR) return pick(HOUR, "h");
  if (spanMs >= MINUTE) return pick(MINUTE, "min");
  return pick(SECOND, "s");
}

const TICK_STEPS: readonly number[] = [
  SECOND,
  5 * SECOND,
  10 * SECOND,
  30 * SECOND,
  MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

/** The smallest tick step that leaves at least `minSpacingPx` between labels. */
export function tickStep(spanMs: number, widthPx: number, minSpacingPx = 90): number {
  const msPerPx = spanMs / Math.max(1, widthPx);
  return TICK_STEPS.find((step) => step / msPerPx >= minSpacingPx) ?? 7 * DAY;
}

export interface Tick {
  ms: number;
  label: string;
  major: boolean; // a local midnight: drawn brighter, labelled with the date
}

/** Minutes to add to UTC to get local time at `ms` (the opposite sign of getTimezoneOffset). */
export function localOffsetMs(ms: number): number {
  return -new Date(ms).getTimezoneOffset() * MINUTE;
}

/** Tick marks aligned to local time (midnights, whole hours, …) across the view. */
export function ticks(view: View, widthPx: number, offsetMs = localOffsetMs): Tick[] {
  const step = tickStep(view.spanMs, widthPx);
  const offset = offsetMs(view.startMs);
  const first = Math.ceil((view.startMs + offset) / step) * step - offset;
  const out: Tick[] = [];
  for (let ms = first; ms <= viewEnd(view); ms += step) {
    const local = ms + offsetMs(ms);
    const major = local % DAY === 0;
    out.push({ ms, label: tickLabel(ms, step, major), major });
  }
  return out;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** "Nov 25" for days and midnights, "14:30" for minutes, "14:30:05" below a minute. */
export function tickLabel(ms: number, stepMs: number, major: boolean): string {
  const date = new Date(ms);
  if (stepMs >= DAY || major) {
    return date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  }
  const hm = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return stepMs < MINUTE ? `${hm}:${pad(date.getSeconds())}` : hm;
}

/** A wall time for people: "2026-11-25 14:30:05" in local time. */
export function formatWall(ms: number): string {
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${date} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The value of an <input type="datetime-local" step="1"> for `ms` (local time). */
export function toLocalInput(ms: number): string {
  return formatWall(ms).replace(" ", "T");
}

/** Unix ms from an <input type="datetime-local"> value (local time); null when empty/invalid. */
export function fromLocalInput(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!match) return null;
  const part = (index: number) => Number(match[index] ?? 0);
  const ms = new Date(part(1), part(2) - 1, part(3), part(4), part(5), part(6)).getTime();
  return Number.isNaN(ms) ? null : ms;
}
