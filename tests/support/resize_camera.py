"""Start the resizing and audio-only GStreamer camera (gst_resize_camera.py) from pytest."""

from __future__ import annotations

from pathlib import Path

from tests.support.gst import SYSTEM_PYTHON, GstCamera

SCRIPT = Path(__file__).with_name("gst_resize_camera.py")


class ResizeCamera(GstCamera):
    """Serves /h264 and /h265 whose picture size changes every `switch_s`, and /audio (no video).

    `sizes` are taken in turn, starting with the first."""

    def __init__(self, *, sizes: str = "320x240,160x120", switch_s: float = 3.0) -> None:
        super().__init__()
        self._args = [
            SYSTEM_PYTHON,
            str(SCRIPT),
            "--port",
            str(self.port),
            "--sizes",
            sizes,
            "--switch-s",
            str(switch_s),
        ]
