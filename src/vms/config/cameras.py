"""`cameras` section: one definition per camera, shared by the config file and the REST API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from vms.config.base import (
    SLUG,
    SLUG_RULE,
    LowerText,
    OptionalDays,
    OptionalPositiveInt,
    Section,
    invalid,
)
from vms.core.camera_url import CameraUrl, CameraUrlError
from vms.core.ids import CameraId, StreamName
from vms.core.redact import redact_url

URL_SCHEMES = ("rtsp", "rtsps", "srt")
# What a camera records: everything, only around events, or everything with events kept longer.
RecordingModeName = Literal["continuous", "events", "continuous_events"]
# When objects are detected: never, while motion is seen in the camera's zones, or on every frame.
DetectModeName = Literal["off", "motion", "always"]
_URL_FIX = (
    "use rtsp://host[:port]/path, rtsps://host[:port]/path or srt://host:port"
    " (credentials as rtsp://user:password@host/path or in username/password)"
)


def check_stream_url(value: str) -> str:
    """Validate a camera stream URL (`CameraUrl.parse`); the message never shows its password.

    Credentials in a URL are read as RFC 3986 says: percent-decoded (`%41` is `A`, and a `%`
    itself is written `%25`), by VMS's RTSP client and by FFmpeg alike. A `%` that starts no
    escape, a space or a control character anywhere is refused rather than guessed at.
    """
    try:
        url = CameraUrl.parse(value)
    except CameraUrlError as exc:
        raise invalid(f"invalid camera URL: {exc}", _URL_FIX) from None
    if not url.host:
        raise invalid(f"no host in {url.redacted()!r}", _URL_FIX)
    return value


def _has_userinfo(url: object) -> bool:
    return isinstance(url, str) and CameraUrl.parse(url).username is not None


class CameraConfig(Section):
    """A camera: its stream URLs, credentials and recording choices."""

    id: str = Field(description=f"camera id used in paths and URLs: {SLUG_RULE}")
    name: str = Field("", description="display name (default: the id)")
    main_url: str = Field(description="URL of the main (full-resolution) stream")
    sub_url: str | None = Field(None, description="URL of the sub (low-resolution) stream")
    username: str | None = Field(None, description="user name, when not in the URLs")
    password: SecretStr | None = Field(None, description="password, when not in the URLs")
    transport: Annotated[Literal["tcp", "udp"], LowerText] = Field(
        "tcp", description="RTSP transport: tcp (reliable) or udp"
    )
    enabled: bool = Field(True, description="pull the camera's streams")
    record: bool = Field(True, description="record continuously")
    record_stream: Annotated[Literal["main", "sub"], LowerText] = Field(
        "main", description="which stream is recorded"
    )
    motion: bool = Field(
        False, description="detect motion (on the sub stream when there is one) and record events"
    )
    detect: Annotated[DetectModeName, LowerText] | None = Field(
        None,
        description="object detection: off, motion (while motion is seen in the camera's zones)"
        " or always (default: analytics.detect_default)",
    )
    retention_days: OptionalDays = Field(None, description="days kept (default: retention's)")
    retention_max_bytes: OptionalPositiveInt = Field(
        None, description="bytes kept (default: retention's)"
    )
    recording_mode: Annotated[RecordingModeName, LowerText] = Field(
        "continuous",
        description="continuous (everything), events (only around events) or continuous_events"
        " (everything, and the time around events kept event_retention_days)",
    )
    pre_roll_s: float = Field(
        5.0, ge=0, le=60, description="seconds recorded before an event (events modes)"
    )
    post_roll_s: float = Field(
        10.0, ge=0, le=3600, description="seconds recorded after an event ends (events modes)"
    )
    event_retention_days: int = Field(
        30,
        ge=1,
        le=36_500,
        description="days the recordings around an event are locked against retention"
        " (events modes)",
    )

    @field_validator("id")
    @classmethod
    def _id_is_slug(cls, value: str) -> str:
        if not SLUG.fullmatch(value):
            raise invalid(f"{value!r} is not a valid camera id", f"use {SLUG_RULE}")
        return value

    @field_validator("name")
    @classmethod
    def _name_defaults_to_id(cls, value: str, info: ValidationInfo) -> str:
        name = value.strip()
        return name or str(info.data.get("id", ""))

    @field_validator("main_url", "sub_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_stream_url(value)

    @field_validator("username", "password")
    @classmethod
    def _credentials_once(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            return value
        if info.field_name == "username" and ":" in str(value):
            raise invalid(
                "a user name cannot contain ':'",
                "RTSP authentication separates the user name from the password with ':'",
            )
        urls = (info.data.get("main_url"), info.data.get("sub_url"))
        if any(_has_userinfo(url) for url in urls):
            raise invalid(
                "credentials are both in a URL and in username/password",
                "put them either in the URLs (rtsp://user:password@host/...) or in the"
                " username and password keys, not both",
            )
        if any(isinstance(url, str) and url.lower().startswith("srt://") for url in urls):
            raise invalid(
                "SRT streams take no user name or password",
                "remove username/password; put the SRT passphrase in the URL query",
            )
        return value

    @field_validator("record_stream")
    @classmethod
    def _recorded_stream_exists(cls, value: str, info: ValidationInfo) -> str:
        if value == "sub" and "sub_url" in info.data and info.data["sub_url"] is None:
            raise invalid(
                "record_stream is 'sub' but the camera has no sub_url",
                "set sub_url, or record_stream: main",
            )
        return value

    def __repr_args__(self) -> Iterator[tuple[str | None, object]]:
        """Redact URL passwords, so logging a CameraConfig cannot leak them."""
        for name, value in super().__repr_args__():
            redacted = name in ("main_url", "sub_url") and isinstance(value, str)
            yield name, redact_url(value) if redacted else value

    @property
    def camera_id(self) -> CameraId:
        """The id as a typed CameraId."""
        return CameraId(self.id)

    def streams(self) -> tuple[StreamName, ...]:
        """The streams this camera has: main, and sub when a sub URL is set."""
        return (StreamName.MAIN,) if self.sub_url is None else (StreamName.MAIN, StreamName.SUB)

    def stream_url(self, stream: StreamName) -> str:
        """The URL of a stream as configured (may hold credentials: never log or show it)."""
        url = self.main_url if stream is StreamName.MAIN else self.sub_url
        if url is None:
            raise ValueError(f"camera {self.id!r} has no {stream.value} stream")
        return url

    def camera_url(self, stream: StreamName) -> CameraUrl:
        """The URL to open, as a value: username/password put in when given separately."""
        url = CameraUrl.parse(self.stream_url(stream))
        if self.username is None and self.password is None:
            return url
        password = None if self.password is None else self.password.get_secret_value()
        return url.replace_credentials(self.username or "", password)
