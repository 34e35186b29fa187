"""Where the sample media live, and the real people and vehicle cut-outs the composite scene moves.

`make setup` (scripts/sample_media.py) takes the files out of Debian packages into `.cache/media`
of the checkout; `VMS_MEDIA_DIR` points elsewhere. The cut-outs are crops of `vtest.avi` frames
with their boxes written here, made when a scene is built, so no picture is committed and the
scenes need nothing beyond what `make setup` installs. A missing file is an error that says so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

MEDIA_ENV = "VMS_MEDIA_DIR"
VTEST = "vtest.avi"
GRACE_HOPPER = "grace_hopper.jpg"

ImageBGR = npt.NDArray[np.uint8]  # (height, width, 3)


class MissingMediaError(FileNotFoundError):
    """A sample file is not installed; the message says how to install it."""


def media_dir() -> Path:
    """`$VMS_MEDIA_DIR`, else `.cache/media` of the checkout this package runs from."""
    configured = os.environ.get(MEDIA_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / ".cache" / "media"


def sample_path(name: str) -> Path:
    """The installed sample file `name` (e.g. "vtest.avi"); raises when it is not there."""
    path = media_dir() / name
    if not path.is_file():
        raise MissingMediaError(
            f"sample media {path} is missing: run `make setup` "
            f"(scripts/sample_media.py installs it; {MEDIA_ENV} points elsewhere)"
        )
    return path


@dataclass(frozen=True, slots=True)
class CutOut:
    """A crop of one `vtest.avi` frame showing one whole object, tight around it."""

    name: str
    label: str  # its COCO label, for detector and rule tests
    frame: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the 768x576 frame


CUTOUTS = {
    cut.name: cut
    for cut in (
        CutOut("walker-dark", "person", 0, (250, 214, 290, 312)),  # dark coat, walking left
        CutOut("walker-black", "person", 0, (634, 234, 690, 324)),  # black coat, mid-stride
        CutOut("walker-jeans", "person", 0, (496, 152, 534, 236)),  # jeans, walking towards
        CutOut("van", "car", 0, (646, 40, 728, 104)),  # the parked white van
    )
}

# The empty lawn of frame 0 (no walkers, litter or tripod), stretched over the scene.
LAWN_BOX = (20, 330, 300, 440)


def vtest_frames(indexes: set[int]) -> dict[int, ImageBGR]:
    """The `vtest.avi` frames at `indexes` (decode order), as BGR pictures."""
    wanted = max(indexes)
    frames: dict[int, ImageBGR] = {}
    with av.open(str(sample_path(VTEST))) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in indexes:
                frames[index] = np.ascontiguousarray(frame.to_ndarray(format="bgr24"))
            if index >= wanted:
                break
    missing = indexes - frames.keys()
    if missing:
        raise ValueError(f"{VTEST} has no frames {sorted(missing)}")
    return frames


def load_cutouts(names: set[str]) -> dict[str, ImageBGR]:
    """The pictures of the cut-outs `names` (keys of CUTOUTS) and of the lawn ("lawn")."""
    unknown = names - CUTOUTS.keys()
    if unknown:
        raise ValueError(f"unknown cut-outs {sorted(unknown)}; known: {sorted(CUTOUTS)}")
    frames = vtest_frames({0} | {CUTOUTS[name].frame for name in names})
    pictures = {"lawn": _crop(frames[0], LAWN_BOX)}
    for name in names:
        cut = CUTOUTS[name]
        pictures[name] = _crop(frames[cut.frame], cut.box)
    return pictures


def background(kind: str, lawn: ImageBGR, size: tuple[int, int]) -> ImageBGR:
    """The scene's backdrop at `size`: the stretched lawn (softened) or a plain grey."""
    width, height = size
    if kind == "plain":
        return np.full((height, width, 3), 118, dtype=np.uint8)
    stretched = cv2.resize(lawn, (width, height), interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(cv2.GaussianBlur(stretched, (0, 0), 1.5), dtype=np.uint8)


def _crop(frame: ImageBGR, box: tuple[int, int, int, int]) -> ImageBGR:
    x0, y0, x1, y1 = box
    return np.ascontiguousarray(frame[y0:y1, x0:x1])
