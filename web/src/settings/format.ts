// Human-readable figures for the settings pages: bytes, bit rates, durations, times and problem
// details.
import { ApiError } from "../api/client";
import { formatWall } from "../playback/time";

const BYTE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

/** 1234567 -> "1.23 MB" (decimal units, as disks are sold). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "–";
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${bytes < 0 ? "-" : ""}${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** 2500000 -> "2.5 Mbit/s". */
export function formatBitrate(bitsPerSecond: number): string {
  if (!Number.isFinite(bitsPerSecond)) return "–";
  const units = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s"];
  let value = bitsPerSecond;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${Number(value.toFixed(value >= 100 || unit === 0 ? 0 : 1))} ${units[unit]}`;
}

/** 93784 -> "1 d 2 h 3 min"; under a minute in seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const parts: string[] = [];
  if (days) parts.push(`${days} d`);
  if (hours) parts.push(`${hours} h`);
  if (minutes && days === 0) parts.push(`${minutes} min`);
  return parts.join(" ") || "0 min";
}

/** A moment for people, local time ("2026-11-25 14:30:05"); `none` when there is none (null). */
export function formatWhen(ms: number | null | undefined, none = "–"): string {
  return ms == null || !Number.isFinite(ms) ? none : formatWall(ms);
}

/** An error split for a form: messages per field name, and what belongs to no field. */
export interface FormErrors {
  fields: Record<string, string>;
  general: string | null;
}

interface FieldProblem {
  field?: unknown;
  detail?: unknown;
}

/**
 * The server's answer to a rejected form: each `errors[]` entry of a 422 problem goes next to its
 * field when the form has one (`known`), the rest (and the summary) above the form.
 */
export function formErrors(error: unknown, known: readonly string[]): FormErrors {
  if (!(error instanceof ApiError)) {
    return { fields: {}, general: error instanceof Error ? error.message : String(error) };
  }
  const items = (error.problem as { errors?: FieldProblem[] }).errors ?? [];
  const fields: Record<string, string> = {};
  const leftover: string[] = [];
  for (const item of items) {
    const field = typeof item.field === "string" ? item.field : "";
    const detail = typeof item.detail === "string" ? item.detail : "invalid";
    if (known.includes(field)) {
      fields[field] = fields[field] ? `${fields[field]}; ${detail}` : detail;
    } else {
      leftover.push(field ? `${field}: ${detail}` : detail);
    }
  }
  if (items.length === 0) return { fields, general: error.message };
  if (leftover.length > 0) return { fields, general: leftover.join("; ") };
  return { fields, general: Object.keys(fields).length ? "Please correct the marked fields." : error.message };
}

/** The message of anything thrown, for an error line. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
