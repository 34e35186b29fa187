"""What the metrics collector reads at scrape time: snapshot types and the provider Protocols.

Declared here because telemetry consumes them; the composition root adapts the real ingest,
recording and storage statistics to these small values.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from vms.core.bus import SegmentsDeleted
from vms.core.ids import CameraId, StreamName
from vms.core.scheduler import JobStats


@dataclass(frozen=True, slots=True)
class CameraStreamSample:
    """Health of one camera stream's connection at scrape time."""

    camera_id: CameraId
    stream: StreamName
    state: str  # the Source's state word, e.g. "connected", "reconnecting" (never an error text)
    up: bool  # packets are flowing; the adapter decides which states count as up
    fps: float
    bitrate_bps: float
    reconnects_total: int
    packets_dropped_total: int
    last_packet_age_s: float | None  # None before the first packet


@dataclass(frozen=True, slots=True)
class RecorderSample:
    """Totals of one recorder (camera stream) since it started."""

    camera_id: CameraId
    stream: StreamName
    state: str
    bytes_written_total: int
    segments_closed_total: int
    fsync_seconds_total: float
    fsync_count_total: int
    fsync_max_seconds: float
    # Packets the recorder got, and what became of them: written, discarded (lost to errors)
    # or outside events (not written by the events recording mode: not an error).
    packets_received_total: int = 0
    packets_written_total: int = 0
    packets_discarded_total: int = 0
    packets_outside_events_total: int = 0


@dataclass(frozen=True, slots=True)
class PoolSample:
    """Space on one storage pool."""

    pool: str
    total_bytes: int
    free_bytes: int
    used_by_media_bytes: int


@dataclass(frozen=True, slots=True)
class CameraStorageSample:
    """What one camera's recordings occupy, over all pools."""

    camera_id: CameraId
    recorded_bytes: int
    recorded_segments: int


@dataclass(frozen=True, slots=True)
class RetentionSample:
    """Segments retention deleted from one camera for one reason, since start."""

    camera_id: CameraId
    reason: str  # "days", "bytes", "free_space", ...
    deleted_segments_total: int
    deleted_bytes_total: int


@dataclass(frozen=True, slots=True)
class LiveSample:
    """Live viewing of one camera stream over one protocol, since start."""

    camera_id: CameraId
    stream: StreamName
    protocol: str  # "webrtc", "llhls", "mse", "rtsp", "srt"
    viewers: int  # sessions open now
    sessions_total: int
    session_errors_total: int
    bytes_out_total: int
    first_frame_seconds_sum: float  # session start to first media sent, summed over sessions
    first_frame_count: int


@dataclass(frozen=True, slots=True)
class AnalyticsSample:
    """Motion detection on one camera stream, since its tap started (a restart resets)."""

    camera_id: CameraId
    stream: StreamName
    frames_compared_total: int
    events_total: int
    decode_errors_total: int
    packets_dropped_total: int  # the tap fell behind; it resumed at the next keyframe


@dataclass(frozen=True, slots=True)
class InferenceCameraSample:
    """Object detection on one camera since the pool started."""

    camera_id: CameraId
    frames_analysed_total: int
    detections_total: int
    dropped_total: Mapping[str, int]  # by reason: busy, worker_down, worker_lost, failed...


@dataclass(frozen=True, slots=True)
class InferenceWorkerSample:
    index: int
    up: bool  # its process runs and has loaded the model
    restarts_total: int
    cameras: int


@dataclass(frozen=True, slots=True)
class InferenceSample:
    """The inference pool: per camera, per worker, and the latency of a frame (all cameras)."""

    cameras: Sequence[InferenceCameraSample]
    workers: Sequence[InferenceWorkerSample]
    latency_buckets: Sequence[tuple[float, int]]  # cumulative count per upper bound, last +Inf
    latency_count: int
    latency_sum_s: float


class CameraStatsProvider(Protocol):
    """Reads connection health of every camera stream; must be quick and must not block."""

    def camera_stream_samples(self) -> Sequence[CameraStreamSample]: ...


class RecorderStatsProvider(Protocol):
    """Reads every recorder's totals."""

    def recorder_samples(self) -> Sequence[RecorderSample]: ...


class StorageStatsProvider(Protocol):
    """Reads pool space and per-camera usage (cached by storage; a scrape must not walk disks)."""

    def pool_samples(self) -> Sequence[PoolSample]: ...

    def camera_storage_samples(self) -> Sequence[CameraStorageSample]: ...


class RetentionStatsProvider(Protocol):
    """Reads retention's deletion totals by camera and reason."""

    def retention_samples(self) -> Sequence[RetentionSample]: ...


class LiveStatsProvider(Protocol):
    """Reads live-view totals per camera stream and protocol."""

    def live_samples(self) -> Sequence[LiveSample]: ...


class AnalyticsStatsProvider(Protocol):
    """Reads motion detection totals per watched camera stream."""

    def analytics_samples(self) -> Sequence[AnalyticsSample]: ...


class InferenceStatsProvider(Protocol):
    """Reads the inference pool's totals (None when no camera detects objects)."""

    def inference_sample(self) -> InferenceSample | None: ...


class JobStatsProvider(Protocol):
    """Reads the periodic jobs' counters (the shared scheduler)."""

    def job_stats(self) -> Sequence[JobStats]: ...


@dataclass(frozen=True, slots=True)
class MetricsProviders:
    """The providers registered by the app; a missing one simply exports nothing."""

    cameras: CameraStatsProvider | None = None
    recorders: RecorderStatsProvider | None = None
    storage: StorageStatsProvider | None = None
    retention: RetentionStatsProvider | None = None
    live: LiveStatsProvider | None = None
    analytics: AnalyticsStatsProvider | None = None
    inference: InferenceStatsProvider | None = None
    jobs: JobStatsProvider | None = None


class RetentionTally:
    """A RetentionStatsProvider fed by `SegmentsDeleted` bus messages (subscribe `record`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: dict[tuple[CameraId, str], tuple[int, int]] = {}

    def record(self, message: SegmentsDeleted) -> None:
        """Add one deletion batch; cheap and non-raising, as bus handlers must be."""
        key = (message.camera_id, message.reason)
        with self._lock:
            segments, size_bytes = self._totals.get(key, (0, 0))
            self._totals[key] = (segments + message.count, size_bytes + message.size_bytes)

    def retention_samples(self) -> list[RetentionSample]:
        with self._lock:
            items = sorted(self._totals.items())
        return [
            RetentionSample(camera, reason, segments, size_bytes)
            for (camera, reason), (segments, size_bytes) in items
        ]
