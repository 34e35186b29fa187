"""Telemetry: structured redacted logging and pull-model Prometheus metrics."""

from vms.telemetry.logging import configure_logging, redact_event
from vms.telemetry.metrics import METRIC_NAMES, VmsCollector, build_registry, render_metrics
from vms.telemetry.providers import (
    CameraStatsProvider,
    CameraStorageSample,
    CameraStreamSample,
    MetricsProviders,
    PoolSample,
    RecorderSample,
    RecorderStatsProvider,
    RetentionSample,
    RetentionStatsProvider,
    RetentionTally,
    StorageStatsProvider,
)

__all__ = [
    "METRIC_NAMES",
    "CameraStatsProvider",
    "CameraStorageSample",
    "CameraStreamSample",
    "MetricsProviders",
    "PoolSample",
    "RecorderSample",
    "RecorderStatsProvider",
    "RetentionSample",
    "RetentionStatsProvider",
    "RetentionTally",
    "StorageStatsProvider",
    "VmsCollector",
    "build_registry",
    "configure_logging",
    "redact_event",
    "render_metrics",
]
