"""Path parameters shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from vms.config.base import SLUG, SLUG_RULE

CameraIdPath = Annotated[
    str, Path(pattern=SLUG.pattern, description=f"camera id: {SLUG_RULE}", examples=["front-door"])
]
SegmentIdPath = Annotated[int, Path(ge=0, description="id of a recorded segment")]
