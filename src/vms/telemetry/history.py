"""The last hour of key metrics in memory, so the web client can chart them without Prometheus.

Every `step_s` (10 s) a sampler reads the same providers the /metrics collector reads (camera
stream fps and bitrate, recorder byte counters, pool space; never anything recomputed from
packets) plus this process's CPU time and resident memory, and stores one value per series in a
ring of `capacity` slots (360: one hour). Slots are numbered by wall time (`now_ms // step_ms`),
so a query names its window in wall time and a missed sample simply reads as null. Prometheus
remains the place for longer history and alerting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import psutil

from vms.core.clock import Clock
from vms.core.errors import InvalidInputError
from vms.telemetry.providers import MetricsProviders

log = logging.getLogger(__name__)

STEP_S = 10
CAPACITY = 360  # one hour of 10 s steps

CAMERA_FPS = "camera_fps"
CAMERA_BITRATE = "camera_bitrate_bps"
RECORDER_WRITE = "recorder_write_bytes_per_s"
RECORDING_WRITE = "recording_write_bytes_per_s"
PROCESS_CPU = "process_cpu_percent"
PROCESS_RSS = "process_rss_bytes"
POOL_USED = "pool_used_bytes"
POOL_FREE = "pool_free_bytes"
POOL_MEDIA = "pool_media_bytes"

UNITS = {
    CAMERA_FPS: "fps",
    CAMERA_BITRATE: "bit/s",
    RECORDER_WRITE: "byte/s",
    RECORDING_WRITE: "byte/s",
    PROCESS_CPU: "percent",  # of one core: 200 is two cores fully busy
    PROCESS_RSS: "byte",
    POOL_USED: "byte",
    POOL_FREE: "byte",
    POOL_MEDIA: "byte",
}

Labels = tuple[tuple[str, str], ...]  # sorted (name, value) pairs
FloatArray = npt.NDArray[np.float64]


class ProcessStats(Protocol):
    """CPU time and memory of the VMS process."""

    def cpu_seconds(self) -> float:
        """User plus system CPU seconds used since the process started."""
        ...

    def rss_bytes(self) -> int: ...


class PsutilProcessStats:
    """ProcessStats of this process, read with psutil."""

    def __init__(self) -> None:
        self._process = psutil.Process()

    def cpu_seconds(self) -> float:
        times = self._process.cpu_times()
        return float(times.user + times.system)

    def rss_bytes(self) -> int:
        return int(self._process.memory_info().rss)


@dataclass(frozen=True, slots=True)
class SeriesKey:
    name: str
    labels: Labels = ()


@dataclass(frozen=True, slots=True)
class Series:
    """One series over a window: a point per step, None where nothing was sampled."""

    name: str
    labels: dict[str, str]
    unit: str
    points: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class HistoryWindow:
    start_ms: int  # wall time of the first point's step
    step_ms: int
    series: tuple[Series, ...]


@dataclass(frozen=True, slots=True)
class _Counter:
    value: float
    at_s: float  # monotonic time it was read


class MetricsHistory:
    """Samples the providers every `step_s` into a ring of `capacity` slots; thread-safe."""

    name = "metrics-history"

    def __init__(
        self,
        providers: MetricsProviders,
        clock: Clock,
        *,
        process: ProcessStats | None = None,
        step_s: int = STEP_S,
        capacity: int = CAPACITY,
    ) -> None:
        if step_s <= 0 or capacity <= 0:
            raise ValueError("step_s and capacity must be positive")
        self._providers = providers
        self._clock = clock
        self._process = process or PsutilProcessStats()
        self.step_ms = step_s * 1000
        self.capacity = capacity
        self._lock = threading.Lock()
        self._slots = np.full(capacity, -1, dtype=np.int64)  # slot number held at each position
        self._values: dict[SeriesKey, FloatArray] = {}
        self._counters: dict[SeriesKey, _Counter] = {}
        self._task: asyncio.Task[None] | None = None

    # --- sampling ---------------------------------------------------------------------------

    def sample(self) -> None:
        """Read every provider once and store the values in the current slot. Blocking (the
        storage provider may query the database); a failing provider leaves its series null."""
        now_ms, now_s = self._clock.now_ms(), self._clock.monotonic()
        values: dict[SeriesKey, float | None] = {}
        for read in (self._cameras, self._recorders, self._pools, self._process_figures):
            try:
                values.update(read(now_s))
            except Exception:  # one broken source must not stop the others' charts
                log.exception("metrics history: reading %s failed", read.__name__.strip("_"))
        self._store(now_ms // self.step_ms, values)

    def _cameras(self, _now_s: float) -> dict[SeriesKey, float | None]:
        provider = self._providers.cameras
        out: dict[SeriesKey, float | None] = {}
        for s in provider.camera_stream_samples() if provider is not None else ():
            labels = _labels(camera=s.camera_id, stream=s.stream.value)
            out[SeriesKey(CAMERA_FPS, labels)] = s.fps
            out[SeriesKey(CAMERA_BITRATE, labels)] = s.bitrate_bps
        return out

    def _recorders(self, now_s: float) -> dict[SeriesKey, float | None]:
        provider = self._providers.recorders
        out: dict[SeriesKey, float | None] = {}
        total: float | None = None
        for s in provider.recorder_samples() if provider is not None else ():
            key = SeriesKey(RECORDER_WRITE, _labels(camera=s.camera_id, stream=s.stream.value))
            rate = self._rate(key, float(s.bytes_written_total), now_s)
            out[key] = rate
            if rate is not None:
                total = (total or 0.0) + rate
        out[SeriesKey(RECORDING_WRITE)] = total
        return out

    def _pools(self, _now_s: float) -> dict[SeriesKey, float | None]:
        provider = self._providers.storage
        out: dict[SeriesKey, float | None] = {}
        for p in provider.pool_samples() if provider is not None else ():
            labels = _labels(pool=p.pool)
            out[SeriesKey(POOL_USED, labels)] = float(p.total_bytes - p.free_bytes)
            out[SeriesKey(POOL_FREE, labels)] = float(p.free_bytes)
            out[SeriesKey(POOL_MEDIA, labels)] = float(p.used_by_media_bytes)
        return out

    def _process_figures(self, now_s: float) -> dict[SeriesKey, float | None]:
        cpu_key = SeriesKey(PROCESS_CPU)
        per_s = self._rate(cpu_key, self._process.cpu_seconds(), now_s)
        return {
            cpu_key: None if per_s is None else per_s * 100.0,
            SeriesKey(PROCESS_RSS): float(self._process.rss_bytes()),
        }

    def _rate(self, key: SeriesKey, value: float, now_s: float) -> float | None:
        """Per-second increase since the last read; None on the first read or a reset."""
        with self._lock:
            last = self._counters.get(key)
            self._counters[key] = _Counter(value, now_s)
        if last is None or value < last.value or now_s <= last.at_s:
            return None
        return (value - last.value) / (now_s - last.at_s)

    def _store(self, slot: int, values: dict[SeriesKey, float | None]) -> None:
        position = slot % self.capacity
        with self._lock:
            self._slots[position] = slot
            for key, array in list(self._values.items()):
                array[position] = math.nan
                if key not in values and np.isnan(array).all():
                    del self._values[key]  # gone for a whole window (camera or pool removed)
                    self._counters.pop(key, None)
            for key, value in values.items():
                if key not in self._values:
                    self._values[key] = np.full(self.capacity, math.nan)
                self._values[key][position] = math.nan if value is None else value

    # --- queries ----------------------------------------------------------------------------

    def query(
        self, window_s: int, step_s: int, names: Iterable[str] | None = None
    ) -> HistoryWindow:
        """The latest `window_s` as points of `step_s` (a multiple of the sampling step; each
        point is the mean of the samples in its step), oldest first, ending at the current step.
        `names` keeps only those series."""
        base_s = self.step_ms // 1000
        if step_s <= 0 or step_s % base_s or step_s * 1000 < self.step_ms:
            raise InvalidInputError(f"step_s must be a positive multiple of {base_s}")
        if not step_s <= window_s <= base_s * self.capacity:
            raise InvalidInputError(
                f"window_s must be between step_s and {base_s * self.capacity} seconds"
            )
        ratio = step_s // base_s
        points = math.ceil(window_s / step_s)
        last_bucket = self._clock.now_ms() // self.step_ms // ratio
        first_slot = (last_bucket - points + 1) * ratio
        wanted = np.arange(first_slot, first_slot + points * ratio, dtype=np.int64)
        positions = wanted % self.capacity
        keep = set(names) if names is not None else None
        with self._lock:
            present = self._slots[positions] == wanted
            chosen = [
                (key, array[positions])
                for key, array in self._values.items()
                if keep is None or key.name in keep
            ]
        chosen.sort(key=lambda item: (item[0].name, item[0].labels))
        start_ms = first_slot * self.step_ms
        if not chosen:
            return HistoryWindow(start_ms, step_s * 1000, ())
        means = _bucket_means(
            np.array([values for _, values in chosen]).reshape(len(chosen), points * ratio),
            present,
            ratio,
        )
        series = tuple(
            Series(key.name, dict(key.labels), UNITS.get(key.name, ""), row)
            for (key, _), row in zip(chosen, means, strict=True)
        )
        return HistoryWindow(start_ms, step_s * 1000, series)

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Sample now, then at every step boundary of the wall clock, until stop()."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.sample)
            except Exception:
                log.exception("metrics history sample failed")
            await asyncio.sleep(self._until_next_step_s())

    def _until_next_step_s(self) -> float:
        return (self.step_ms - self._clock.now_ms() % self.step_ms) / 1000


def _labels(**labels: str) -> Labels:
    return tuple(sorted(labels.items()))


def _bucket_means(
    values: FloatArray, present: npt.NDArray[np.bool_], ratio: int
) -> list[tuple[float | None, ...]]:
    """Per row of `values` (series × slots), the mean of each run of `ratio` slots, ignoring
    NaN and slots not `present`; None where a run has no value. Rounded to 3 decimals, which
    is plenty for a chart and keeps the JSON small."""
    rows = values.shape[0]
    grid = np.where(present, values, math.nan).reshape(rows, -1, ratio)
    seen = ~np.isnan(grid)
    counts = seen.sum(axis=2)
    sums = np.where(seen, grid, 0.0).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.round(sums / counts, 3)
    shown = means.astype(object)
    shown[np.isnan(means)] = None
    return [tuple(row) for row in shown.tolist()]
