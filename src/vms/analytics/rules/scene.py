"""Where each track stands, frame after frame: the zones it is in, how long it has been there,
the side of each line it is on, and what changed (entries, exits, crossings, tracks gone).

This is the state the rules share, kept once per camera whatever the number of rules, and the
owner of "time in each zone" per track (the tracker knows no zones). A track stands at the
bottom centre of its box (`Track.foot`). Both tests use hysteresis of `margin_px`, because a
detector's boxes jitter by a few pixels from frame to frame:
- a track enters a zone when its foot is inside (or on the outline) and leaves only once it is
  more than the margin outside; a track first seen inside a zone counts as entering it;
- a line's side is settled only once the foot is more than the margin away from the line; a
  crossing is a change of settled side whose last step across the line passed between the
  line's two points, so a foot dithering on the line makes one crossing, not one per frame.
A lost (occluded) track keeps its zones and sides until it is seen again or dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from vms.analytics.rules.geometry import PixelLine, PixelPolygon, to_pixels
from vms.analytics.rules.model import Direction
from vms.analytics.tracking import Track
from vms.analytics.zones import Zone

Pixel = tuple[float, float]


@dataclass(slots=True)
class TrackMemo:
    """What the rules remember of one track."""

    track: Track
    inside: set[str] = field(default_factory=set)
    entered_ms: dict[str, int] = field(default_factory=dict)  # start of the current stay
    zone_ms: dict[str, int] = field(default_factory=dict)  # total time in each zone
    sides: dict[str, int] = field(default_factory=dict)  # line → -1 (A) or 1 (B), once settled
    crossed_at: dict[str, float] = field(default_factory=dict)  # line → last step across it
    qualified: set[str] = field(default_factory=set)  # names of the rules it passed filters of
    foot: Pixel | None = None


@dataclass(frozen=True, slots=True)
class Crossing:
    track_id: int
    line: str
    direction: Direction


@dataclass(slots=True)
class SceneChange:
    """What one frame changed."""

    wall_ms: int
    entered: list[tuple[int, str]] = field(default_factory=list)  # (track id, zone)
    exited: list[tuple[int, str]] = field(default_factory=list)
    crossings: list[Crossing] = field(default_factory=list)
    gone: list[TrackMemo] = field(default_factory=list)  # dropped by the tracker this frame


class Scene:
    """One camera's zones and lines and the tracks among them; feed it every frame in order."""

    def __init__(self, zones: Sequence[Zone], margin: float) -> None:
        self._zones = list(zones)
        self._margin = margin  # share of the picture height
        self._size: tuple[int, int] | None = None
        self._polygons: dict[str, PixelPolygon] = {}
        self._lines: dict[str, PixelLine] = {}
        self._margin_px = 0.0
        self._last_ms: int | None = None
        self.memos: dict[int, TrackMemo] = {}

    def update(
        self, tracks: Sequence[Track], wall_ms: int, frame_size: tuple[int, int]
    ) -> SceneChange:
        if frame_size != self._size:
            self._size = frame_size
            self._polygons, self._lines = to_pixels(self._zones, frame_size)
            self._margin_px = self._margin * frame_size[1]
        change = SceneChange(wall_ms)
        elapsed = 0 if self._last_ms is None else max(wall_ms - self._last_ms, 0)
        self._last_ms = wall_ms
        present = {track.track_id for track in tracks}
        for track_id in [tid for tid in self.memos if tid not in present]:
            change.gone.append(self.memos.pop(track_id))
        for track in tracks:
            memo = self.memos.get(track.track_id)
            if memo is None:
                memo = self.memos[track.track_id] = TrackMemo(track)
            for zone in memo.inside:
                memo.zone_ms[zone] = memo.zone_ms.get(zone, 0) + elapsed
            memo.track = track
            if track.visible:
                self._place(memo, track.foot, change)
        return change

    def _place(self, memo: TrackMemo, foot: Pixel, change: SceneChange) -> None:
        track_id = memo.track.track_id
        for name, polygon in self._polygons.items():
            distance = polygon.signed_distance(foot)
            if name in memo.inside and distance < -self._margin_px:
                memo.inside.discard(name)
                memo.entered_ms.pop(name, None)
                change.exited.append((track_id, name))
            elif name not in memo.inside and distance >= 0:
                memo.inside.add(name)
                memo.entered_ms[name] = change.wall_ms
                change.entered.append((track_id, name))
        for name, line in self._lines.items():
            crossing = self._cross(memo, name, line, foot)
            if crossing is not None:
                change.crossings.append(Crossing(track_id, name, crossing))
        memo.foot = foot

    def _cross(self, memo: TrackMemo, name: str, line: PixelLine, foot: Pixel) -> Direction | None:
        if memo.foot is not None:
            at = line.crossing_at(memo.foot, foot)
            if at is not None:
                memo.crossed_at[name] = at
        side = line.side(foot)
        settled = -1 if side < -self._margin_px else (1 if side > self._margin_px else 0)
        before = memo.sides.get(name)
        if settled in (0, before):
            return None
        memo.sides[name] = settled
        at = memo.crossed_at.pop(name, None)
        if before is None or at is None or not 0.0 <= at <= 1.0:
            return None  # first sighting, or it went round the end of the line
        return "a_to_b" if settled == 1 else "b_to_a"
