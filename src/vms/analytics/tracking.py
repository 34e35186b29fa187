"""Multi-object tracking (ByteTrack): the detections of each frame become tracks with stable ids.

Why hand-written: `supervision` 0.31 dropped its ByteTrack, and roboflow's `trackers` pulls the
non-headless opencv-python next to our headless build (two cv2 modules in one environment). The
algorithm is small — a Kalman filter per track, IoU and the Hungarian method from scipy — and
owning it lets it speak our `Detection` and wall-clock times directly.

Each frame (ByteTrack, Zhang et al. 2022):
1. every track's box is predicted forward (constant velocity, `vms.analytics.kalman`);
2. confident detections (score ≥ `high_score`) are matched to confirmed and lost tracks by IoU;
3. weak detections (`low_score` ≤ score < `high_score`) may only continue tracks still unmatched
   and seen in the last frame — a half-hidden person keeps their track instead of spawning noise;
4. tentative tracks take what confident detections remain; those not seen again die;
5. confident detections left over start tentative tracks, confirmed after `confirm_hits` frames
   in a row (only then do they get an id, so flickers never use one up);
6. a track not seen for `lost_s` is dropped; until then it is "lost" and keeps its id, which is
   what carries a person through a short occlusion.
Detections only ever continue a track of their own label group (a person never takes a car's id;
car, truck and bus share a group because detectors confuse them), and the track's label is the
majority of its detections' labels.

The tracker never holds frames: it asks the caller's `Sharpness` callback about a box only when
that detection could become the track's best picture, and reports which frame that was
(`Track.best`, `Track.best_is_new`) so the caller keeps the JPEG if it wants one.
"""

from __future__ import annotations

import functools
import math
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from vms.analytics.detection import Box, Detection, FrameBGR
from vms.analytics.kalman import STEP_MS, BoxKalman, iou_matrix

Sharpness = Callable[[Box], float]  # 0..1 for the pixels of a box in the current frame
PathPoint = tuple[int, float, float]  # wall ms, x, y of the box's bottom centre in pixels
_SHARP_HALF = 100.0  # Laplacian variance at which a crop counts as half sharp


@functools.cache
def _assignment() -> Callable[[Any], tuple[Any, Any]]:
    """scipy's Hungarian method, imported on first use: `scipy.optimize` takes 2 s of the 5 s
    that `vms serve` spends importing, and only cameras with object detection need it."""
    from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

    solve: Callable[[Any], tuple[Any, Any]] = linear_sum_assignment
    return solve


@dataclass(frozen=True, slots=True)
class TrackerSettings:
    high_score: float = 0.5
    low_score: float = 0.1
    new_track_score: float = 0.6  # a detection must be this sure to start a track
    match_iou: float = 0.2  # the least overlap for a confident detection to continue a track
    low_match_iou: float = 0.5  # ... for a weak one (stricter: weak detections are often noise)
    tentative_match_iou: float = 0.3
    # Boxes grow by this share on each side before a tentative track (no speed known yet) is
    # matched: at 5 fps a walker's two boxes may not overlap at all (see kalman.iou_matrix).
    tentative_buffer: float = 0.5
    confirm_hits: int = 2
    lost_s: float = 1.0
    path_points: int = 64
    speed_smoothing: float = 0.3  # weight of the newest measurement in the running speed
    label_groups: tuple[frozenset[str], ...] = (frozenset({"car", "truck", "bus"}),)


@dataclass(frozen=True, slots=True)
class BestShot:
    """The frame in which a track looked best (score × area × sharpness)."""

    frame_index: int  # counts `Tracker.update` calls from 0
    wall_ms: int
    box: Box
    quality: float


@dataclass(frozen=True, slots=True)
class Track:
    """What is known of one confirmed track after a frame."""

    track_id: int
    label: str  # the majority of its detections
    score: float  # running mean of its detections' scores
    box: Box  # as last detected (not the filter's estimate: rules see what the detector saw)
    visible: bool  # detected in this frame; False while lost (occluded), before it is dropped
    first_ms: int
    last_ms: int  # when it was last detected
    speed_px_s: float
    path: tuple[PathPoint, ...]  # bottom centres of recent detections, oldest first
    best: BestShot
    best_is_new: bool  # this frame became the best shot: keep its picture now

    @property
    def foot(self) -> tuple[float, float]:
        """Bottom centre of the box: where the object stands, which zones and lines test."""
        return (self.box[0] + self.box[2]) / 2, self.box[3]


@dataclass(slots=True, eq=False)
class _State:
    group: str
    kalman: BoxKalman
    detection: Detection
    first_ms: int
    track_id: int = 0  # 0 while tentative
    hits: int = 1
    last_ms: int = 0
    score: float = 0.0
    visible: bool = True
    labels: Counter[str] = field(default_factory=Counter)
    path: deque[PathPoint] = field(default_factory=deque)
    velocity: tuple[float, float] | None = None
    best: BestShot | None = None
    best_is_new: bool = False


class Tracker:
    """One camera's tracks; feed it every analysed frame's detections in time order."""

    def __init__(
        self, fps: float, settings: TrackerSettings | None = None, *, first_id: int = 1
    ) -> None:
        if fps <= 0:
            raise ValueError(f"fps must be positive, not {fps}")
        if first_id < 1:
            raise ValueError(f"track ids start at 1 or more, not {first_id}")
        self._frame_ms = 1000.0 / fps
        self._settings = settings or TrackerSettings()
        self._groups = {label: min(g) for g in self._settings.label_groups for label in g}
        self._next_id = first_id
        self._frame_index = -1
        self._last_ms: int | None = None
        self._tracks: list[_State] = []  # confirmed, seen or lost
        self._tentative: list[_State] = []

    def update(
        self, detections: Sequence[Detection], wall_ms: int, sharpness: Sharpness | None = None
    ) -> list[Track]:
        """The confirmed tracks after the frame at `wall_ms`, seen or lost, by id."""
        self._frame_index += 1
        gap_ms = self._frame_ms if self._last_ms is None else max(wall_ms - self._last_ms, 1)
        steps = gap_ms / STEP_MS
        self._last_ms = wall_ms
        for state in (*self._tracks, *self._tentative):
            state.kalman.predict(steps)
            state.best_is_new = False
        settings = self._settings
        high = [d for d in detections if d.score >= settings.high_score]
        low = [d for d in detections if settings.low_score <= d.score < settings.high_score]
        seen = {id(state) for state in self._tracks if state.visible}
        for state in self._tracks:
            state.visible = False  # until a detection continues it
        _, left, high = self._match(self._tracks, high, settings.match_iou, wall_ms)
        still_seen = [state for state in left if id(state) in seen]
        self._match(still_seen, low, settings.low_match_iou, wall_ms)
        kept, _, high = self._match(
            self._tentative,
            high,
            settings.tentative_match_iou,
            wall_ms,
            buffer=settings.tentative_buffer,
        )
        self._tentative = kept  # the unmatched die: a flicker never gets an id
        self._promote()
        lost_ms = settings.lost_s * 1000
        self._tracks = [s for s in self._tracks if s.visible or wall_ms - s.last_ms <= lost_ms]
        for detection in high:
            if detection.score >= settings.new_track_score:
                self._tentative.append(self._start(detection, wall_ms))
        if settings.confirm_hits <= 1:
            self._promote()
        for state in self._tracks:
            if state.visible:
                self._judge_best(state, sharpness, wall_ms)
        return [self._view(state) for state in sorted(self._tracks, key=lambda s: s.track_id)]

    def _match(
        self,
        states: list[_State],
        detections: list[Detection],
        min_iou: float,
        wall_ms: int,
        *,
        buffer: float = 0.0,
    ) -> tuple[list[_State], list[_State], list[Detection]]:
        """Pair states with detections of their group, most overlap first; apply the pairs.
        Returns the matched states, the unmatched states and the unmatched detections."""
        if not states or not detections:
            return [], list(states), list(detections)
        iou = iou_matrix([s.kalman.box for s in states], [d.box for d in detections], buffer)
        groups = np.array([self._group(d.label) for d in detections])
        allowed = (np.array([s.group for s in states])[:, None] == groups[None, :]) & (
            iou >= min_iou
        )
        rows, cols = _assignment()(np.where(allowed, 1.0 - iou, 1e6))
        pairs = [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if allowed[r, c]]
        for row, col in pairs:
            self._observe(states[row], detections[col], wall_ms)
        used_rows, used_cols = {r for r, _ in pairs}, {c for _, c in pairs}
        return (
            [states[r] for r, _ in pairs],
            [s for i, s in enumerate(states) if i not in used_rows],
            [d for i, d in enumerate(detections) if i not in used_cols],
        )

    def _group(self, label: str) -> str:
        return self._groups.get(label, label)

    def _start(self, detection: Detection, wall_ms: int) -> _State:
        state = _State(self._group(detection.label), BoxKalman(detection.box), detection, wall_ms)
        state.path = deque(maxlen=self._settings.path_points)
        self._record(state, detection, wall_ms)
        return state

    def _observe(self, state: _State, detection: Detection, wall_ms: int) -> None:
        state.kalman.update(detection.box)
        state.hits += 1
        state.detection = detection
        self._record(state, detection, wall_ms)

    def _record(self, state: _State, detection: Detection, wall_ms: int) -> None:
        """The measured facts of a detection: label vote, score, path and speed."""
        weight = self._settings.speed_smoothing
        state.labels[detection.label] += 1
        state.score = (
            detection.score
            if state.hits == 1
            else (state.score + (detection.score - state.score) / min(state.hits, 10))
        )
        x1, _, x2, y2 = detection.box
        foot = ((x1 + x2) / 2, y2)
        if state.path and wall_ms > state.path[-1][0]:
            then, px, py = state.path[-1]
            seconds = (wall_ms - then) / 1000
            now = ((foot[0] - px) / seconds, (foot[1] - py) / seconds)
            old = state.velocity or now
            state.velocity = (
                old[0] + weight * (now[0] - old[0]),
                old[1] + weight * (now[1] - old[1]),
            )
        state.path.append((wall_ms, *foot))
        state.last_ms = wall_ms
        state.visible = True

    def _promote(self) -> None:
        """Tentative tracks seen often enough become tracks with an id."""
        keep: list[_State] = []
        for state in self._tentative:
            if state.hits >= self._settings.confirm_hits:
                state.track_id, self._next_id = self._next_id, self._next_id + 1
                self._tracks.append(state)
            else:
                keep.append(state)
        self._tentative = keep

    def _judge_best(self, state: _State, sharpness: Sharpness | None, wall_ms: int) -> None:
        """Keep this frame as the best shot when score × area × sharpness beats the last best.
        Sharpness is in 0..1, so it is only asked for when score × area alone could win."""
        detection = state.detection
        x1, y1, x2, y2 = detection.box
        bound = detection.score * max(x2 - x1, 0.0) * max(y2 - y1, 0.0)
        if state.best is not None and bound <= state.best.quality:
            return
        quality = bound * (1.0 if sharpness is None else sharpness(detection.box))
        if state.best is None or quality > state.best.quality:
            state.best = BestShot(self._frame_index, wall_ms, detection.box, quality)
            state.best_is_new = True

    @staticmethod
    def _view(state: _State) -> Track:
        vx, vy = state.velocity or (0.0, 0.0)
        best = state.best or BestShot(0, state.first_ms, state.detection.box, 0.0)
        return Track(
            track_id=state.track_id,
            label=state.labels.most_common(1)[0][0],
            score=state.score,
            box=state.detection.box,
            visible=state.visible,
            first_ms=state.first_ms,
            last_ms=state.last_ms,
            speed_px_s=math.hypot(vx, vy),
            path=tuple(state.path),
            best=best,
            best_is_new=state.best_is_new,
        )


def laplacian_sharpness(frame: FrameBGR) -> Sharpness:
    """A `Sharpness` for one frame: the variance of the Laplacian of the box's grey crop, mapped
    to 0..1 (blurred or tiny crops score low). The caller makes one per frame and drops it."""

    def measure(box: Box) -> float:
        height, width = frame.shape[:2]
        x1, y1 = max(int(box[0]), 0), max(int(box[1]), 0)
        x2, y2 = min(math.ceil(box[2]), width), min(math.ceil(box[3]), height)
        if x2 - x1 < 3 or y2 - y1 < 3:
            return 0.0
        grey = cv2.cvtColor(frame[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
        variance = float(cv2.Laplacian(grey, cv2.CV_64F).var())
        return variance / (variance + _SHARP_HALF)

    return measure
