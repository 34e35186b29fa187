"""Camera probe bodies: what to test (URL, credentials, transport) and what the camera sent."""

from __future__ import annotations

import base64
from typing import Literal

from pydantic import Field, SecretStr

from vms.api.schemas.base import ApiModel
from vms.ingest.probe import DEFAULT_TIMEOUT_S, MAX_TIMEOUT_S, ProbeRequest, ProbeResult


class ProbeIn(ApiModel):
    """A camera stream to test before it is saved; nothing is stored."""

    url: str = Field(
        min_length=1,
        max_length=2048,
        description="rtsp:// or rtsps:// URL of the stream",
        examples=["rtsp://192.168.1.20:554/stream1"],
    )
    username: str | None = Field(
        None, max_length=256, description="camera user name (replaces one in the URL)"
    )
    password: SecretStr | None = Field(
        None,
        max_length=256,
        description="camera password; never stored, logged or echoed",
        json_schema_extra={"writeOnly": True},
    )
    transport: Literal["tcp", "udp"] = "tcp"
    timeout_s: float = Field(
        DEFAULT_TIMEOUT_S,
        gt=0,
        le=MAX_TIMEOUT_S,
        description="give up when no picture arrived within this many seconds",
    )

    def request(self) -> ProbeRequest:
        """The probe's input, the password unwrapped for the connection only."""
        password = self.password.get_secret_value() if self.password is not None else None
        return ProbeRequest(self.url, self.username or None, password or None, self.transport)


class ProbeVideoOut(ApiModel):
    codec: str = Field(description="FFmpeg codec name: h264, hevc, ...")
    profile: str | None = None
    width: int
    height: int
    fps: float | None = Field(None, description="frame rate the stream announces, if any")


class ProbeAudioOut(ApiModel):
    codec: str
    sample_rate: int
    channels: int


class ProbeOut(ApiModel):
    """What the camera sent: its tracks and its first keyframe as a JPEG."""

    video: ProbeVideoOut
    audio: ProbeAudioOut | None
    snapshot_jpeg: str = Field(description="base64 JPEG of the first keyframe, at most 640 wide")
    elapsed_ms: int = Field(ge=0, description="time from the request to the decoded picture")

    @classmethod
    def of(cls, result: ProbeResult) -> ProbeOut:
        video, audio = result.video, result.audio
        return cls(
            video=ProbeVideoOut(
                codec=video.codec,
                profile=video.profile,
                width=video.width,
                height=video.height,
                fps=video.fps,
            ),
            audio=None
            if audio is None
            else ProbeAudioOut(
                codec=audio.codec, sample_rate=audio.sample_rate, channels=audio.channels
            ),
            snapshot_jpeg=base64.b64encode(result.snapshot_jpeg).decode("ascii"),
            elapsed_ms=result.elapsed_ms,
        )
