"""One camera's detections turned into stored events: tracker, rules, pictures, the bus.

`ScenePipeline.on_detections(wall_ms, frame, detections)` runs, per analysed frame and in frame
order, the tracker (with the frame's sharpness for best shots), the rules engine, and for each
`RuleEvent` publishes an `EventReported` carrying the rule's facts (`RuleFacts`: rule, kind,
track, direction and counts, peak count, the track's path normalised to 0..1), the track's best
picture as the snapshot and the object cropped from it as the thumbnail. Motion events are the
tap's and stay as they are: this only adds events of its own.

Pictures: the tracker holds no frames, it says when a frame became a track's best
(`best_is_new`); the pipeline then keeps a copy of that frame (one copy shared by the tracks
that chose it) and encodes JPEGs only when an event needs them, once per best shot. An event
carries a picture when it opens and again only when its track has found a better one; a count
event (several tracks) shows the frame where it opened, without a crop.

Rules and zones change while it runs: `configure` (from the service's reconcile, like the
motion tap's `set_zones`) takes effect at the next frame, closing what the old rules had open.
Blocking (JPEG encoding, the bus stores the event): call it off the inference collector thread.
"""

from __future__ import annotations

import math
import threading
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from vms.analytics.detection import Box, Detection, FrameBGR
from vms.analytics.rules import EngineSettings, Rule, RuleEngine, RuleEvent
from vms.analytics.tracking import Track, Tracker, TrackerSettings, laplacian_sharpness
from vms.analytics.zones import Zone
from vms.core.bus import EventReported, PathPoint, RuleFacts
from vms.core.ids import CameraId
from vms.media.jpeg import JPEG_QUALITY

Publish = Callable[[EventReported], None]


@dataclass(frozen=True, slots=True)
class SceneSettings:
    fps: float = 5.0  # the analysed rate (the tracker's nominal frame gap)
    crop_margin: float = 0.15  # thumbnail: share of the box's size added on each side
    thumbnail_side: int = 256  # thumbnail: longest side at most, in pixels
    path_points: int = 64  # newest points of a track's path an event carries


@dataclass(slots=True)
class _Shot:
    """A track's best picture: the frame (shared by the tracks that chose it) and its box; the
    JPEGs are made once, when an event first needs them."""

    frame: FrameBGR
    box: Box
    wall_ms: int
    snapshot: bytes | None = None
    thumbnail: bytes | None = None


class ScenePipeline:
    """Detections of one camera → tracks → rule events → `EventReported` on `publish`."""

    def __init__(
        self,
        camera_id: CameraId,
        publish: Publish,
        tz: str | zoneinfo.ZoneInfo,
        *,
        settings: SceneSettings | None = None,
        tracker_settings: TrackerSettings | None = None,
        engine_settings: EngineSettings | None = None,
    ) -> None:
        self.camera_id = camera_id
        self._publish = publish
        self._tz = tz
        self._settings = settings or SceneSettings()
        self._engine_settings = engine_settings
        self._tracker = Tracker(self._settings.fps, tracker_settings)
        self._lock = threading.Lock()
        self.rules: tuple[Rule, ...] = ()
        self.zones: tuple[Zone, ...] = ()
        self._pending: tuple[tuple[Rule, ...], tuple[Zone, ...]] | None = None
        self._engine = RuleEngine((), (), tz, engine_settings)
        self._shots: dict[int, _Shot] = {}  # best picture per live track
        self._sent: dict[str, _Shot] = {}  # the picture each open event last carried
        self._last: dict[int, Track] = {}  # tracks of the previous frame (for their paths)
        self._size = (1, 1)  # width, height of the last frame: paths are shares of it

    @property
    def tracks(self) -> tuple[Track, ...]:
        """The confirmed tracks after the last frame (seen in it, or lost for a moment)."""
        return tuple(self._last.values())

    @property
    def issues(self) -> list[tuple[int, str]]:
        """Rules skipped because the camera lacks their zone or line (index, message)."""
        return list(self._engine.issues)

    def configure(self, rules: Sequence[Rule], zones: Sequence[Zone]) -> None:
        """Run these rules over these zones from the next frame on (no change: nothing
        happens). Thread-safe; events the old rules had open close then."""
        wanted = (tuple(rules), tuple(zones))
        with self._lock:
            if wanted != (self.rules, self.zones):
                self.rules, self.zones = wanted
                self._pending = wanted

    def on_detections(
        self, wall_ms: int, frame: FrameBGR, detections: Sequence[Detection]
    ) -> list[EventReported]:
        """Track, judge and report one analysed frame; returns what it published."""
        reports = self._reconfigure()
        height, width = frame.shape[:2]
        self._size = (width, height)
        tracks = self._tracker.update(detections, wall_ms, laplacian_sharpness(frame))
        kept: FrameBGR | None = None
        for track in tracks:
            if track.best_is_new:
                kept = frame.copy() if kept is None else kept
                self._shots[track.track_id] = _Shot(kept, track.best.box, track.best.wall_ms)
        now = {track.track_id: track for track in tracks}
        known = self._last | now  # tracks dropped this frame close their events with their path
        for event in self._engine.update(tracks, wall_ms, (width, height)):
            reports.append(self._report(event, known, frame, wall_ms))
        self._last = now
        self._shots = {tid: shot for tid, shot in self._shots.items() if tid in now}
        for report in reports:
            self._publish(report)
        return reports

    def finish(self) -> list[EventReported]:
        """Close every open event (the stream ended or the camera stopped being analysed)."""
        reports = [self._report(e, self._last, None, e.end_ms or 0) for e in self._engine.finish()]
        for report in reports:
            self._publish(report)
        self._shots.clear()
        self._last = {}
        return reports

    def _reconfigure(self) -> list[EventReported]:
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is None:
            return []
        closed = [self._report(e, self._last, None, e.end_ms or 0) for e in self._engine.finish()]
        self._engine = RuleEngine(pending[0], pending[1], self._tz, self._engine_settings)
        return closed

    def _report(
        self,
        event: RuleEvent,
        tracks: dict[int, Track],
        frame: FrameBGR | None,
        wall_ms: int,
    ) -> EventReported:
        single = event.track_ids[0] if len(event.track_ids) == 1 and event.kind != "count" else None
        track = None if single is None else tracks.get(single)
        shot = self._shot_for(event, single, frame, wall_ms)
        facts = RuleFacts(
            rule=event.rule,
            kind=event.kind,
            track_id=single,
            direction=event.direction,
            count_in=event.count_in,
            count_out=event.count_out,
            peak_count=event.count if event.kind == "count" else None,
            path=() if track is None else self._path(track),
        )
        report = EventReported(
            event_id=event.event_id,
            camera_id=self.camera_id,
            label=event.label,
            phase=event.phase,
            start_ms=event.start_ms,
            end_ms=event.end_ms,
            score=min(max(event.score, 0.0), 1.0),
            zones=event.zones,
            snapshot_jpeg=None if shot is None else shot.snapshot,
            snapshot_ms=None if shot is None else shot.wall_ms,
            thumbnail_jpeg=None if shot is None else shot.thumbnail,
            rule=facts,
        )
        if event.phase == "closed":
            self._sent.pop(event.event_id, None)
        return report

    def _shot_for(
        self, event: RuleEvent, track_id: int | None, frame: FrameBGR | None, wall_ms: int
    ) -> _Shot | None:
        """The picture this report should carry: None when the event already has the best."""
        if track_id is not None:
            shot = self._shots.get(track_id)
        elif event.phase == "opened" and frame is not None:  # a count: the scene as it opened
            shot = _Shot(frame.copy(), (0.0, 0.0, 0.0, 0.0), wall_ms)
        else:
            shot = None
        if shot is None or self._sent.get(event.event_id) is shot:
            return None
        self._sent[event.event_id] = shot
        if shot.snapshot is None:
            shot.snapshot = _jpeg(shot.frame)
            if track_id is not None:
                shot.thumbnail = _jpeg(self._crop(shot.frame, shot.box))
        return shot

    def _crop(self, frame: FrameBGR, box: Box) -> FrameBGR:
        """The box with a margin on each side, within the frame, scaled down to the size of a
        thumbnail (never up)."""
        height, width = frame.shape[:2]
        x1, y1, x2, y2 = box
        mx, my = (x2 - x1) * self._settings.crop_margin, (y2 - y1) * self._settings.crop_margin
        left, top = max(int(x1 - mx), 0), max(int(y1 - my), 0)
        right, bottom = min(math.ceil(x2 + mx), width), min(math.ceil(y2 + my), height)
        crop = frame[top : max(bottom, top + 1), left : max(right, left + 1)]
        scale = self._settings.thumbnail_side / max(crop.shape[:2])
        if scale >= 1:
            return np.ascontiguousarray(crop)
        size = (max(round(crop.shape[1] * scale), 1), max(round(crop.shape[0] * scale), 1))
        return np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)

    def _path(self, track: Track) -> tuple[PathPoint, ...]:
        """The track's newest path points, as shares of the picture (4 decimals)."""
        width, height = self._size
        points = track.path[-self._settings.path_points :]
        return tuple((t, round(x / width, 4), round(y / height, 4)) for t, x, y in points)


def _jpeg(image: FrameBGR) -> bytes | None:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return bytes(encoded.tobytes()) if ok else None
