"""Rules as stored per camera: what validation accepts and the messages it gives for mistakes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from vms.analytics.rules import (
    RULE_ADAPTER,
    ActiveWindow,
    CameraRules,
    CountRule,
    LineRule,
    LoiterRule,
    RuleEngine,
    ZoneRule,
    rule_issues,
    site_zone,
)
from vms.analytics.zones import Zone

ZONES = [
    Zone("lobby", "zone", ((0.1, 0.1), (0.5, 0.1), (0.5, 0.5))),
    Zone("gate", "line", ((0.2, 0.2), (0.8, 0.2))),
]


def test_a_full_rule_set_parses_and_survives_a_json_round_trip() -> None:
    stored = {
        "rules": [
            {"kind": "zone", "name": "in lobby", "zone": "lobby", "trigger": "enter"},
            {"kind": "count", "name": "crowd", "zone": "lobby", "above": 3, "labels": ["person"]},
            {"kind": "line", "name": "gate in", "line": "gate", "direction": "a_to_b"},
            {
                "kind": "loiter",
                "name": "parked",
                "zone": "lobby",
                "dwell_s": 600,
                "labels": ["car"],
                "min_score": 0.5,
                "min_height": 0.1,
                "schedule": [{"days": ["fri", "sat"], "start": "22:00", "end": "06:00"}],
            },
        ]
    }
    parsed = CameraRules.model_validate(stored)
    kinds = [type(rule).__name__ for rule in parsed.rules]
    assert kinds == [cls.__name__ for cls in (ZoneRule, CountRule, LineRule, LoiterRule)]
    loiter = parsed.rules[3]
    assert isinstance(loiter, LoiterRule)
    assert loiter.schedule == (
        ActiveWindow(days=("fri", "sat"), start=dt.time(22), end=dt.time(6)),
    )
    assert CameraRules.model_validate_json(parsed.model_dump_json()) == parsed
    assert rule_issues(parsed.rules, ZONES) == []


def message(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        RULE_ADAPTER.validate_python(data)
    return str(caught.value)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"name": "x", "zone": "lobby"}, "Unable to extract tag using discriminator 'kind'"),
        ({"kind": "teleport", "name": "x"}, "does not match any of the expected tags"),
        ({"kind": "zone", "name": "", "zone": "lobby"}, "name\n  String should have at least 1"),
        ({"kind": "zone", "name": "x", "zone": "lobby", "colour": 1}, "colour\n  Extra inputs"),
        ({"kind": "zone", "name": "x", "zone": "lobby", "trigger": "hover"}, "zone.trigger"),
        ({"kind": "zone", "name": "x", "zone": "lobby", "min_score": 1.5}, "min_score\n  Input"),
        ({"kind": "zone", "name": "x", "zone": "lobby", "labels": [" "]}, "label cannot be empty"),
        ({"kind": "count", "name": "x", "zone": "lobby", "above": -1}, "above\n  Input should"),
        ({"kind": "count", "name": "x", "zone": "lobby"}, "count.above\n  Field required"),
        ({"kind": "loiter", "name": "x", "zone": "lobby", "dwell_s": 0}, "dwell_s\n  Input"),
        ({"kind": "line", "name": "x", "line": "gate", "direction": "up"}, "line.direction"),
        (
            {"kind": "zone", "name": "x", "zone": "lobby", "schedule": [{"days": []}]},
            "schedule.0.days\n  Tuple should have at least 1 item",
        ),
        (
            {"kind": "zone", "name": "x", "zone": "lobby", "schedule": [{"days": ["mon", "mon"]}]},
            "each day at most once; mon repeats",
        ),
        (
            {"kind": "zone", "name": "x", "zone": "lobby", "schedule": [{"days": ["monday"]}]},
            "Input should be 'mon', 'tue'",
        ),
        (
            {"kind": "zone", "name": "x", "zone": "lobby", "schedule": [{"start": "25:00"}]},
            "schedule.0.start",
        ),
        (
            {"kind": "zone", "name": "x", "zone": "lobby", "schedule": [{"start": "10:00+02:00"}]},
            "a time of day without a zone",
        ),
    ],
)
def test_a_bad_rule_is_refused_with_a_message_naming_the_field(
    data: dict[str, Any], expected: str
) -> None:
    assert expected in message(data)


def test_rule_names_are_unique_per_camera() -> None:
    rules = [
        {"kind": "zone", "name": "Door", "zone": "lobby"},
        {"kind": "zone", "name": "door", "zone": "lobby"},
    ]
    with pytest.raises(ValidationError, match=r"rules\[1\].name: the name 'door' is used twice"):
        CameraRules.model_validate({"rules": rules})


def test_rules_must_name_a_zone_or_line_of_the_right_kind_and_others_are_skipped() -> None:
    rules = CameraRules.model_validate(
        {
            "rules": [
                {"kind": "line", "name": "a", "line": "lobby"},
                {"kind": "zone", "name": "b", "zone": "gate"},
                {"kind": "loiter", "name": "c", "zone": "yard", "dwell_s": 5},
                {"kind": "zone", "name": "d", "zone": "LOBBY"},
            ]
        }
    ).rules
    assert rule_issues(rules, ZONES) == [
        (0, "a: 'lobby' is a zone, this rule needs a line"),
        (1, "b: 'gate' is a line, this rule needs a zone"),
        (2, "c: the camera has no zone named 'yard'"),
        (3, "d: the camera has no zone named 'LOBBY' (did you mean 'lobby'?)"),
    ]
    engine = RuleEngine(rules, ZONES, "UTC")
    assert [index for index, _ in engine.issues] == [0, 1, 2, 3]


def test_an_unknown_time_zone_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        site_zone("Mars/Olympus")
    with pytest.raises(ValueError, match="unknown time zone"):
        RuleEngine([], ZONES, "../etc/passwd")
    assert str(site_zone("Asia/Tokyo")) == "Asia/Tokyo"
