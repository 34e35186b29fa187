"""Rules on tracks: zone enter/exit/present, counts, directional line crossings and loitering,
each filtered by label, score and size and limited by an optional schedule.

`model` holds what a user stores per camera (pydantic, validated); `RuleEngine` runs one camera's
rules over the tracker's output and reports `RuleEvent`s. See "Rules" in
docs/design/analytics-events.md.
"""

from vms.analytics.rules.engine import RuleEngine, site_zone
from vms.analytics.rules.evaluators import EngineSettings, RuleEvent, RuleKind
from vms.analytics.rules.model import (
    RULE_ADAPTER,
    ActiveWindow,
    CameraRules,
    CountRule,
    LineRule,
    LoiterRule,
    Rule,
    ZoneRule,
    rule_issues,
)

__all__ = [
    "RULE_ADAPTER",
    "ActiveWindow",
    "CameraRules",
    "CountRule",
    "EngineSettings",
    "LineRule",
    "LoiterRule",
    "Rule",
    "RuleEngine",
    "RuleEvent",
    "RuleKind",
    "ZoneRule",
    "rule_issues",
    "site_zone",
]
