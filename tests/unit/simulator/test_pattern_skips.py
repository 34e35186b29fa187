"""The pattern source on a stalled machine: what it skips is exactly what it says it skipped.

Tests that count frames allow the simulator's own skips (`RunningSimulator.skipped_frames`
reads the warning); this ties that warning to the gap the skip leaves in the stream.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading

import pytest

from vms.core.clock import SystemClock
from vms.simulator.live import PatternSource
from vms.simulator.options import AudioMode, SimulatorOptions
from vms.simulator.unit import SourceUnit

FPS = 10
STALL_S = 2.5


class StallingClock(SystemClock):
    """The real clock, jumped forward once by `STALL_S` (as a machine that stopped us would)."""

    def __init__(self) -> None:
        self.offset_s = 0.0

    def monotonic(self) -> float:
        return super().monotonic() + self.offset_s


def test_a_stall_past_one_second_skips_frames_and_says_how_many(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = StallingClock()
    units: list[SourceUnit] = []
    enough = threading.Event()

    def emit(unit: SourceUnit) -> None:
        if unit.variant != "main":
            return
        units.append(unit)
        if len(units) == 3:
            clock.offset_s = STALL_S  # the machine stalls after the third frame
        if len(units) == 6:
            enough.set()

    options = SimulatorOptions(width=160, height=120, fps=FPS, audio=AudioMode.NONE)
    source = PatternSource(options, clock, emit)
    source.prepare()
    with caplog.at_level(logging.WARNING, logger="vms.simulator.live"):
        source.start()
        try:
            assert enough.wait(30)
        finally:
            source.stop()
    said = [int(n) for n in re.findall(r"pattern main skipped (\d+) frames", caplog.text)]
    assert len(said) == 1 and said[0] >= (STALL_S - 1) * FPS, caplog.text
    steps = [(b.rtp_time - a.rtp_time) * FPS // 90_000 for a, b in itertools.pairwise(units)]
    assert steps[:2] == [1, 1] and steps[2] == said[0] + 1 and steps[3:] == [1, 1], steps
