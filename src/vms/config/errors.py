"""The start-up error for a bad configuration: each problem names the key, the value and the fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vms.core.errors import VmsError


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with the configuration, as shown to the person who wrote it."""

    key: str  # dotted path such as recording.segment_duration_s, or an environment variable
    value: str | None  # the offending value as written, secrets redacted; None when not shown
    problem: str  # what is wrong
    fix: str  # what to write instead
    origin: str  # where the value came from: the file, an environment variable, or "default"

    def render(self) -> str:
        """Three lines: key = value (origin), problem, fix."""
        shown = self.key if self.value is None else f"{self.key} = {self.value}"
        return f"  {shown}  [{self.origin}]\n    problem: {self.problem}\n    fix: {self.fix}"


class ConfigError(VmsError):
    """The configuration cannot be used; str() is the full multi-line message for the operator."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        head = f"invalid configuration ({count} problem{'s' if count != 1 else ''}):"
        super().__init__("\n".join([head, *(p.render() for p in self.problems)]))
