"""Zone, line and mask bodies: named shapes drawn on a camera's picture, normalised to it."""

from __future__ import annotations

from pydantic import Field

from vms.analytics.zones import MAX_ZONE_POINTS, Zone, ZoneKind
from vms.api.schemas.base import ApiModel

_POINTS = (
    "[[x, y], ...], each 0..1 from the picture's top-left corner; a zone has 3 to "
    f"{MAX_ZONE_POINTS} points (closed automatically, edges may not cross), and so has a mask;"
    " a line has exactly 2 (directed from the first to the second)"
)
# Bounds only what is parsed; the rules (counts, ranges, crossings) give their own messages.
_PARSE_LIMIT = 1000


class ZoneIn(ApiModel):
    """One zone (polygon), line or mask (polygon) of a camera."""

    name: str = Field(max_length=_PARSE_LIMIT, description="unique per camera (ignoring case)")
    kind: ZoneKind = Field(
        description="zone (polygon watched by motion and rules), line (crossed, for rules) or"
        " mask (polygon where detections are ignored: an object whose foot is in it is dropped)"
    )
    points: list[tuple[float, float]] = Field(max_length=_PARSE_LIMIT, description=_POINTS)

    def zone(self) -> Zone:
        return Zone(self.name, self.kind, tuple(self.points))


class ZoneOut(ApiModel):
    """One stored zone, line or mask."""

    name: str
    kind: ZoneKind
    points: list[tuple[float, float]]

    @classmethod
    def of(cls, zone: Zone) -> ZoneOut:
        return cls(name=zone.name, kind=zone.kind, points=list(zone.points))
