"""The rules a user sets on a camera: what a track must do, where, and when it counts.

Stored as JSON per camera and edited through the API, so they are pydantic models: unknown
fields are refused (a typo must not silently disable a filter) and every message names the field.
Rules name zones and lines (`vms.analytics.zones`); whether those exist on the camera is checked
against its list by `rule_issues`, since zones are edited on their own and may change later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from vms.analytics.zones import MAX_NAME_CHARS, Zone

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Direction = Literal["a_to_b", "b_to_a"]
MAX_RULES = 64


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ActiveWindow(_Strict):
    """When a rule may fire: from `start` to `end` on the listed days, in the site's time zone.

    `end` before `start` runs past midnight into the next day (22:00–06:00); the day named is the
    day the window starts. `start` equal to `end` is the whole day.
    """

    days: tuple[Weekday, ...] = Field(WEEKDAYS, min_length=1, description="days it starts on")
    start: dt.time = dt.time(0, 0)
    end: dt.time = dt.time(0, 0)

    @field_validator("days")
    @classmethod
    def _no_repeats(cls, days: tuple[Weekday, ...]) -> tuple[Weekday, ...]:
        repeated = sorted({d for d in days if days.count(d) > 1})
        if repeated:
            raise ValueError(f"each day at most once; {', '.join(repeated)} repeats")
        return days

    @field_validator("start", "end")
    @classmethod
    def _naive(cls, value: dt.time) -> dt.time:
        if value.tzinfo is not None:
            raise ValueError("a time of day without a zone: the site's time zone applies")
        return value


class _RuleBase(_Strict):
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    enabled: bool = True
    labels: tuple[str, ...] = Field((), description="object labels it applies to; empty: all")
    min_score: float = Field(0.0, ge=0, le=1, description="the track's detection score")
    min_width: float = Field(0.0, ge=0, le=1, description="box width, share of the picture")
    min_height: float = Field(0.0, ge=0, le=1, description="box height, share of the picture")
    schedule: tuple[ActiveWindow, ...] = Field((), description="when it may fire; empty: always")

    @field_validator("labels")
    @classmethod
    def _labels(cls, labels: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(label.strip() for label in labels)
        if any(not label for label in cleaned):
            raise ValueError("a label cannot be empty")
        return cleaned


class ZoneRule(_RuleBase):
    """`enter`/`exit`: one event at the moment a track goes in or comes out; `present`: an event
    open while the track is in the zone."""

    kind: Literal["zone"]
    zone: str = Field(min_length=1)
    trigger: Literal["enter", "exit", "present"] = "present"


class CountRule(_RuleBase):
    """Open while more than `above` qualifying tracks are in the zone; closes at `above` or less."""

    kind: Literal["count"]
    zone: str = Field(min_length=1)
    above: int = Field(ge=0, le=1000)


class LineRule(_RuleBase):
    """One event per crossing of the line in the chosen direction(s); counts both directions.

    A is the left side of a walker going from the line's first point to its second (as seen on
    the picture), B the right: A→B is "in".
    """

    kind: Literal["line"]
    line: str = Field(min_length=1)
    direction: Literal["a_to_b", "b_to_a", "both"] = "both"


class LoiterRule(_RuleBase):
    """Open once a track has stayed in the zone longer than `dwell_s`, until it leaves."""

    kind: Literal["loiter"]
    zone: str = Field(min_length=1)
    dwell_s: float = Field(gt=0, le=86_400)


Rule = Annotated[ZoneRule | CountRule | LineRule | LoiterRule, Field(discriminator="kind")]


class CameraRules(_Strict):
    """A camera's rules as stored: names unique (events carry them)."""

    rules: tuple[Rule, ...] = Field((), max_length=MAX_RULES)

    @model_validator(mode="after")
    def _unique_names(self) -> CameraRules:
        seen: dict[str, int] = {}
        for index, rule in enumerate(self.rules):
            key = rule.name.casefold()
            if key in seen:
                raise ValueError(
                    f"rules[{index}].name: the name {rule.name!r} is used twice"
                    f" (also at [{seen[key]}])"
                )
            seen[key] = index
        return self


RULE_ADAPTER: TypeAdapter[Rule] = TypeAdapter(Rule)


def rule_issues(rules: Sequence[Rule], zones: Sequence[Zone]) -> list[tuple[int, str]]:
    """(index, message) for each rule naming a zone or line the camera does not have (names are
    exact, as events carry them), or a zone where a line is needed and the reverse; empty when
    every rule can run."""
    kinds = {zone.name: zone.kind for zone in zones}
    folded = {zone.name.casefold(): zone.name for zone in zones}
    issues: list[tuple[int, str]] = []
    for index, rule in enumerate(rules):
        wanted, name = ("line", rule.line) if isinstance(rule, LineRule) else ("zone", rule.zone)
        found = kinds.get(name)
        if found is None:
            detail = f"{rule.name}: the camera has no {wanted} named {name!r}"
            near = folded.get(name.casefold())
            issues.append((index, detail + (f" (did you mean {near!r}?)" if near else "")))
        elif found != wanted:
            detail = f"{rule.name}: {name!r} is a {found}, this rule needs a {wanted}"
            issues.append((index, detail))
    return issues
