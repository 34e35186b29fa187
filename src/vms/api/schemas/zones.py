"""Zone and line bodies: named shapes drawn on a camera's picture, in normalised coordinates."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vms.analytics.zones import MAX_ZONE_POINTS, Zone
from vms.api.schemas.base import ApiModel

_POINTS = (
    "[[x, y], ...], each 0..1 from the picture's top-left corner; a zone has 3 to "
    f"{MAX_ZONE_POINTS} points (closed automatically, edges may not cross), a line exactly 2 "
    "(directed from the first to the second)"
)
# Bounds only what is parsed; the rules (counts, ranges, crossings) give their own messages.
_PARSE_LIMIT = 1000


class ZoneIn(ApiModel):
    """One zone (polygon) or line of a camera."""

    name: str = Field(max_length=_PARSE_LIMIT, description="unique per camera (ignoring case)")
    kind: Literal["zone", "line"]
    points: list[tuple[float, float]] = Field(max_length=_PARSE_LIMIT, description=_POINTS)

    def zone(self) -> Zone:
        return Zone(self.name, self.kind, tuple(self.points))


class ZoneOut(ApiModel):
    """One stored zone or line."""

    name: str
    kind: Literal["zone", "line"]
    points: list[tuple[float, float]]

    @classmethod
    def of(cls, zone: Zone) -> ZoneOut:
        return cls(name=zone.name, kind=zone.kind, points=list(zone.points))
