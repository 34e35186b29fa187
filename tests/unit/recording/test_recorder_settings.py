"""`RecorderSettings.from_config`: what a user configures reaches the recorder; the rest default."""

from __future__ import annotations

from vms.config.recording import RecordingSettings
from vms.recording.settings import STORAGE_RETRY, RecorderSettings


def test_the_configured_lengths_reach_the_recorder() -> None:
    settings = RecorderSettings.from_config(
        RecordingSettings(segment_duration_s=30, fragment_ms=500)
    )
    assert settings.segment_duration_s == 30.0
    assert settings.fragment_ms == 500
    defaults = RecorderSettings()
    assert (settings.max_gap_s, settings.min_free_bytes) == (
        defaults.max_gap_s,
        defaults.min_free_bytes,
    )
    assert settings.retry_backoff is STORAGE_RETRY


def test_the_defaults_are_the_configs_defaults() -> None:
    assert RecorderSettings.from_config(RecordingSettings()) == RecorderSettings()
