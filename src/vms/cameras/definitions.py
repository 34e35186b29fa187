"""Conversions between a camera's three shapes: config/API definition, database row, ingest spec."""

from __future__ import annotations

from typing import Literal, cast

from pydantic import SecretStr

from vms.cameras.cameras_repo import CameraRow
from vms.config.cameras import CameraConfig, DetectModeName, RecordingModeName
from vms.core.ids import StreamName
from vms.ingest.supervisor import CameraSpec
from vms.storage.retention import RetentionPolicy


def row_from_config(config: CameraConfig) -> CameraRow:
    """The database row for a definition (timestamps are set by the repository)."""
    return CameraRow(
        id=config.camera_id,
        name=config.name or config.id,
        main_url=config.main_url,
        sub_url=config.sub_url,
        username=config.username,
        password=config.password.get_secret_value() if config.password else None,
        transport=config.transport,
        enabled=config.enabled,
        record_enabled=config.record,
        record_stream=StreamName(config.record_stream),
        retention_days=config.retention_days,
        retention_max_bytes=config.retention_max_bytes,
        motion_enabled=config.motion,
        recording_mode=config.recording_mode,
        pre_roll_s=config.pre_roll_s,
        post_roll_s=config.post_roll_s,
        event_retention_days=config.event_retention_days,
        detect=config.detect,
    )


def config_from_row(row: CameraRow) -> CameraConfig:
    """The definition stored in a row, validated again (a row edited by hand fails loudly)."""
    return CameraConfig(
        id=row.id,
        name=row.name,
        main_url=row.main_url,
        sub_url=row.sub_url,
        username=row.username,
        password=SecretStr(row.password) if row.password is not None else None,
        transport=cast(Literal["tcp", "udp"], row.transport),
        enabled=row.enabled,
        record=row.record_enabled,
        record_stream=row.record_stream.value,
        retention_days=row.retention_days,
        retention_max_bytes=row.retention_max_bytes,
        motion=row.motion_enabled,
        recording_mode=cast(RecordingModeName, row.recording_mode),
        pre_roll_s=row.pre_roll_s,
        post_roll_s=row.post_roll_s,
        event_retention_days=row.event_retention_days,
        detect=cast(DetectModeName | None, row.detect),
    )


def spec_from_config(config: CameraConfig) -> CameraSpec:
    """What ingest pulls for this camera (URL values with the credentials put in)."""
    sub = config.camera_url(StreamName.SUB) if config.sub_url else None
    return CameraSpec(
        camera_id=config.camera_id,
        main_url=config.camera_url(StreamName.MAIN),
        sub_url=sub,
        transport=config.transport,
        enabled=config.enabled,
    )


def retention_policy(config: CameraConfig, default: RetentionPolicy) -> RetentionPolicy:
    """The camera's own limits, each falling back to the default when the camera sets none."""
    return RetentionPolicy(
        max_age_days=config.retention_days
        if config.retention_days is not None
        else default.max_age_days,
        max_bytes=config.retention_max_bytes
        if config.retention_max_bytes is not None
        else default.max_bytes,
    )


def recorded_stream(config: CameraConfig) -> StreamName | None:
    """The stream to record, or None when the camera is disabled or recording is off."""
    if not (config.enabled and config.record):
        return None
    return StreamName(config.record_stream)
