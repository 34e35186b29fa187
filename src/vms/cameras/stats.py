"""Adapters that turn ingest health, recorder stats and storage usage into telemetry samples."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from vms.cameras.manager import CameraManager
from vms.core.clock import Clock
from vms.ingest.health import UP_STATES
from vms.ingest.supervisor import CameraSupervisor
from vms.storage.index import SegmentIndex
from vms.storage.pools import StoragePools
from vms.telemetry.providers import (
    CameraStorageSample,
    CameraStreamSample,
    PoolSample,
    RecorderSample,
)

_T = TypeVar("_T")


class CameraMetrics:
    """CameraStatsProvider and RecorderStatsProvider over the running cameras."""

    def __init__(self, manager: CameraManager, supervisor: CameraSupervisor, clock: Clock) -> None:
        self._manager = manager
        self._supervisor = supervisor
        self._clock = clock

    def camera_stream_samples(self) -> Sequence[CameraStreamSample]:
        now_ms = self._clock.now_ms()
        samples = []
        for camera_id, streams in self._manager.health().items():
            for stream, health in streams.items():
                hub = self._supervisor.hub(camera_id, stream)
                dropped = hub.stats().dropped_total if hub is not None else 0
                age = (
                    None
                    if health.last_packet_ms is None
                    else max(0.0, (now_ms - health.last_packet_ms) / 1000)
                )
                samples.append(
                    CameraStreamSample(
                        camera_id=camera_id,
                        stream=stream,
                        state=health.state.value,
                        up=health.state in UP_STATES,
                        fps=health.fps,
                        bitrate_bps=health.bitrate_bps,
                        reconnects_total=health.reconnects,
                        packets_dropped_total=dropped,
                        last_packet_age_s=age,
                    )
                )
        return samples

    def recorder_samples(self) -> Sequence[RecorderSample]:
        samples = []
        for recorder in self._manager.recorders():
            stats = recorder.stats()
            samples.append(
                RecorderSample(
                    camera_id=recorder.camera_id,
                    stream=recorder.stream,
                    state=stats.state.value,
                    bytes_written_total=stats.bytes_written,
                    segments_closed_total=stats.segments_closed,
                    fsync_seconds_total=stats.fsync_seconds_total,
                    fsync_count_total=stats.fsync_count,
                    fsync_max_seconds=stats.fsync_max_s,
                    packets_received_total=stats.packets_received,
                    packets_written_total=stats.packets_written,
                    packets_discarded_total=stats.packets_discarded,
                    packets_outside_events_total=stats.packets_outside_events,
                )
            )
        return samples


class StorageMetrics:
    """StorageStatsProvider: pool space and per-camera usage, cached so scrapes stay cheap."""

    def __init__(
        self,
        pools: StoragePools,
        index: SegmentIndex,
        clock: Clock,
        *,
        max_age_s: float = 15.0,
    ) -> None:
        self._pools = pools
        self._index = index
        self._clock = clock
        self._max_age_s = max_age_s
        self._lock = threading.Lock()
        self._cached_at = -1e18
        self._pool_samples: list[PoolSample] = []
        self._camera_samples: list[CameraStorageSample] = []

    def pool_samples(self) -> Sequence[PoolSample]:
        return self._fresh(lambda: self._pool_samples)

    def camera_storage_samples(self) -> Sequence[CameraStorageSample]:
        return self._fresh(lambda: self._camera_samples)

    def _fresh(self, pick: Callable[[], list[_T]]) -> list[_T]:
        with self._lock:
            if self._clock.monotonic() - self._cached_at > self._max_age_s:
                self._refresh()
            return list(pick())

    def _refresh(self) -> None:
        pool_samples = []
        for pool in self._pools:
            try:
                usage = pool.usage()
            except OSError:
                continue  # a missing pool shows in /readyz; metrics skip it
            pool_samples.append(
                PoolSample(
                    pool.name, usage.total_bytes, usage.free_bytes, usage.used_by_media_bytes
                )
            )
        self._pool_samples = pool_samples
        self._camera_samples = [
            CameraStorageSample(camera_id, totals.size_bytes, totals.count)
            for camera_id, totals in self._index.camera_totals().items()
        ]
        self._cached_at = self._clock.monotonic()
