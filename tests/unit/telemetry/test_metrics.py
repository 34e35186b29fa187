"""Metrics: names, labels and values rendered from fake providers at scrape time."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from vms.core.bus import Bus, SegmentsDeleted
from vms.core.ids import CameraId, StreamName
from vms.core.scheduler import JobStats
from vms.telemetry.metrics import METRIC_NAMES, build_registry, render_metrics
from vms.telemetry.providers import (
    AnalyticsSample,
    CameraStorageSample,
    CameraStreamSample,
    InferenceCameraSample,
    InferenceSample,
    InferenceWorkerSample,
    LiveSample,
    MetricsProviders,
    PoolSample,
    RecorderSample,
    RetentionTally,
)

GATE = CameraId("gate")


class FakeStats:
    """One object can serve several provider protocols: the method names differ."""

    def __init__(self, state: str = "connected") -> None:
        self.state = state
        self.scrapes = 0

    def camera_stream_samples(self) -> Sequence[CameraStreamSample]:
        self.scrapes += 1
        return [
            CameraStreamSample(GATE, StreamName.MAIN, self.state, True, 25.0, 4e6, 3, 7, 0.04),
            CameraStreamSample(GATE, StreamName.SUB, "reconnecting", False, 0.0, 0.0, 9, 0, None),
        ]

    def live_samples(self) -> Sequence[LiveSample]:
        return [LiveSample(GATE, StreamName.SUB, "webrtc", 2, 5, 1, 12_345, 0.6, 4)]

    def recorder_samples(self) -> Sequence[RecorderSample]:
        return [RecorderSample(GATE, StreamName.MAIN, "recording", 1000, 4, 0.5, 20, 0.1)]

    def analytics_samples(self) -> Sequence[AnalyticsSample]:
        return [AnalyticsSample(GATE, StreamName.SUB, 1500, 3, 1, 40)]

    def inference_sample(self) -> InferenceSample:
        cameras = [InferenceCameraSample(GATE, 90, 12, {"busy": 3})]
        return InferenceSample(cameras, [InferenceWorkerSample(0, True, 1, 1)], [(1.0, 90)], 90, 2)

    def pool_samples(self) -> Sequence[PoolSample]:
        return [PoolSample("disk1", 1000, 400, 500)]

    def camera_storage_samples(self) -> Sequence[CameraStorageSample]:
        return [CameraStorageSample(GATE, 500, 12)]

    def job_stats(self) -> Sequence[JobStats]:
        return [JobStats("retention", 7, 2, 0.25), JobStats("event purge", 0, 0, None)]


class Broken:
    def live_samples(self) -> Sequence[LiveSample]:
        return [LiveSample(GATE, StreamName.SUB, "webrtc", 2, 5, 1, 12_345, 0.6, 4)]

    def recorder_samples(self) -> Sequence[RecorderSample]:
        raise RuntimeError("index locked")


def scrape(providers: MetricsProviders) -> dict[str, list[Sample]]:
    body, content_type = render_metrics(build_registry(providers, process_metrics=False))
    assert content_type.startswith("text/plain; version=0.0.4")
    samples: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def value(samples: dict[str, list[Sample]], name: str, **labels: str) -> float:
    (match,) = [s for s in samples[name] if all(s.labels.get(k) == v for k, v in labels.items())]
    return match.value


def test_camera_metrics() -> None:
    stats = FakeStats()
    samples = scrape(MetricsProviders(cameras=stats))
    assert value(samples, "vms_camera_up", camera="gate", stream="main") == 1
    assert value(samples, "vms_camera_up", camera="gate", stream="sub") == 0
    assert value(samples, "vms_camera_state", stream="main", state="connected") == 1
    assert value(samples, "vms_camera_state", stream="sub", state="reconnecting") == 1
    assert value(samples, "vms_camera_fps", stream="main") == 25
    assert value(samples, "vms_camera_bitrate_bps", stream="main") == 4e6
    assert value(samples, "vms_camera_reconnects_total", stream="sub") == 9
    assert value(samples, "vms_camera_packets_dropped_total", stream="main") == 7
    # no packet yet on the sub stream: no age sample rather than a made-up one
    assert [s.labels["stream"] for s in samples["vms_camera_last_packet_age_seconds"]] == ["main"]
    assert stats.scrapes == 1


def test_recorder_metrics_with_fsync_summary() -> None:
    samples = scrape(MetricsProviders(recorders=FakeStats()))
    assert value(samples, "vms_recorder_bytes_written_total", camera="gate") == 1000
    assert value(samples, "vms_recorder_segments_total", camera="gate") == 4
    assert value(samples, "vms_recorder_fsync_seconds_sum", camera="gate") == 0.5
    assert value(samples, "vms_recorder_fsync_seconds_count", camera="gate") == 20
    assert value(samples, "vms_recorder_fsync_max_seconds", camera="gate") == 0.1
    assert value(samples, "vms_recorder_state", state="recording") == 1


def test_storage_and_retention_metrics() -> None:
    tally = RetentionTally()
    bus = Bus()
    bus.subscribe(SegmentsDeleted, tally.record)
    bus.publish(SegmentsDeleted(GATE, 3, 300, "days"))
    bus.publish(SegmentsDeleted(GATE, 2, 200, "days"))
    bus.publish(SegmentsDeleted(GATE, 1, 50, "free_space"))
    samples = scrape(MetricsProviders(storage=FakeStats(), retention=tally))
    assert value(samples, "vms_storage_total_bytes", pool="disk1") == 1000
    assert value(samples, "vms_storage_free_bytes", pool="disk1") == 400
    assert value(samples, "vms_storage_used_bytes", pool="disk1") == 500
    assert value(samples, "vms_storage_camera_bytes", camera="gate") == 500
    assert value(samples, "vms_storage_camera_segments", camera="gate") == 12
    assert value(samples, "vms_retention_deleted_segments_total", reason="days") == 5
    assert value(samples, "vms_retention_deleted_bytes_total", reason="days") == 500
    assert value(samples, "vms_retention_deleted_segments_total", reason="free_space") == 1


def test_a_failing_provider_is_reported_and_the_rest_still_scraped() -> None:
    samples = scrape(MetricsProviders(cameras=FakeStats(), recorders=Broken()))
    assert value(samples, "vms_metrics_source_up", source="cameras") == 1
    assert value(samples, "vms_metrics_source_up", source="recorders") == 0
    assert value(samples, "vms_camera_up", stream="main") == 1
    assert "vms_recorder_bytes_written_total" not in samples


def test_label_values_never_carry_credentials() -> None:
    samples = scrape(MetricsProviders(cameras=FakeStats(state="failed rtsp://a:hunter2@h/x")))
    body = repr(samples)
    assert "hunter2" not in body
    assert value(samples, "vms_camera_state", stream="main", state="failed rtsp://a:***@h/x") == 1


def test_live_metrics_per_camera_stream_and_protocol() -> None:
    samples = scrape(MetricsProviders(live=FakeStats()))
    labels = {"camera": "gate", "stream": "sub", "protocol": "webrtc"}
    assert value(samples, "vms_live_viewers", **labels) == 2
    assert value(samples, "vms_live_sessions_total", **labels) == 5
    assert value(samples, "vms_live_session_errors_total", **labels) == 1
    assert value(samples, "vms_live_bytes_sent_total", **labels) == 12_345
    assert value(samples, "vms_live_first_frame_seconds_sum", **labels) == 0.6
    assert value(samples, "vms_live_first_frame_seconds_count", **labels) == 4


def test_motion_metrics_per_watched_camera_stream() -> None:
    samples = scrape(MetricsProviders(analytics=FakeStats()))
    labels = {"camera": "gate", "stream": "sub"}
    assert value(samples, "vms_motion_frames_compared_total", **labels) == 1500
    assert value(samples, "vms_motion_events_total", **labels) == 3
    assert value(samples, "vms_motion_decode_errors_total", **labels) == 1
    assert value(samples, "vms_motion_packets_dropped_total", **labels) == 40


def test_job_metrics_per_periodic_job() -> None:
    samples = scrape(MetricsProviders(jobs=FakeStats()))
    assert value(samples, "vms_job_runs_total", job="retention") == 7
    assert value(samples, "vms_job_failures_total", job="retention") == 2
    assert value(samples, "vms_job_last_duration_seconds", job="retention") == 0.25
    assert value(samples, "vms_job_runs_total", job="event purge") == 0
    durations = {s.labels["job"] for s in samples["vms_job_last_duration_seconds"]}
    assert durations == {"retention"}  # none before the first run, rather than a made-up 0


def test_every_declared_name_is_exported_and_prefixed() -> None:
    everything = MetricsProviders(
        cameras=FakeStats(),
        recorders=FakeStats(),
        storage=FakeStats(),
        retention=RetentionTally(),
        live=FakeStats(),
        analytics=FakeStats(),
        inference=FakeStats(),
        jobs=FakeStats(),
    )
    body, _ = render_metrics(build_registry(everything, process_metrics=False))
    families = {f.name for f in text_string_to_metric_families(body.decode())}
    expected = {name.removesuffix("_total") for name in METRIC_NAMES}
    assert expected <= families
    assert all(name.startswith("vms_") for name in METRIC_NAMES)


def test_process_metrics_are_included_by_default() -> None:
    body, _ = render_metrics(build_registry(MetricsProviders()))
    names = {f.name for f in text_string_to_metric_families(body.decode())}
    assert "python_gc_objects_collected" in names
    assert "python_info" in names
