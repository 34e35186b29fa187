"""Fixtures for end-to-end tests: the real VMS server process against real RTSP cameras."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from tests.support.vms_process import VmsProcess
from vms.media.clockcode import decode_clock


@pytest.fixture
def vms_factory(tmp_path: Path) -> Iterator[list[VmsProcess]]:
    """Collects VmsProcess objects made by a test and stops them all afterwards."""
    made: list[VmsProcess] = []
    yield made
    for vms in made:
        vms.close()


def first_frame_clock_ms(path: Path) -> int | None:
    """The burnt-in wall clock of the first video frame of a recorded file."""
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            plane = np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8)
            return decode_clock(plane)
    return None
