"""The scene modes: `vtest` (the real clip) and `composite` (cut-outs on known paths), as loops.

A scene is rendered once at the stream's size, fps and codec into a temporary MP4, which the file
source then loops by stream copy with continuous timestamps, exactly like `--source FILE`: serving
many cameras costs what one does, and frame n of the scene is at RTP time n / fps from the
stream's start (plus one loop length per loop).
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from vms.media.clockcode import encode_clock
from vms.simulator.filesource import LoopedMedia, load_file
from vms.simulator.media import VTEST, ImageBGR, background, load_cutouts, sample_path
from vms.simulator.options import SceneName, SimulatorOptions
from vms.simulator.pattern import Planes
from vms.simulator.sample import write_mp4
from vms.simulator.scenario import (
    DEFAULT_SCENARIO,
    Box,
    Scenario,
    frame_count,
    object_size,
    occluder_boxes,
    placements,
)


def scenario_of(options: SimulatorOptions) -> Scenario:
    """The composite scene's script: the one given, else the built-in DEFAULT_SCENARIO."""
    return options.scenario or DEFAULT_SCENARIO


def load_media(options: SimulatorOptions) -> dict[str, LoopedMedia]:
    """The main and sub variants to loop: the scene's render, or the `--source` file."""
    if options.scene is None:
        return load_file(options.source, options)
    with tempfile.TemporaryDirectory(prefix="vms-scene-") as tmp:
        path = str(Path(tmp) / "scene.mp4")
        write_scene(path, options)
        return load_file(path, dataclasses.replace(options, source=path))


def write_scene(path: str, options: SimulatorOptions) -> None:
    """Render one loop of `options.scene` into an MP4 at `path` (also `--write-sample`)."""
    size = (options.width, options.height)
    if options.scene is SceneName.VTEST:
        frames, count = vtest_planes(size, options.fps, options.scene_seconds)
    else:
        renderer = CompositeRenderer(scenario_of(options), size, options.fps)
        count = renderer.frames
        frames = (renderer.render(index) for index in range(count))
    write_mp4(path, options, frames, count)


def vtest_planes(
    size: tuple[int, int], fps: float, seconds: float | None = None
) -> tuple[Iterator[Planes], int]:
    """`vtest.avi` (its first `seconds`, or all) scaled to `size` and resampled to `fps` (each
    output frame shows the clip's frame at its time); and the number of frames in one loop."""
    path = str(sample_path(VTEST))
    with av.open(path) as container:
        stream = container.streams.video[0]
        source_rate = Fraction(stream.average_rate or 10)
        source_frames = stream.frames
    if source_frames <= 0:
        raise ValueError(f"{path}: the clip does not say how many frames it has")
    rate = Fraction(fps).limit_denominator(1001)
    count = max(1, int(source_frames * rate / source_rate))
    if seconds is not None:
        count = max(1, min(count, round(seconds * rate)))

    def frames() -> Iterator[Planes]:
        emitted = 0
        with av.open(path) as clip:
            for index, frame in enumerate(clip.decode(video=0)):
                planes = np.asarray(frame.reformat(*size, "yuv420p").to_ndarray(), np.uint8)
                while emitted < count and int(emitted * source_rate / rate) == index:
                    yield planes
                    emitted += 1
                if emitted >= count:
                    return

    return frames(), count


class CompositeRenderer:
    """Draws frame n of a scenario: backdrop, cut-outs at their truth boxes, occluders, code."""

    def __init__(self, scenario: Scenario, size: tuple[int, int], fps: float) -> None:
        pictures = load_cutouts({obj.cutout for obj in scenario.objects})
        self._size = size
        self._background = background(scenario.background, pictures["lawn"], size)
        self._sprites: dict[str, ImageBGR] = {
            obj.id: np.asarray(
                cv2.resize(
                    pictures[obj.cutout], object_size(obj, size), interpolation=cv2.INTER_AREA
                ),
                dtype=np.uint8,
            )
            for obj in scenario.objects
        }
        self._by_frame: dict[int, list[tuple[str, Box]]] = {}
        for object_id, placed in placements(scenario, size, fps).items():
            for placement in placed:
                self._by_frame.setdefault(placement.frame, []).append((object_id, placement.box))
        self._occluders = [
            (box, occluder.colour)
            for box, occluder in zip(
                occluder_boxes(scenario, size), scenario.occluders, strict=True
            )
        ]
        self._frame_code = scenario.frame_code
        self.frames = frame_count(scenario, fps)

    def render_bgr(self, index: int) -> ImageBGR:
        """Frame `index` of the loop as a BGR picture (objects drawn in scenario order)."""
        picture = self._background.copy()
        for object_id, box in self._by_frame.get(index, []):
            _paste(picture, self._sprites[object_id], box)
        for (x0, y0, x1, y1), colour in self._occluders:
            cv2.rectangle(picture, (x0, y0), (x1 - 1, y1 - 1), colour, thickness=-1)
        return picture

    def render(self, index: int) -> Planes:
        """Frame `index` as stacked yuv420p planes, with the frame number as a clock code."""
        planes = np.asarray(
            cv2.cvtColor(self.render_bgr(index), cv2.COLOR_BGR2YUV_I420), dtype=np.uint8
        )
        if self._frame_code:
            encode_clock(planes[: self._size[1]], index)
        return planes


def _paste(picture: ImageBGR, sprite: ImageBGR, box: Box) -> None:
    """Copy `sprite` to `box` of `picture`, clipped at the picture's edges."""
    height, width = picture.shape[:2]
    x0, y0, x1, y1 = box
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    picture[cy0:cy1, cx0:cx1] = sprite[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
