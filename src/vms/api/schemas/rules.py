"""Rule bodies: a camera's rules as one document, the union of rule kinds told apart by `kind`.

The rule models themselves are the analytics room's (`vms.analytics.rules.model`): they are what
is stored, so the API validates with exactly them and documents them as they are.
"""

from __future__ import annotations

from pydantic import Field

from vms.analytics.rules import Rule
from vms.analytics.rules_repo import StoredRules
from vms.analytics.scenes import SceneObjects
from vms.api.schemas.base import ApiModel

# Bounds only what is parsed; the list's own limit (64) gives its own message.
_PARSE_LIMIT = 1000


class RulesIn(ApiModel):
    """A camera's whole list of rules (names unique per camera, ignoring case)."""

    rules: list[Rule] = Field(max_length=_PARSE_LIMIT)


class RuleIssueView(ApiModel):
    """A stored rule that cannot run now: its zone or line was renamed or removed since."""

    index: int = Field(description="position of the rule in `rules`")
    detail: str


class RulesView(ApiModel):
    """A camera's rules; `issues` lists those its current zones no longer allow (they are
    skipped until fixed), `timezone` is the site's, in which schedules are read."""

    rules: list[Rule]
    issues: list[RuleIssueView]
    timezone: str = Field(description="IANA time zone name, e.g. 'Europe/Paris'")

    @classmethod
    def of(cls, stored: StoredRules) -> RulesView:
        issues = [
            RuleIssueView(index=i.index, detail=i.detail)
            for i in stored.issues
            if i.index is not None
        ]
        return cls(rules=list(stored.rules), issues=issues, timezone=stored.timezone)


class SceneObjectView(ApiModel):
    label: str
    score: float
    box: tuple[float, float, float, float] = Field(
        description="x1, y1, x2, y2 in pixels of the analysed frame (width × height)"
    )
    track_id: int | None = Field(description="the tracker's id; null for an untracked detection")


class DetectionsView(ApiModel):
    """The objects tracked in a camera's latest analysed frame; empty (wall_ms 0) when the
    camera is not analysed or nothing was analysed yet."""

    wall_ms: int
    width: int
    height: int
    objects: list[SceneObjectView]

    @classmethod
    def of(cls, scene: SceneObjects | None) -> DetectionsView:
        if scene is None:
            return cls(wall_ms=0, width=0, height=0, objects=[])
        width, height = scene.frame_size
        objects = [
            SceneObjectView(label=o.label, score=o.score, box=o.box, track_id=o.track_id)
            for o in scene.objects
        ]
        return cls(wall_ms=scene.wall_ms, width=width, height=height, objects=objects)
