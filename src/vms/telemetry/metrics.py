"""Prometheus metrics: every metric name lives here; values are pulled from providers per scrape.

Hot paths never touch metrics: the collector reads snapshots only when Prometheus scrapes, so a
camera or recorder pays nothing per packet. Label values are ids and state words, never URLs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial

from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector, CollectorRegistry

from vms.core.redact import redact_text
from vms.telemetry.providers import (
    AnalyticsStatsProvider,
    CameraStatsProvider,
    InferenceStatsProvider,
    JobStatsProvider,
    LiveStatsProvider,
    MetricsProviders,
    RecorderStatsProvider,
    RetentionStatsProvider,
    StorageStatsProvider,
)
from vms.telemetry.threads import ThreadCpuCollector

log = logging.getLogger(__name__)

CAMERA_UP = "vms_camera_up"
CAMERA_STATE = "vms_camera_state"
CAMERA_FPS = "vms_camera_fps"
CAMERA_BITRATE = "vms_camera_bitrate_bps"
CAMERA_RECONNECTS = "vms_camera_reconnects_total"
CAMERA_DROPPED = "vms_camera_packets_dropped_total"
CAMERA_PACKET_AGE = "vms_camera_last_packet_age_seconds"
RECORDER_STATE = "vms_recorder_state"
RECORDER_BYTES = "vms_recorder_bytes_written_total"
RECORDER_SEGMENTS = "vms_recorder_segments_total"
RECORDER_FSYNC = "vms_recorder_fsync_seconds"
RECORDER_FSYNC_MAX = "vms_recorder_fsync_max_seconds"
RECORDER_RECEIVED = "vms_recorder_packets_received_total"
RECORDER_PACKETS = "vms_recorder_packets_total"
STORAGE_TOTAL = "vms_storage_total_bytes"
STORAGE_FREE = "vms_storage_free_bytes"
STORAGE_USED = "vms_storage_used_bytes"
STORAGE_CAMERA_BYTES = "vms_storage_camera_bytes"
STORAGE_CAMERA_SEGMENTS = "vms_storage_camera_segments"
RETENTION_SEGMENTS = "vms_retention_deleted_segments_total"
RETENTION_BYTES = "vms_retention_deleted_bytes_total"
LIVE_VIEWERS = "vms_live_viewers"
LIVE_SESSIONS = "vms_live_sessions_total"
LIVE_ERRORS = "vms_live_session_errors_total"
LIVE_BYTES = "vms_live_bytes_sent_total"
LIVE_FIRST_FRAME = "vms_live_first_frame_seconds"
MOTION_FRAMES = "vms_motion_frames_compared_total"
MOTION_EVENTS = "vms_motion_events_total"
MOTION_DECODE_ERRORS = "vms_motion_decode_errors_total"
MOTION_DROPPED = "vms_motion_packets_dropped_total"
ANALYTICS_FRAMES = "vms_analytics_frames_analysed_total"
ANALYTICS_DETECTIONS = "vms_analytics_detections_total"
ANALYTICS_DROPPED = "vms_analytics_frames_dropped_total"
INFERENCE_LATENCY = "vms_analytics_inference_seconds"
INFERENCE_WORKER_UP = "vms_analytics_worker_up"
INFERENCE_RESTARTS = "vms_analytics_worker_restarts_total"
JOB_RUNS = "vms_job_runs_total"
JOB_FAILURES = "vms_job_failures_total"
JOB_DURATION = "vms_job_last_duration_seconds"
SOURCE_UP = "vms_metrics_source_up"

METRIC_NAMES = (
    CAMERA_UP,
    CAMERA_STATE,
    CAMERA_FPS,
    CAMERA_BITRATE,
    CAMERA_RECONNECTS,
    CAMERA_DROPPED,
    CAMERA_PACKET_AGE,
    RECORDER_STATE,
    RECORDER_BYTES,
    RECORDER_SEGMENTS,
    RECORDER_FSYNC,
    RECORDER_FSYNC_MAX,
    RECORDER_RECEIVED,
    RECORDER_PACKETS,
    STORAGE_TOTAL,
    STORAGE_FREE,
    STORAGE_USED,
    STORAGE_CAMERA_BYTES,
    STORAGE_CAMERA_SEGMENTS,
    RETENTION_SEGMENTS,
    RETENTION_BYTES,
    LIVE_VIEWERS,
    LIVE_SESSIONS,
    LIVE_ERRORS,
    LIVE_BYTES,
    LIVE_FIRST_FRAME,
    MOTION_FRAMES,
    MOTION_EVENTS,
    MOTION_DECODE_ERRORS,
    MOTION_DROPPED,
    ANALYTICS_FRAMES,
    ANALYTICS_DETECTIONS,
    ANALYTICS_DROPPED,
    INFERENCE_LATENCY,
    INFERENCE_WORKER_UP,
    INFERENCE_RESTARTS,
    JOB_RUNS,
    JOB_FAILURES,
    JOB_DURATION,
    SOURCE_UP,
)

_STREAM = ["camera", "stream"]


def _label(value: object) -> str:
    """A label value; redacted as a guard, since a state word must never carry a URL."""
    return redact_text(str(value))


def _camera_metrics(provider: CameraStatsProvider) -> list[Metric]:
    up = GaugeMetricFamily(
        CAMERA_UP, "1 when the camera stream delivers packets (degraded too)", labels=_STREAM
    )
    state = GaugeMetricFamily(
        CAMERA_STATE,
        "Connection state of the stream (1 for the current state; degraded: packets flow"
        " but video is lost or broken)",
        labels=[*_STREAM, "state"],
    )
    fps = GaugeMetricFamily(CAMERA_FPS, "Frames per second received", labels=_STREAM)
    bitrate = GaugeMetricFamily(CAMERA_BITRATE, "Bits per second received", labels=_STREAM)
    reconnects = CounterMetricFamily(
        CAMERA_RECONNECTS,
        "Connection attempts after the first one, failed ones included",
        labels=_STREAM,
    )
    dropped = CounterMetricFamily(
        CAMERA_DROPPED, "Packets dropped for slow subscribers", labels=_STREAM
    )
    age = GaugeMetricFamily(
        CAMERA_PACKET_AGE, "Seconds since the last packet arrived", labels=_STREAM
    )
    for s in provider.camera_stream_samples():
        labels = [_label(s.camera_id), _label(s.stream.value)]
        up.add_metric(labels, 1.0 if s.up else 0.0)
        state.add_metric([*labels, _label(s.state)], 1.0)
        fps.add_metric(labels, s.fps)
        bitrate.add_metric(labels, s.bitrate_bps)
        reconnects.add_metric(labels, s.reconnects_total)
        dropped.add_metric(labels, s.packets_dropped_total)
        if s.last_packet_age_s is not None:
            age.add_metric(labels, s.last_packet_age_s)
    return [up, state, fps, bitrate, reconnects, dropped, age]


def _recorder_metrics(provider: RecorderStatsProvider) -> list[Metric]:
    state = GaugeMetricFamily(
        RECORDER_STATE, "Recorder state (1 for the current state)", labels=[*_STREAM, "state"]
    )
    written = CounterMetricFamily(RECORDER_BYTES, "Bytes written to segments", labels=_STREAM)
    segments = CounterMetricFamily(RECORDER_SEGMENTS, "Segments closed", labels=_STREAM)
    fsync = SummaryMetricFamily(RECORDER_FSYNC, "Time spent in fsync", labels=_STREAM)
    fsync_max = GaugeMetricFamily(RECORDER_FSYNC_MAX, "Longest single fsync", labels=_STREAM)
    received = CounterMetricFamily(RECORDER_RECEIVED, "Packets the recorder got", labels=_STREAM)
    packets = CounterMetricFamily(
        RECORDER_PACKETS,
        "Packets by outcome: written, discarded (lost to errors) or outside_events (left out"
        " by the events recording mode)",
        labels=[*_STREAM, "outcome"],
    )
    for s in provider.recorder_samples():
        labels = [_label(s.camera_id), _label(s.stream.value)]
        state.add_metric([*labels, _label(s.state)], 1.0)
        written.add_metric(labels, s.bytes_written_total)
        segments.add_metric(labels, s.segments_closed_total)
        fsync.add_metric(labels, count_value=s.fsync_count_total, sum_value=s.fsync_seconds_total)
        fsync_max.add_metric(labels, s.fsync_max_seconds)
        received.add_metric(labels, s.packets_received_total)
        packets.add_metric([*labels, "written"], s.packets_written_total)
        packets.add_metric([*labels, "discarded"], s.packets_discarded_total)
        packets.add_metric([*labels, "outside_events"], s.packets_outside_events_total)
    return [state, written, segments, fsync, fsync_max, received, packets]


def _storage_metrics(provider: StorageStatsProvider) -> list[Metric]:
    total = GaugeMetricFamily(STORAGE_TOTAL, "Size of the pool's filesystem", labels=["pool"])
    free = GaugeMetricFamily(STORAGE_FREE, "Free bytes on the pool's filesystem", labels=["pool"])
    used = GaugeMetricFamily(STORAGE_USED, "Bytes of recordings on the pool", labels=["pool"])
    for p in provider.pool_samples():
        total.add_metric([_label(p.pool)], p.total_bytes)
        free.add_metric([_label(p.pool)], p.free_bytes)
        used.add_metric([_label(p.pool)], p.used_by_media_bytes)
    camera_bytes = GaugeMetricFamily(
        STORAGE_CAMERA_BYTES, "Bytes of a camera's recordings", labels=["camera"]
    )
    camera_segments = GaugeMetricFamily(
        STORAGE_CAMERA_SEGMENTS, "Number of a camera's recorded segments", labels=["camera"]
    )
    for c in provider.camera_storage_samples():
        camera_bytes.add_metric([_label(c.camera_id)], c.recorded_bytes)
        camera_segments.add_metric([_label(c.camera_id)], c.recorded_segments)
    return [total, free, used, camera_bytes, camera_segments]


def _retention_metrics(provider: RetentionStatsProvider) -> list[Metric]:
    labels = ["camera", "reason"]
    segments = CounterMetricFamily(
        RETENTION_SEGMENTS, "Segments deleted by retention", labels=labels
    )
    size = CounterMetricFamily(RETENTION_BYTES, "Bytes deleted by retention", labels=labels)
    for r in provider.retention_samples():
        values = [_label(r.camera_id), _label(r.reason)]
        segments.add_metric(values, r.deleted_segments_total)
        size.add_metric(values, r.deleted_bytes_total)
    return [segments, size]


def _live_metrics(provider: LiveStatsProvider) -> list[Metric]:
    labels = [*_STREAM, "protocol"]
    viewers = GaugeMetricFamily(LIVE_VIEWERS, "Live sessions open now", labels=labels)
    sessions = CounterMetricFamily(LIVE_SESSIONS, "Live sessions opened", labels=labels)
    errors = CounterMetricFamily(LIVE_ERRORS, "Live sessions that failed", labels=labels)
    sent = CounterMetricFamily(LIVE_BYTES, "Media bytes sent to live viewers", labels=labels)
    first_frame = SummaryMetricFamily(
        LIVE_FIRST_FRAME, "Time from a session's start to its first media sent", labels=labels
    )
    for s in provider.live_samples():
        values = [_label(s.camera_id), _label(s.stream.value), _label(s.protocol)]
        viewers.add_metric(values, s.viewers)
        sessions.add_metric(values, s.sessions_total)
        errors.add_metric(values, s.session_errors_total)
        sent.add_metric(values, s.bytes_out_total)
        first_frame.add_metric(
            values, count_value=s.first_frame_count, sum_value=s.first_frame_seconds_sum
        )
    return [viewers, sessions, errors, sent, first_frame]


def _analytics_metrics(provider: AnalyticsStatsProvider) -> list[Metric]:
    frames = CounterMetricFamily(MOTION_FRAMES, "Frames compared for motion", labels=_STREAM)
    events = CounterMetricFamily(MOTION_EVENTS, "Motion events opened", labels=_STREAM)
    errors = CounterMetricFamily(
        MOTION_DECODE_ERRORS, "Packets motion detection could not decode", labels=_STREAM
    )
    dropped = CounterMetricFamily(
        MOTION_DROPPED, "Packets motion detection fell behind on and skipped", labels=_STREAM
    )
    for s in provider.analytics_samples():
        values = [_label(s.camera_id), _label(s.stream.value)]
        frames.add_metric(values, s.frames_compared_total)
        events.add_metric(values, s.events_total)
        errors.add_metric(values, s.decode_errors_total)
        dropped.add_metric(values, s.packets_dropped_total)
    return [frames, events, errors, dropped]


def _inference_metrics(provider: InferenceStatsProvider) -> list[Metric]:
    sample = provider.inference_sample()
    if sample is None:
        return []
    frames = CounterMetricFamily(
        ANALYTICS_FRAMES, "Frames the detector analysed", labels=["camera"]
    )
    found = CounterMetricFamily(ANALYTICS_DETECTIONS, "Objects detected", labels=["camera"])
    dropped = CounterMetricFamily(
        ANALYTICS_DROPPED, "Frames for detection dropped, by reason", labels=["camera", "reason"]
    )
    for c in sample.cameras:
        frames.add_metric([_label(c.camera_id)], c.frames_analysed_total)
        found.add_metric([_label(c.camera_id)], c.detections_total)
        for reason, count in sorted(c.dropped_total.items()):
            dropped.add_metric([_label(c.camera_id), _label(reason)], count)
    up = GaugeMetricFamily(INFERENCE_WORKER_UP, "1 when the worker runs", labels=["worker"])
    restarts = CounterMetricFamily(
        INFERENCE_RESTARTS, "Workers killed or crashed and restarted", labels=["worker"]
    )
    for w in sample.workers:
        up.add_metric([str(w.index)], 1.0 if w.up else 0.0)
        restarts.add_metric([str(w.index)], w.restarts_total)
    latency = HistogramMetricFamily(
        INFERENCE_LATENCY, "From a frame handed to the workers to its detections back"
    )
    latency.add_metric(
        [],
        buckets=[(_bound(b), n) for b, n in sample.latency_buckets],
        sum_value=sample.latency_sum_s,
    )
    return [frames, found, dropped, up, restarts, latency]


def _bound(value: float) -> str:
    return "+Inf" if value == float("inf") else repr(value)


def _job_metrics(provider: JobStatsProvider) -> list[Metric]:
    runs = CounterMetricFamily(JOB_RUNS, "Runs of the periodic job", labels=["job"])
    failures = CounterMetricFamily(JOB_FAILURES, "Runs of the job that raised", labels=["job"])
    duration = GaugeMetricFamily(JOB_DURATION, "How long its last run took", labels=["job"])
    for job in provider.job_stats():
        name = [_label(job.name)]
        runs.add_metric(name, job.runs)
        failures.add_metric(name, job.failures)
        if job.last_duration_s is not None:
            duration.add_metric(name, job.last_duration_s)
    return [runs, failures, duration]


class VmsCollector(Collector):
    """Reads every registered provider at scrape time; a failing provider is reported, not fatal."""

    def __init__(self, providers: MetricsProviders) -> None:
        self._sources: list[tuple[str, Callable[[], list[Metric]]]] = []
        if providers.cameras is not None:
            self._sources.append(("cameras", partial(_camera_metrics, providers.cameras)))
        if providers.recorders is not None:
            self._sources.append(("recorders", partial(_recorder_metrics, providers.recorders)))
        if providers.storage is not None:
            self._sources.append(("storage", partial(_storage_metrics, providers.storage)))
        if providers.retention is not None:
            self._sources.append(("retention", partial(_retention_metrics, providers.retention)))
        if providers.live is not None:
            self._sources.append(("live", partial(_live_metrics, providers.live)))
        if providers.analytics is not None:
            self._sources.append(("analytics", partial(_analytics_metrics, providers.analytics)))
        if providers.inference is not None:
            self._sources.append(("inference", partial(_inference_metrics, providers.inference)))
        if providers.jobs is not None:
            self._sources.append(("jobs", partial(_job_metrics, providers.jobs)))

    def collect(self) -> Iterable[Metric]:
        source_up = GaugeMetricFamily(
            SOURCE_UP, "1 when the statistics source answered this scrape", labels=["source"]
        )
        metrics: list[Metric] = []
        for name, read in self._sources:
            try:
                metrics.extend(read())
            except Exception:  # a broken provider must not take the whole scrape down
                log.exception("metrics source %s failed", name)
                source_up.add_metric([name], 0.0)
            else:
                source_up.add_metric([name], 1.0)
        return iter([*metrics, source_up])


def build_registry(
    providers: MetricsProviders, *, process_metrics: bool = True
) -> CollectorRegistry:
    """A registry with the VMS collector (and, by default, process, platform and GC metrics)."""
    registry = CollectorRegistry()
    registry.register(VmsCollector(providers))
    if process_metrics:
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
        registry.register(ThreadCpuCollector())
    return registry


def render_metrics(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The Prometheus text exposition and its content type (0.0.4, read by every Prometheus)."""
    return generate_latest(registry), CONTENT_TYPE_PLAIN_0_0_4
