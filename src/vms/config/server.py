"""`server` section: where the HTTP API and the RTSP restream listen."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator

from vms.config.base import Section, invalid


class ServerSettings(Section):
    """Listen addresses of the HTTP API and the RTSP restream."""

    host: str = Field(
        "127.0.0.1",
        description="Address the HTTP API and RTSP server listen on (0.0.0.0 for every interface)",
    )
    port: int = Field(8080, ge=1, le=65535, description="TCP port of the HTTP API")
    rtsp_port: int = Field(8554, ge=1, le=65535, description="TCP port of the RTSP restream")
    web_dir: Path | None = Field(
        None,
        description=(
            "Folder of the built web client served at /; default: web/dist of the source tree "
            "(`make web` builds it)"
        ),
    )

    @field_validator("host")
    @classmethod
    def _host_is_bare(cls, value: str) -> str:
        host = value.strip()
        if not host or "://" in host or "/" in host or " " in host:
            raise invalid(
                "not a host name or address",
                "give a bare host name or IP address such as 127.0.0.1, 0.0.0.0 or ::",
            )
        return host

    @field_validator("rtsp_port")
    @classmethod
    def _ports_differ(cls, value: int, info: ValidationInfo) -> int:
        if value == info.data.get("port"):
            raise invalid(
                f"server.port and server.rtsp_port are both {value}",
                "give the HTTP API and the RTSP server different ports (defaults 8080 and 8554)",
            )
        return value
