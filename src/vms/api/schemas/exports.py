"""Export jobs and manifest verification as seen by the API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from vms.api.schemas.base import ApiModel
from vms.core.ids import StreamName


class ExportCreate(ApiModel):
    camera: str = Field(description="camera id")
    start: str = Field(description="ISO-8601 with a time zone, or unix milliseconds")
    end: str = Field(description="ISO-8601 with a time zone, or unix milliseconds")
    format: Literal["mp4"] = "mp4"
    stream: StreamName = StreamName.MAIN
    requested_by: str = Field(
        "api",
        max_length=200,
        description="a note on who asks or why; the audit trail names the signed-in user",
    )


class ExportView(ApiModel):
    id: str
    camera_id: str
    stream: str
    start_ms: int
    end_ms: int
    state: str = Field(description="queued, running, done, failed or cancelled")
    progress: float
    requested_by: str
    created_ms: int
    finished_ms: int | None
    media_start_ms: int | None = Field(description="wall time of the first frame (a keyframe)")
    size_bytes: int | None
    sha256: str | None
    error: str | None
    file_url: str | None
    manifest_url: str | None


class VerifyRequest(ApiModel):
    manifest: dict[str, Any] = Field(description="the signed manifest, as downloaded")
    export_id: str | None = Field(None, description="verify this stored export's file")
    file_sha256: str | None = Field(None, description="or: SHA-256 of the file, computed locally")
    file_size_bytes: int | None = Field(None, ge=0)


class IssueView(ApiModel):
    field: str
    reason: str


class VerifyView(ApiModel):
    valid: bool
    key_id: str | None
    trusted_key: bool | None = Field(description="signed with this site's key (None: unknown)")
    issues: list[IssueView]
