"""Real sample pictures and clips for analytics tests, and the composite scene's ground truth.

Where each file comes from (all installed by `make setup`, none downloaded by a test):
- `vtest_path()`, `grace_hopper_path()`: taken out of Debian packages by scripts/sample_media.py
  into `.cache/media` (SHA-256 checked);
- `astronaut_path()`, `camera_path()`, `coffee_path()`, `motorcycle_path()`: scikit-image's own
  data folder (a dev dependency), read without importing scikit-image;
- `cutout(name)`: a crop of a `vtest.avi` frame (vms.simulator.media.CUTOUTS) showing a walker
  or the van, the same pictures the composite scene moves.
A missing file fails the test with a message that says to run `make setup`; nothing is skipped.
`SceneTruth` reads the simulator's `--truth-out` file so tests take frames and boxes from it.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vms.simulator.media import (
    CUTOUTS,
    GRACE_HOPPER,
    VTEST,
    ImageBGR,
    load_cutouts,
    sample_path,
)

__all__ = [
    "CUTOUTS",
    "SceneTruth",
    "astronaut_path",
    "camera_path",
    "coffee_path",
    "cutout",
    "grace_hopper_path",
    "motorcycle_path",
    "vtest_path",
]


def vtest_path() -> Path:
    """OpenCV's `vtest.avi`: 768x576, 10 fps, 795 frames of walkers, a parked van and car."""
    return sample_path(VTEST)


def grace_hopper_path() -> Path:
    """matplotlib's `grace_hopper.jpg`: a 512x600 portrait (one person)."""
    return sample_path(GRACE_HOPPER)


def _skimage_data(name: str) -> Path:
    spec = importlib.util.find_spec("skimage")
    if spec is None or spec.origin is None:
        raise AssertionError(f"scikit-image is not installed, so {name} is missing: run make setup")
    path = Path(spec.origin).parent / "data" / name
    if not path.is_file():
        raise AssertionError(f"{path} is missing: run make setup (scikit-image ships it)")
    return path


def astronaut_path() -> Path:
    """`astronaut.png`, 512x512 RGB: one person (upper body) with a flag behind her."""
    return _skimage_data("astronaut.png")


def camera_path() -> Path:
    """`camera.png`, 512x512 grey: a cameraman with a tripod on a field."""
    return _skimage_data("camera.png")


def coffee_path() -> Path:
    """`coffee.png`, 600x400 RGB: a cup of coffee, no person (a negative)."""
    return _skimage_data("coffee.png")


def motorcycle_path() -> Path:
    """`motorcycle_left.png`, 741x500 RGB: a motorcycle in a workshop, no person."""
    return _skimage_data("motorcycle_left.png")


def cutout(name: str) -> ImageBGR:
    """The BGR picture of one of CUTOUTS ("walker-dark", "walker-black", "walker-jeans", "van")."""
    return load_cutouts({name})[name]


Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class TruthFrame:
    frame: int
    box: Box  # x0, y0, x1, y1 in main-stream pixels; may reach outside the picture
    anchor: tuple[float, float]  # bottom centre of the box: what zone and line rules test
    visible: float  # share of the box in the picture and not behind an occluder or the code


@dataclass(frozen=True, slots=True)
class SceneTruth:
    """The `--truth-out` JSON: one loop of `frames` frames at `fps`, per object its frames."""

    width: int
    height: int
    fps: float
    frames: int
    labels: dict[str, str]  # object id -> COCO label
    tracks: dict[str, dict[int, TruthFrame]]  # object id -> frame number -> where it is

    @classmethod
    def load(cls, path: Path) -> SceneTruth:
        """Read a `--truth-out` file."""
        return cls.of(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def of(cls, data: dict[str, Any]) -> SceneTruth:
        """From the data `vms.simulator.scenario.truth()` returns (an in-process simulator)."""
        tracks = {
            obj["id"]: {
                f["frame"]: TruthFrame(
                    f["frame"], tuple(f["box"]), tuple(f["anchor"]), f["visible"]
                )
                for f in obj["frames"]
            }
            for obj in data["objects"]
        }
        labels = {obj["id"]: obj["label"] for obj in data["objects"]}
        return cls(data["width"], data["height"], data["fps"], data["frames"], labels, tracks)

    def at(self, object_id: str, frame: int) -> TruthFrame | None:
        """Where the object is in `frame` (any loop: frames count on from the stream's start)."""
        return self.tracks[object_id].get(frame % self.frames)

    def first_frame(self, object_id: str, test: Callable[[TruthFrame], bool]) -> int | None:
        """The first frame of the loop in which `test` holds for the object, e.g. its anchor is
        past a line: the frame a rule should fire on."""
        return next((n for n, f in sorted(self.tracks[object_id].items()) if test(f)), None)
