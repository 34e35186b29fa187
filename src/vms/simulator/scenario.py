"""The composite scene's script (`Scenario`) and its ground truth: where each object is, per frame.

A scenario moves cut-outs (media.CUTOUTS) along straight segments between waypoints at constant
speed; two waypoints at one place make the object stand (loiter). Positions are the bottom centre
of the object's box as fractions of the frame, so a scenario fits any stream size, and the truth is
computed from the same numbers the renderer draws with: frame n (time n / fps from the stream's
start, and of every loop after it) shows each object exactly at its truth box, so tests need no
geometry of their own. Scenarios load from JSON or YAML (`load_scenario`) or are built in Python.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from vms.media.clockcode import code_box
from vms.simulator.media import CUTOUTS

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the main stream
CUTOUT_SIZES = {
    name: (cut.box[2] - cut.box[0], cut.box[3] - cut.box[1]) for name, cut in CUTOUTS.items()
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Waypoint(_Model):
    """The object's box bottom centre (fractions of width and height) at `t` seconds."""

    t: float = Field(ge=0)
    x: float
    y: float


class SceneObject(_Model):
    """A cut-out walking the waypoints; it is in the picture from the first to the last one."""

    id: str = Field(min_length=1)
    cutout: str
    height: float = Field(gt=0, le=1, description="box height as a fraction of the frame height")
    path: tuple[Waypoint, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> SceneObject:
        if self.cutout not in CUTOUTS:
            raise ValueError(f"unknown cutout {self.cutout!r}; known: {', '.join(CUTOUTS)}")
        times = [point.t for point in self.path]
        if any(later <= earlier for earlier, later in itertools.pairwise(times)):
            raise ValueError(f"object {self.id!r}: waypoint times must increase")
        return self


class Occluder(_Model):
    """A filled rectangle drawn in front of every object (a pillar, a parked box)."""

    box: tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the frame
    colour: tuple[int, int, int] = (96, 96, 100)  # BGR


class Scenario(_Model):
    """One loop of the composite scene: `duration_s` long, then it starts again."""

    duration_s: float = Field(gt=0, le=3600)
    background: Literal["lawn", "plain"] = "lawn"
    frame_code: bool = True  # the frame number as a clock code in the top-left corner
    objects: tuple[SceneObject, ...] = ()
    occluders: tuple[Occluder, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        ids = [obj.id for obj in self.objects]
        if len(set(ids)) != len(ids):
            raise ValueError("object ids must be unique")
        for obj in self.objects:
            if obj.path[-1].t > self.duration_s:
                raise ValueError(f"object {obj.id!r}: a waypoint lies after duration_s")
        return self


class ScenarioError(ValueError):
    """A scenario file that cannot be read or is invalid; the message names the file and field."""


def load_scenario(path: str | Path) -> Scenario:
    """Read a JSON or YAML scenario file (YAML reads JSON too)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ScenarioError(f"scenario {path}: {error}") from error
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        lines = [
            f"  {'.'.join(str(part) for part in item['loc']) or '(top)'}: {item['msg']}"
            for item in error.errors()
        ]
        raise ScenarioError(f"scenario {path} is invalid:\n" + "\n".join(lines)) from error


DEFAULT_SCENARIO = Scenario(
    duration_s=20.0,
    objects=(
        # Left to right across the middle, behind the pillar at x 0.30..0.40 for about a second.
        SceneObject(
            id="walker-1",
            cutout="walker-dark",
            height=0.3,
            path=(Waypoint(t=0, x=-0.05, y=0.78), Waypoint(t=12, x=1.05, y=0.78)),
        ),
        # Comes in from the right, stands 8 s at (0.6, 0.55), leaves to the left.
        SceneObject(
            id="walker-2",
            cutout="walker-jeans",
            height=0.26,
            path=(
                Waypoint(t=2, x=1.05, y=0.55),
                Waypoint(t=6, x=0.6, y=0.55),
                Waypoint(t=14, x=0.6, y=0.55),
                Waypoint(t=19, x=-0.05, y=0.55),
            ),
        ),
        SceneObject(
            id="van-1",
            cutout="van",
            height=0.22,
            path=(Waypoint(t=8, x=-0.2, y=0.98), Waypoint(t=16, x=1.2, y=0.98)),
        ),
    ),
    occluders=(Occluder(box=(0.3, 0.42, 0.4, 0.82)),),
)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one object is drawn in one frame, and how much of it can be seen."""

    frame: int
    box: Box  # may reach outside the frame while the object enters or leaves
    visible: float  # fraction of the box inside the frame and not behind an occluder or the code


def frame_count(scenario: Scenario, fps: float) -> int:
    """Frames in one loop."""
    return max(1, round(scenario.duration_s * fps))


def object_size(obj: SceneObject, size: tuple[int, int]) -> tuple[int, int]:
    """The box's width and height in pixels: `height` of the frame, the cut-out's aspect ratio."""
    cut_w, cut_h = CUTOUT_SIZES[obj.cutout]
    height = max(2, round(obj.height * size[1]))
    return max(2, round(height * cut_w / cut_h)), height


def position(obj: SceneObject, t: float) -> tuple[float, float] | None:
    """The bottom centre (fractions) at `t`, None when the object is not in the scene then."""
    path = obj.path
    if t < path[0].t or t > path[-1].t:
        return None
    for start, end in itertools.pairwise(path):
        if start.t <= t <= end.t:
            share = (t - start.t) / (end.t - start.t)
            return start.x + (end.x - start.x) * share, start.y + (end.y - start.y) * share
    return path[0].x, path[0].y


def occluder_boxes(scenario: Scenario, size: tuple[int, int]) -> list[Box]:
    """The occluders in pixels (the frame code's corner is not among them)."""
    width, height = size
    return [
        (
            round(o.box[0] * width),
            round(o.box[1] * height),
            round(o.box[2] * width),
            round(o.box[3] * height),
        )
        for o in scenario.occluders
    ]


def placements(scenario: Scenario, size: tuple[int, int], fps: float) -> dict[str, list[Placement]]:
    """Every object's box in every frame of one loop where it is in the scene."""
    width, height = size
    hidden = np.zeros((height, width), dtype=bool)
    covers = occluder_boxes(scenario, size)
    if scenario.frame_code:
        covers.append(code_box(width, height))
    for x0, y0, x1, y1 in covers:
        hidden[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = True
    result: dict[str, list[Placement]] = {}
    for obj in scenario.objects:
        box_w, box_h = object_size(obj, size)
        placed: list[Placement] = []
        for frame in range(frame_count(scenario, fps)):
            where = position(obj, frame / fps)
            if where is None:
                continue
            x0 = round(where[0] * width - box_w / 2)
            y1 = round(where[1] * height)
            box = (x0, y1 - box_h, x0 + box_w, y1)
            placed.append(Placement(frame, box, _visible(box, hidden)))
        result[obj.id] = placed
    return result


def _visible(box: Box, hidden: np.ndarray[Any, np.dtype[np.bool_]]) -> float:
    height, width = hidden.shape
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(width, box[2]), min(height, box[3])
    if x1 <= x0 or y1 <= y0:
        return 0.0
    seen = (x1 - x0) * (y1 - y0) - int(hidden[y0:y1, x0:x1].sum())
    return round(float(seen) / ((box[2] - box[0]) * (box[3] - box[1])), 4)


def truth(scenario: Scenario, size: tuple[int, int], fps: float) -> dict[str, Any]:
    """The ground truth as JSON-ready data: per object, each frame's box, anchor and visibility.

    `anchor` is the box's bottom centre, the point zone and line rules test. Boxes are in pixels of
    the main stream (`width` x `height`); the sub stream is half of both.
    """
    placed = placements(scenario, size, fps)
    objects = []
    for obj in scenario.objects:
        frames = [
            {
                "frame": p.frame,
                "box": list(p.box),
                "anchor": [(p.box[0] + p.box[2]) / 2, float(p.box[3])],
                "visible": p.visible,
            }
            for p in placed[obj.id]
        ]
        objects.append(
            {
                "id": obj.id,
                "label": CUTOUTS[obj.cutout].label,
                "cutout": obj.cutout,
                "frames": frames,
            }
        )
    return {
        "width": size[0],
        "height": size[1],
        "fps": fps,
        "frames": frame_count(scenario, fps),
        "frame_code": scenario.frame_code,
        "occluders": [list(box) for box in occluder_boxes(scenario, size)],
        "objects": objects,
    }
