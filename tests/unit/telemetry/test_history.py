"""Metrics history: sampling the /metrics providers into a one-hour ring, and reading windows."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from vms.core.clock import FakeClock, SystemClock
from vms.core.errors import InvalidInputError
from vms.core.ids import CameraId, StreamName
from vms.telemetry.history import (
    CAMERA_BITRATE,
    CAMERA_FPS,
    POOL_FREE,
    POOL_USED,
    PROCESS_CPU,
    PROCESS_RSS,
    RECORDER_WRITE,
    RECORDING_WRITE,
    MetricsHistory,
    PsutilProcessStats,
    Series,
)
from vms.telemetry.providers import (
    CameraStorageSample,
    CameraStreamSample,
    MetricsProviders,
    PoolSample,
    RecorderSample,
)

START_MS = 1_700_000_040_000  # a multiple of 60 s


@dataclass
class Figures:
    """Providers whose figures the test sets by hand, as the real adapters would report them."""

    fps: dict[str, float] = field(default_factory=lambda: {"gate": 25.0})
    written: dict[str, int] = field(default_factory=lambda: {"gate": 0})
    pools: list[PoolSample] = field(default_factory=lambda: [PoolSample("default", 100, 40, 30)])
    cpu_s: float = 0.0
    rss: int = 50_000_000
    fail_cameras: bool = False

    def camera_stream_samples(self) -> Sequence[CameraStreamSample]:
        if self.fail_cameras:
            raise RuntimeError("camera stats broke")
        return [
            CameraStreamSample(
                CameraId(cam), StreamName.MAIN, "streaming", True, fps, fps * 80_000, 0, 0, 0.1
            )
            for cam, fps in self.fps.items()
        ]

    def recorder_samples(self) -> Sequence[RecorderSample]:
        return [
            RecorderSample(CameraId(cam), StreamName.MAIN, "recording", total, 0, 0.0, 0, 0.0)
            for cam, total in self.written.items()
        ]

    def pool_samples(self) -> Sequence[PoolSample]:
        return self.pools

    def camera_storage_samples(self) -> Sequence[CameraStorageSample]:
        return []

    def cpu_seconds(self) -> float:
        return self.cpu_s

    def rss_bytes(self) -> int:
        return self.rss


def _history(figures: Figures, clock: FakeClock, capacity: int = 360) -> MetricsHistory:
    providers = MetricsProviders(cameras=figures, recorders=figures, storage=figures)
    return MetricsHistory(providers, clock, process=figures, capacity=capacity)


def _series(history: MetricsHistory, name: str, window_s: int = 60, step_s: int = 10) -> Series:
    found = [s for s in history.query(window_s, step_s).series if s.name == name]
    assert len(found) == 1, [s.name for s in history.query(window_s, step_s).series]
    return found[0]


def test_samples_every_provider_into_labelled_series() -> None:
    clock, figures = FakeClock(START_MS), Figures()
    history = _history(figures, clock)
    history.sample()
    clock.advance(10)
    figures.written["gate"] = 20_000
    figures.cpu_s = 5.0
    history.sample()
    window = history.query(30, 10)
    assert (window.start_ms, window.step_ms) == (START_MS - 10_000, 10_000)
    by_name = {(s.name, tuple(sorted(s.labels.items()))): s for s in window.series}
    gate = (("camera", "gate"), ("stream", "main"))
    assert by_name[CAMERA_FPS, gate].points == (None, 25.0, 25.0)
    assert by_name[CAMERA_FPS, gate].unit == "fps"
    assert by_name[CAMERA_BITRATE, gate].points == (None, 2_000_000.0, 2_000_000.0)
    assert by_name[RECORDER_WRITE, gate].points == (None, None, 2000.0)  # bytes per second
    assert by_name[RECORDING_WRITE, ()].points == (None, None, 2000.0)
    assert by_name[PROCESS_CPU, ()].points == (None, None, 50.0)  # 5 s of CPU in 10 s
    assert by_name[PROCESS_RSS, ()].points == (None, 50e6, 50e6)
    assert by_name[POOL_USED, (("pool", "default"),)].points == (None, 60.0, 60.0)
    assert by_name[POOL_FREE, (("pool", "default"),)].unit == "byte"


def test_coarser_steps_average_and_skip_missing_samples() -> None:
    clock, figures = FakeClock(START_MS), Figures()
    history = _history(figures, clock)
    for fps in (10.0, 20.0, 30.0, 40.0, 50.0, 60.0):
        figures.fps["gate"] = fps
        history.sample()
        clock.advance(10)
    clock.advance(10)  # one step with no sample, then one more sample
    figures.fps["gate"] = 90.0
    history.sample()
    # now: slot 7 since start; 60 s steps group slots [-6..-1], [0..5], [6..11]
    points = _series(history, CAMERA_FPS, window_s=180, step_s=60).points
    assert points == (None, 35.0, 90.0)
    names = {s.name for s in history.query(60, 10, names=[CAMERA_FPS, "nope"]).series}
    assert names == {CAMERA_FPS}


def test_the_ring_keeps_the_last_hour_and_forgets_gone_series() -> None:
    clock, figures = FakeClock(START_MS), Figures()
    history = _history(figures, clock, capacity=6)
    figures.fps["yard"] = 12.0
    history.sample()
    del figures.fps["yard"]
    for _ in range(5):
        clock.advance(10)
        history.sample()

    def fps_of(camera: str) -> list[tuple[float | None, ...]]:
        series = history.query(60, 10).series
        return [s.points for s in series if s.name == CAMERA_FPS and s.labels["camera"] == camera]

    assert fps_of("yard") == [(12.0, None, None, None, None, None)]
    assert fps_of("gate") == [(25.0,) * 6]
    clock.advance(10)
    history.sample()  # the yard's only sample is overwritten: its series goes
    assert fps_of("yard") == []
    assert fps_of("gate") == [(25.0,) * 6]


def test_counter_resets_and_failing_providers_give_nulls_not_errors() -> None:
    clock, figures = FakeClock(START_MS), Figures()
    history = _history(figures, clock)
    figures.written["gate"] = 50_000
    history.sample()
    clock.advance(10)
    figures.written["gate"] = 1_000  # the recorder restarted: its counter began again
    figures.fail_cameras = True
    history.sample()
    assert _series(history, RECORDER_WRITE, 20).points == (None, None)
    assert _series(history, CAMERA_FPS, 20).points == (25.0, None)
    clock.advance(10)
    figures.written["gate"] = 11_000
    history.sample()
    assert _series(history, RECORDER_WRITE, 30).points == (None, None, 1000.0)


@pytest.mark.parametrize(("window_s", "step_s"), [(60, 15), (60, 5), (3610, 10), (10, 20), (60, 0)])
def test_bad_windows_are_refused(window_s: int, step_s: int) -> None:
    history = _history(Figures(), FakeClock(START_MS))
    with pytest.raises(InvalidInputError):
        history.query(window_s, step_s)


def test_a_window_longer_than_what_was_sampled_is_padded_with_nulls() -> None:
    clock, figures = FakeClock(START_MS + 4_000), Figures()
    history = _history(figures, clock)
    history.sample()
    window = history.query(3600, 10)
    fps = next(s for s in window.series if s.name == CAMERA_FPS)
    assert len(fps.points) == 360
    assert fps.points[-1] == 25.0
    assert set(fps.points[:-1]) == {None}
    assert window.start_ms == START_MS - 3_590_000


def test_psutil_process_stats_read_this_process() -> None:
    stats = PsutilProcessStats()
    first = stats.cpu_seconds()
    sum(i * i for i in range(200_000))  # burn a little CPU
    assert stats.cpu_seconds() >= first > 0
    assert stats.rss_bytes() > 10_000_000


async def test_start_samples_at_once_and_stop_ends_the_loop() -> None:
    figures = Figures()
    providers = MetricsProviders(cameras=figures, recorders=figures, storage=figures)
    history = MetricsHistory(providers, SystemClock(), process=figures, step_s=1, capacity=10)
    await history.start()
    try:
        for _ in range(100):
            if history.query(2, 1).series:
                break
            await asyncio.sleep(0.02)
        assert 25.0 in _series(history, CAMERA_FPS, 2, 1).points
    finally:
        await history.stop()
    await history.stop()  # a second stop is harmless
