"""Typed read/replace of a camera's rules over the `camera_rules` table (one JSON document each).

Lives in the analytics room with the rules it stores (ADR 0016), like `zones_repo`. A camera's
list is replaced as a whole, and only once its names are unique and every rule names a zone or
line the camera has now. Zones are edited on their own afterwards and may break a stored rule:
reading reports such rules as `issues` (the engine skips them), rather than refusing the zone
change or dropping the rule.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from vms.analytics.rules.model import (
    MAX_RULES,
    RULE_ADAPTER,
    CameraRules,
    LineRule,
    Rule,
    rule_issues,
)
from vms.analytics.zones import Zone
from vms.analytics.zones_repo import ZonesRepo
from vms.core.clock import Clock
from vms.core.errors import InvalidInputError, NotFoundError
from vms.core.ids import CameraId
from vms.db.tables import CameraRulesTable, CameraTable


@dataclass(frozen=True, slots=True)
class RuleIssue:
    """What is wrong with one rule (`index` into the list; None: the list as a whole) and which
    of its fields ("name", "zone", "line"; "" for the list)."""

    index: int | None
    field: str
    detail: str


class RulesRejectedError(InvalidInputError):
    """A list of rules that may not be stored, with every reason."""

    def __init__(self, issues: Sequence[RuleIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(_describe(issue) for issue in self.issues))


@dataclass(frozen=True, slots=True)
class StoredRules:
    """A camera's rules, the ones that cannot run with its current zones, and the time zone
    their schedules are read in."""

    rules: tuple[Rule, ...]
    issues: tuple[RuleIssue, ...]
    timezone: str


class RulesRepo:
    """A camera's rules; NotFoundError for a camera that does not exist. `timezone` is the
    site's (`analytics.timezone`), reported with the rules since schedules are read in it."""

    def __init__(self, engine: Engine, clock: Clock, zones: ZonesRepo, timezone: str) -> None:
        self._engine = engine
        self._clock = clock
        self._zones = zones
        self.timezone = timezone

    def list(self, camera_id: CameraId) -> StoredRules:
        """The camera's rules in the order they were saved, checked against its zones now."""
        zones = self._zones.list(camera_id)  # NotFoundError for an unknown camera
        rules = self.rules_of(camera_id)
        return StoredRules(rules, tuple(zone_issues_of(rules, zones)), self.timezone)

    def rules_of(self, camera_id: CameraId) -> tuple[Rule, ...]:
        """The camera's stored rules (none for an unknown camera): what analytics loads."""
        with self._engine.connect() as conn:
            stored = conn.execute(
                select(CameraRulesTable.rules).where(CameraRulesTable.camera_id == camera_id)
            ).scalar()
        return () if stored is None else CameraRules.model_validate({"rules": stored}).rules

    def replace(self, camera_id: CameraId, rules: Sequence[Rule]) -> StoredRules:
        """Store `rules` as the camera's whole list; RulesRejectedError naming every broken
        rule (names repeated, zones or lines the camera lacks), NotFoundError for an unknown
        camera."""
        zones = self._zones.list(camera_id)
        issues = name_issues(rules) or zone_issues_of(rules, zones)
        if issues:
            raise RulesRejectedError(issues)
        document = [RULE_ADAPTER.dump_python(rule, mode="json") for rule in rules]
        row = {"camera_id": camera_id, "rules": document, "updated_ms": self._clock.now_ms()}
        try:
            with self._engine.begin() as conn:
                exists = conn.execute(select(CameraTable.id).where(CameraTable.id == camera_id))
                if exists.first() is None:
                    raise NotFoundError(f"camera {camera_id!r} does not exist")
                conn.execute(
                    delete(CameraRulesTable).where(CameraRulesTable.camera_id == camera_id)
                )
                conn.execute(insert(CameraRulesTable), [row])
        except IntegrityError as exc:  # the camera was removed while we wrote
            raise NotFoundError(f"camera {camera_id!r} does not exist") from exc
        return StoredRules(tuple(rules), (), self.timezone)


def name_issues(rules: Sequence[Rule]) -> builtins.list[RuleIssue]:
    """Too many rules, or a name used twice (ignoring case: events carry it, users search it)."""
    if len(rules) > MAX_RULES:
        return [RuleIssue(None, "", f"at most {MAX_RULES} rules per camera")]
    issues: builtins.list[RuleIssue] = []
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        key = rule.name.casefold()
        if key in seen:
            detail = f"the name {rule.name!r} is used twice (also at [{seen[key]}])"
            issues.append(RuleIssue(index, "name", detail))
        else:
            seen[key] = index
    return issues


def zone_issues_of(rules: Sequence[Rule], zones: Sequence[Zone]) -> builtins.list[RuleIssue]:
    """`rule_issues` with the field each names: "line" for line rules, else "zone"."""
    return [
        RuleIssue(index, "line" if isinstance(rules[index], LineRule) else "zone", detail)
        for index, detail in rule_issues(rules, zones)
    ]


def _describe(issue: RuleIssue) -> str:
    return issue.detail if issue.index is None else f"[{issue.index}].{issue.field}: {issue.detail}"
