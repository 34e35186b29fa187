// Reading and replacing a camera's zones and lines, and the URL of its picture to draw on.
import { api, unwrap } from "../../api/client";
import type { Point, Shape } from "./geometry";

/** A zone as the responses carry it. */
interface ZoneOut {
  name: string;
  kind: Shape["kind"];
  points: number[][];
}

/** The server's shape with its points as [x, y] pairs (the schema says only "lists of numbers"). */
function shapeOf(zone: ZoneOut): Shape {
  return { name: zone.name, kind: zone.kind, points: zone.points.map(([x = 0, y = 0]): Point => [x, y]) };
}

export async function getZones(cameraId: string): Promise<Shape[]> {
  const zones = unwrap(await api.GET("/api/v1/cameras/{camera_id}/zones", { params: { path: { camera_id: cameraId } } }));
  return zones.map(shapeOf);
}

/** Replace all of the camera's zones and lines; answers with what the server stored. */
export async function putZones(cameraId: string, shapes: Shape[]): Promise<Shape[]> {
  const body = shapes.map(({ name, kind, points }) => ({ name: name.trim(), kind, points }));
  const stored = unwrap(
    await api.PUT("/api/v1/cameras/{camera_id}/zones", { params: { path: { camera_id: cameraId } }, body }),
  );
  return stored.map(shapeOf);
}

/** A fresh picture of the camera's main stream (`nonce` defeats caches when asking again). */
export function snapshotUrl(cameraId: string, nonce: number): string {
  return `/api/v1/cameras/${encodeURIComponent(cameraId)}/snapshot.jpg?stream=main&width=1280&n=${nonce}`;
}
