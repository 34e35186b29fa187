// Frame thumbnails for hovering the timeline: fetched once per time step, kept as object URLs.
import { apiFetch } from "../api/client";

export const THUMBNAIL_WIDTH = 160;

export function frameUrl(cameraId: string, stream: string, atMs: number, width: number): string {
  const query = new URLSearchParams({ at: String(Math.round(atMs)), stream, width: String(width) });
  return `/api/v1/cameras/${encodeURIComponent(cameraId)}/frame?${query}`;
}

/** Round `ms` down to a multiple of `stepMs`, so nearby hovers share one request. */
export function quantize(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}

export interface ThumbnailCache {
  /** An object URL of the frame at `atMs` (already quantized by the caller). */
  get(atMs: number): Promise<string>;
  dispose(): void;
}

/** Up to `capacity` frames of one camera stream, least recently used dropped first. */
export function createThumbnailCache(
  cameraId: string,
  stream: string,
  capacity = 60,
  load: (url: string) => Promise<Blob> = async (url) => (await apiFetch(url)).blob(),
): ThumbnailCache {
  const entries = new Map<number, Promise<string>>();
  const release = (entry: Promise<string>) => {
    entry.then((url) => URL.revokeObjectURL(url)).catch(() => undefined);
  };
  return {
    get(atMs) {
      const cached = entries.get(atMs);
      if (cached) {
        entries.delete(atMs); // re-insert: most recently used last
        entries.set(atMs, cached);
        return cached;
      }
      const entry = load(frameUrl(cameraId, stream, atMs, THUMBNAIL_WIDTH)).then((blob) =>
        URL.createObjectURL(blob),
      );
      entry.catch(() => {
        if (entries.get(atMs) === entry) entries.delete(atMs); // a failure is not cached
      });
      entries.set(atMs, entry);
      while (entries.size > capacity) {
        const oldest = entries.keys().next().value as number;
        release(entries.get(oldest)!);
        entries.delete(oldest);
      }
      return entry;
    },
    dispose() {
      entries.forEach(release);
      entries.clear();
    },
  };
}
