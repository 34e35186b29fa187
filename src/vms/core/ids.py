"""Typed identifiers, so a camera id can never be passed where a segment id is expected."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NewType

CameraId = NewType("CameraId", str)
SegmentId = NewType("SegmentId", int)

_CAMERA_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class StreamName(StrEnum):
    """Which of a camera's two encodings a stream is."""

    MAIN = "main"
    SUB = "sub"


def camera_id(value: str) -> CameraId:
    """Validate a camera id: it becomes a folder name and a URL path part, so keep it a slug."""
    if not _CAMERA_ID.fullmatch(value):
        raise ValueError(
            f"invalid camera id {value!r}: use 1-63 lowercase letters, digits, '-' or '_',"
            " starting with a letter or digit"
        )
    return CameraId(value)
