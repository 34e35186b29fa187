"""API-side error with per-field details, mapped to a 422 problem with an `errors` list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from vms.core.errors import InvalidInputError
from vms.core.redact import redact_text


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """One invalid field: where (body/query/path), which (dotted path) and what is wrong."""

    location: str
    field: str
    detail: str


class InvalidFieldsError(InvalidInputError):
    """Input that failed validation field by field."""

    def __init__(self, issues: Sequence[FieldIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(f"{i.field}: {i.detail}" for i in self.issues))


def dotted_field(loc: Sequence[str | int]) -> str:
    """('streams', 0, 'url') -> 'streams[0].url'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def issue_detail(error_type: str, message: str, ctx: object) -> str:
    """A pydantic error message; settings-style errors also carry their fix."""
    detail = message.removeprefix("Value error, ")
    if error_type == "vms_config" and isinstance(ctx, dict) and "fix" in ctx:
        detail = f"{detail}; fix: {ctx['fix']}"
    return redact_text(detail)


def issues_from(exc: ValidationError, location: str) -> list[FieldIssue]:
    """Field issues of a model validated outside FastAPI (e.g. a PATCH merged onto a camera)."""
    return [
        FieldIssue(
            location, dotted_field(e["loc"]), issue_detail(e["type"], e["msg"], e.get("ctx"))
        )
        for e in exc.errors(include_url=False)
    ]
