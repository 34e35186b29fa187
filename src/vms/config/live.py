"""`live` section: WHEP ICE and session limits, LL-HLS timing, RTSP restream, SRT outputs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from vms.config.base import SLUG, SLUG_RULE, Section, invalid


class IceServer(Section):
    """One STUN or TURN server handed to aiortc (and announced to WHEP clients in Link headers)."""

    urls: list[str] = Field(description="stun:host:port, turn:host:port or turns:host:port URLs")
    username: str | None = Field(None, description="TURN user name")
    credential: str | None = Field(None, description="TURN password")

    @field_validator("urls")
    @classmethod
    def _ice_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if url.split(":", 1)[0].lower() not in ("stun", "stuns", "turn", "turns"):
                raise invalid(
                    f"{url!r} is not a STUN or TURN URL", "write stun:host:port or turn:host:port"
                )
        return urls


class WebRtcSettings(Section):
    """WHEP sessions: ICE configuration and how long an abandoned session lives."""

    ice_servers: list[IceServer] = Field(
        default_factory=list, description="STUN/TURN servers; none means host candidates only"
    )
    interfaces: list[str] = Field(
        default_factory=list,
        description="IP addresses whose host candidates are offered; empty means every interface",
    )
    session_timeout_s: float = Field(
        30.0, gt=0, description="a session whose peer is silent this long is closed and freed"
    )
    max_sessions: int = Field(200, ge=1, description="WHEP sessions open at once, all cameras")


class LlHlsSettings(Section):
    """Low-latency HLS and MSE: the live fMP4 window kept in memory per camera stream."""

    part_target_ms: int = Field(
        500, ge=100, le=2000, description="target duration of an LL-HLS partial segment"
    )
    window_segments: int = Field(
        4, ge=2, le=20, description="whole segments (GOPs) kept in the live playlist"
    )
    idle_stop_s: float = Field(
        30.0, gt=0, description="stop packaging a stream this long after its last request"
    )


class SrtOutput(Section):
    """One camera stream sent out as MPEG-TS over SRT."""

    camera: str = Field(description="id of the camera to send")
    stream: Literal["main", "sub"] = Field("main", description="which of its streams")
    mode: Literal["listener", "caller"] = Field(
        "listener", description="listener waits for a caller on port; caller connects to host"
    )
    host: str = Field("0.0.0.0", description="address to listen on, or the peer to call")
    port: int = Field(ge=1, le=65535, description="UDP port")
    latency_ms: int = Field(120, ge=20, le=8000, description="SRT receiver latency")
    passphrase: str | None = Field(
        None, min_length=10, max_length=79, description="AES passphrase (10-79 characters)"
    )

    @field_validator("camera")
    @classmethod
    def _camera_id(cls, value: str) -> str:
        if not SLUG.match(value):
            raise invalid(f"{value!r} is not a camera id", f"use the camera's id ({SLUG_RULE})")
        return value


class LiveSettings(Section):
    """Live view: WHEP, LL-HLS/MSE, RTSP restream (port in `server`) and SRT outputs."""

    rtsp_restream: bool = Field(
        True, description="serve every camera at rtsp://host:server.rtsp_port/<camera>[/sub]"
    )
    webrtc: WebRtcSettings = Field(default_factory=WebRtcSettings)
    llhls: LlHlsSettings = Field(default_factory=LlHlsSettings)
    srt_outputs: list[SrtOutput] = Field(default_factory=list)
