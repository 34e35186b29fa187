"""Camera resources: the view returned to clients, and the create/update inputs."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError

from vms.api.errors import InvalidFieldsError, issues_from
from vms.api.schemas.base import ApiModel, RedactedText, RedactedUrl
from vms.config.cameras import CameraConfig
from vms.core.ids import StreamName


class CameraView(ApiModel):
    """A camera as clients see it: URLs redacted, the password replaced by `has_password`."""

    id: str
    name: str
    main_url: RedactedUrl
    sub_url: RedactedUrl | None = None
    username: str | None = None
    has_password: bool
    transport: Literal["tcp", "udp"]
    enabled: bool
    record: bool
    record_stream: Literal["main", "sub"]
    retention_days: int | None = None
    retention_max_bytes: int | None = None
    motion: bool = Field(description="motion detection records events for this camera")

    @classmethod
    def from_config(cls, camera: CameraConfig) -> CameraView:
        """The view of a camera definition."""
        urls = [u for u in (camera.main_url, camera.sub_url) if u is not None]
        return cls(
            id=camera.id,
            name=camera.name,
            main_url=camera.main_url,
            sub_url=camera.sub_url,
            username=camera.username,
            has_password=camera.password is not None
            or any(urlsplit(u).password is not None for u in urls),
            transport=camera.transport,
            enabled=camera.enabled,
            record=camera.record,
            record_stream=camera.record_stream,
            retention_days=camera.retention_days,
            retention_max_bytes=camera.retention_max_bytes,
            motion=camera.motion,
        )


class CameraCreate(CameraConfig):
    """A new camera: the same definition as a camera in the config file."""


class CameraUpdate(ApiModel):
    """Changes to a camera (PATCH): only the fields sent change; null clears an optional one."""

    name: str | None = None
    main_url: str | None = None
    sub_url: str | None = None
    username: str | None = None
    password: SecretStr | None = Field(None, json_schema_extra={"writeOnly": True})
    transport: Literal["tcp", "udp"] | None = None
    enabled: bool | None = None
    record: bool | None = None
    record_stream: Literal["main", "sub"] | None = None
    retention_days: int | None = None
    retention_max_bytes: int | None = None
    motion: bool | None = None

    def apply(self, current: CameraConfig) -> CameraConfig:
        """The camera with these changes, validated as a whole; InvalidFieldsError if invalid."""
        merged = {**current.model_dump(), **self.model_dump(exclude_unset=True)}
        try:
            return CameraConfig.model_validate(merged)
        except ValidationError as exc:
            raise InvalidFieldsError(issues_from(exc, "body")) from None


class RecorderStatusView(ApiModel):
    """The recorder of one stream."""

    state: str
    bytes_written: int = Field(ge=0)
    segments_closed: int = Field(ge=0)
    last_error: RedactedText | None = None


class StreamStatusView(ApiModel):
    """Live health of one camera stream."""

    stream: StreamName
    state: str = Field(
        description="connection state: idle, connecting, streaming, degraded (packets flow but"
        " video is lost or broken: see degraded_reason), reconnecting, failed or stopped"
    )
    fps: float | None = None
    bitrate_bps: float | None = None
    last_packet_ms: int | None = Field(None, description="last packet, unix milliseconds UTC")
    reconnects: int = Field(
        0, ge=0, description="connection attempts after the first one, failed ones included"
    )
    failed_attempts: int = Field(
        0, ge=0, description="connection attempts that delivered no packet"
    )
    degraded_reason: RedactedText | None = Field(
        None, description="while degraded: what is wrong with the stream, in plain words"
    )
    last_error: RedactedText | None = None
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    wallclock_source: Literal["rtcp", "arrival"] | None = Field(
        None, description="where wall-clock time comes from: RTCP sender reports or arrival"
    )
    recorder: RecorderStatusView | None = None


class CameraStatusView(ApiModel):
    """Live health of a camera's streams and recorders."""

    camera_id: str
    enabled: bool
    streams: list[StreamStatusView]
