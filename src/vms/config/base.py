"""Shared pieces of the settings sections: strict frozen base model, typed limits, user errors."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
SLUG_RULE = "1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit"


class Section(BaseModel):
    """Base of every settings model: unknown keys are errors (typos must not pass)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def invalid(problem: str, fix: str) -> PydanticCustomError:
    """A validation error whose message says what is wrong and whose context says how to fix it."""
    return PydanticCustomError("vms_config", "{problem}", {"problem": problem, "fix": fix})


def _null_text_to_none(value: object) -> object:
    """Environment variables are text: let `null` or an empty value clear a nullable setting."""
    if isinstance(value, str) and value.strip().lower() in {"", "null"}:
        return None
    return value


def _lower_text(value: object) -> object:
    """Accept `INFO` and `info` alike for choices written in lower case."""
    return value.strip().lower() if isinstance(value, str) else value


# An optional limit: a positive whole number, or null meaning "no limit".
OptionalPositiveInt = Annotated[
    Annotated[int, Field(ge=1)] | None, BeforeValidator(_null_text_to_none)
]
OptionalDays = Annotated[
    Annotated[int, Field(ge=1, le=36_500)] | None, BeforeValidator(_null_text_to_none)
]
LowerText = BeforeValidator(_lower_text)
