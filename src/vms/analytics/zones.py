"""Zones and lines a user draws on a camera, and the rules a camera's list must obey.

The analytics room owns them because its stages (motion, later detection rules) are what read
them; the API only checks a list against these rules before storing it. Points are normalised to
the picture (0..1 from the top-left corner), so they survive a resolution change. Pure values and
geometry: storing them is `vms.analytics.zones_repo`'s job.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

ZoneKind = Literal["zone", "line", "mask"]
Point = tuple[float, float]

MAX_ZONES = 32  # zones and lines per camera
MAX_ZONE_POINTS = 64
MAX_NAME_CHARS = 64
_MIN_AREA = 1e-6  # of the unit square: below this a polygon has no inside to speak of


@dataclass(frozen=True, slots=True)
class Zone:
    """A closed polygon ('zone') or a directed line from its first point to its second."""

    name: str
    kind: ZoneKind
    points: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class ZoneIssue:
    """What is wrong with one zone (`index` into the list; None: the list as a whole)."""

    index: int | None
    field: str  # "name", "kind" or "points"; "" for the whole list
    detail: str


def zone_issues(zones: Sequence[Zone]) -> list[ZoneIssue]:
    """Every rule a camera's list breaks; empty when the list may be stored."""
    if len(zones) > MAX_ZONES:
        return [ZoneIssue(None, "", f"at most {MAX_ZONES} zones and lines per camera")]
    issues: list[ZoneIssue] = []
    seen: dict[str, int] = {}
    for index, zone in enumerate(zones):
        name = zone.name.strip()
        if not name:
            issues.append(ZoneIssue(index, "name", "a name is required"))
        elif len(name) > MAX_NAME_CHARS:
            issues.append(ZoneIssue(index, "name", f"at most {MAX_NAME_CHARS} characters"))
        elif name.casefold() in seen:
            detail = f"the name {name!r} is used twice (also at [{seen[name.casefold()]}])"
            issues.append(ZoneIssue(index, "name", detail))
        else:
            seen[name.casefold()] = index
        issues += [ZoneIssue(index, "points", d) for d in _point_issues(zone)]
    return issues


def _point_issues(zone: Zone) -> list[str]:
    outside = [
        i for i, (x, y) in enumerate(zone.points) if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0)
    ]
    if outside:
        return [f"coordinates must be within [0, 1]; point {outside[0]} is not"]
    if zone.kind == "line":
        return _line_issues(zone.points)
    return _polygon_issues(zone.points)


def _line_issues(points: tuple[Point, ...]) -> list[str]:
    if len(points) != 2:
        return [f"a line has exactly 2 points, not {len(points)}"]
    return ["the two points of a line must differ"] if points[0] == points[1] else []


def _polygon_issues(points: tuple[Point, ...]) -> list[str]:
    problem = _outline_problem(points) or _shape_problem(points)
    return [problem] if problem else []


def _outline_problem(points: tuple[Point, ...]) -> str | None:
    """How many points, and none repeated in a row."""
    if not 3 <= len(points) <= MAX_ZONE_POINTS:
        return f"a zone has 3 to {MAX_ZONE_POINTS} points, not {len(points)}"
    if points[0] == points[-1]:
        return "the last point repeats the first: a zone closes by itself, leave it out"
    repeated = [i for i in range(1, len(points)) if points[i] == points[i - 1]]
    return f"point {repeated[0]} repeats the point before it" if repeated else None


def _shape_problem(points: tuple[Point, ...]) -> str | None:
    """An inside to speak of, bounded by edges that do not cross."""
    if all(_orientation(points[0], points[1], point) == 0 for point in points[2:]):
        return "the zone has no area (its points lie on one line)"
    crossing = first_crossing(points)
    if crossing is not None:
        return f"the zone's edges {crossing[0]} and {crossing[1]} cross or overlap"
    if abs(polygon_area(points)) < _MIN_AREA:
        return "the zone is too small to draw anything in"
    return None


def polygon_area(points: Sequence[Point]) -> float:
    """Signed area (shoelace formula); positive when the points run counter-clockwise in x/y."""
    total = 0.0
    for i, (x1, y1) in enumerate(points):
        x2, y2 = points[(i + 1) % len(points)]
        total += x1 * y2 - x2 * y1
    return total / 2


def first_crossing(points: Sequence[Point]) -> tuple[int, int] | None:
    """The first pair of non-neighbouring edges (edge i runs from point i to i+1) that touch or
    cross, or None for a simple polygon. O(n²), fine for MAX_ZONE_POINTS."""
    n = len(points)
    for i in range(n):  # neighbours share a point; they overlap only where the outline turns back
        before, here, after = points[i - 1], points[i], points[(i + 1) % n]
        back = (before[0] - here[0]) * (after[0] - here[0]) + (before[1] - here[1]) * (
            after[1] - here[1]
        )
        if _orientation(before, here, after) == 0 and back > 0:
            return (i - 1) % n, i
    edges = [(points[i], points[(i + 1) % n]) for i in range(n)]
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue  # the last edge ends where the first begins
            if segments_touch(*edges[i], *edges[j]):
                return i, j
    return None


def segments_touch(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Whether segments ab and cd share at least one point (crossing, touching or overlapping)."""
    d1, d2 = _orientation(c, d, a), _orientation(c, d, b)
    d3, d4 = _orientation(a, b, c), _orientation(a, b, d)
    if d1 * d2 < 0 and d3 * d4 < 0:
        return True
    return (
        (d1 == 0 and _on_segment(c, d, a))
        or (d2 == 0 and _on_segment(c, d, b))
        or (d3 == 0 and _on_segment(a, b, c))
        or (d4 == 0 and _on_segment(a, b, d))
    )


def _orientation(p: Point, q: Point, r: Point) -> int:
    """Sign of the cross product (q - p) x (r - p): 1 left turn, -1 right turn, 0 collinear."""
    cross = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    return 0 if math.isclose(cross, 0.0, abs_tol=1e-12) else (1 if cross > 0 else -1)


def _on_segment(p: Point, q: Point, r: Point) -> bool:
    """For collinear p, q, r: whether r lies within the bounding box of pq."""
    return min(p[0], q[0]) <= r[0] <= max(p[0], q[0]) and min(p[1], q[1]) <= r[1] <= max(p[1], q[1])


def describe_issue(issue: ZoneIssue) -> str:
    """One issue as text: `[index].field: detail`, or the detail alone for the whole list."""
    if issue.index is None:
        return issue.detail
    return f"[{issue.index}].{issue.field}: {issue.detail}"
