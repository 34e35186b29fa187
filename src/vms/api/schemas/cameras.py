"""Camera resources: the view returned to clients, and the create/update inputs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationError

from vms.api.errors import FieldIssue, InvalidFieldsError, issues_from
from vms.api.schemas.base import ApiModel, RedactedText, RedactedUrl
from vms.config.cameras import CameraConfig, DetectModeName, RecordingModeName
from vms.core.camera_url import REDACTED, CameraUrl, CameraUrlError, Secret
from vms.core.ids import StreamName
from vms.core.redact import redact_url


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
    detect: DetectModeName | None = Field(
        None,
        description="object detection: off, motion (while motion is seen) or always;"
        " null: the site's default (analytics.detect_default)",
    )
    recording_mode: RecordingModeName = "continuous"
    pre_roll_s: float = 5.0
    post_roll_s: float = 10.0
    event_retention_days: int = 30

    @classmethod
    def from_config(cls, camera: CameraConfig) -> CameraView:
        """The view of a camera definition."""
        urls = [camera.camera_url(stream) for stream in camera.streams()]
        return cls(
            id=camera.id,
            name=camera.name,
            main_url=redact_url(camera.main_url),
            sub_url=None if camera.sub_url is None else redact_url(camera.sub_url),
            username=camera.username,
            has_password=any(url.password is not None for url in urls),
            transport=camera.transport,
            enabled=camera.enabled,
            record=camera.record,
            record_stream=camera.record_stream,
            retention_days=camera.retention_days,
            retention_max_bytes=camera.retention_max_bytes,
            motion=camera.motion,
            detect=camera.detect,
            recording_mode=camera.recording_mode,
            pre_roll_s=camera.pre_roll_s,
            post_roll_s=camera.post_roll_s,
            event_retention_days=camera.event_retention_days,
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
    detect: DetectModeName | None = None
    recording_mode: RecordingModeName | None = None
    pre_roll_s: float | None = None
    post_roll_s: float | None = None
    event_retention_days: int | None = None

    def apply(self, current: CameraConfig) -> CameraConfig:
        """The camera with these changes, validated as a whole; InvalidFieldsError if invalid."""
        changes = self.model_dump(exclude_unset=True)
        for key in ("main_url", "sub_url"):
            sent, stored = changes.get(key), getattr(current, key)
            if isinstance(sent, str):
                changes[key] = keep_stored_password(key, sent, stored)
        merged = {**current.model_dump(), **changes}
        try:
            return CameraConfig.model_validate(merged)
        except ValidationError as exc:
            raise InvalidFieldsError(issues_from(exc, "body")) from None


def keep_stored_password(field: str, sent: str, stored: str | None) -> str:
    """`sent` with the stored password in place of the `***` that GET shows.

    A client that edits a camera sends back the URL it was shown; its `***` means "unchanged",
    never a new password. It is kept only for the same user at the same host and port: a `***`
    sent for another camera address is refused rather than guessed at."""
    try:
        url = CameraUrl.parse(sent)
    except CameraUrlError:
        return sent  # the whole-camera validation reports it
    if url.password != Secret(REDACTED):
        return sent
    old = None if stored is None else CameraUrl.parse(stored)
    if (
        old is None
        or old.password is None
        or (old.username, old.host_port) != (url.username, url.host_port)
    ):
        detail = (
            f"the password {REDACTED!r} is how the stored one is shown; it is kept only when the"
            " user name, host and port are unchanged: send the real password"
        )
        raise InvalidFieldsError([FieldIssue("body", field, detail)])
    return url.replace_credentials(url.username, old.password.reveal()).with_credentials()


class RecorderStatusView(ApiModel):
    """The recorder of one stream."""

    state: str = Field(
        description="idle, waiting_keyframe, recording, waiting_events (events recording mode:"
        " idle, nothing written until an event), storage_error or stopped"
    )
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
