"""Turn pydantic validation errors into ConfigProblems that name the key, the value and the fix.

The fix is derived from the field's own declaration (type, bounds, choices, default, description)
so the message can never drift from what the model accepts.
"""

from __future__ import annotations

import difflib
import json
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticUndefined

from vms.config.errors import ConfigProblem
from vms.core.redact import redact_text

Loc = tuple[str | int, ...]
_SECRET_WORDS = ("password", "passphrase", "secret", "token")
_MAX_SHOWN = 120


def dotted(loc: Loc) -> str:
    """('cameras', 0, 'main_url') -> 'cameras[0].main_url'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def explain(
    exc: ValidationError, root: type[BaseModel], origin_of: Callable[[Loc], str]
) -> list[ConfigProblem]:
    """One ConfigProblem per validation error of `root`, in the order pydantic reported them."""
    return [_problem(error, root, origin_of) for error in exc.errors(include_url=False)]


def _problem(
    error: ErrorDetails, root: type[BaseModel], origin_of: Callable[[Loc], str]
) -> ConfigProblem:
    loc: Loc = tuple(error["loc"])
    key = dotted(loc) or "(top level)"
    field, parent = _field_at(root, loc)
    kind = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    value = None if kind == "missing" else _shown(loc, error.get("input"))
    if kind == "extra_forbidden":
        problem = "unknown key"
        fix = _unknown_key_fix(loc, parent)
    elif kind == "missing":
        problem = "required key is missing"
        fix = f"add {key}: {_allowed(field)}" if field else f"add {key}"
    elif kind == "vms_config":
        problem, fix = str(ctx["problem"]), str(ctx["fix"])
    else:
        problem = error["msg"].removeprefix("Value error, ")
        item_model = (
            _model_in(field.annotation) if field and loc and isinstance(loc[-1], int) else None
        )
        if item_model is not None:
            fix = "write the item as a mapping with keys " + ", ".join(item_model.model_fields)
        else:
            fix = _fix_from_field(field) if field else "see docs/guide/configuration.md"
    return ConfigProblem(
        key=key, value=value, problem=redact_text(problem), fix=fix, origin=origin_of(loc)
    )


def _shown(loc: Loc, value: object) -> str | None:
    """The value as written, or '***' for secrets; containers are not shown (they may hold one)."""
    if isinstance(value, SecretStr) or any(
        isinstance(part, str) and any(word in part for word in _SECRET_WORDS) for part in loc
    ):
        return "***"
    if isinstance(value, str | Path):
        text = redact_text(str(value))
        return json.dumps(text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "...")
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, list | dict) and not value:
        return json.dumps(value)
    return None


def _field_at(root: type[BaseModel], loc: Loc) -> tuple[FieldInfo | None, type[BaseModel] | None]:
    """The field a location points at, and the model that holds (or should hold) its last key."""
    model: type[BaseModel] | None = root
    field: FieldInfo | None = None
    parent: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None:
            return None, None
        parent = model
        field = model.model_fields.get(part)
        if field is None:
            return None, parent
        model = _model_in(field.annotation)
    return field, parent


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The settings model inside an annotation such as `list[CameraConfig]` or `Server | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _unknown_key_fix(loc: Loc, parent: type[BaseModel] | None) -> str:
    if parent is None:
        return "remove it"
    known = list(parent.model_fields)
    name = str(loc[-1]) if loc else ""
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}remove it or use a known key: {', '.join(known)}"


def _fix_from_field(field: FieldInfo) -> str:
    fix = f"set {_allowed(field)}"
    if field.default is not PydanticUndefined and not isinstance(field.default, BaseModel):
        fix += f" (default {json.dumps(_plain(field.default))})"
    if field.description:
        fix += f" - {field.description}"
    return fix


def _plain(value: object) -> object:
    return str(value) if isinstance(value, Path) else value


def _allowed(field: FieldInfo) -> str:
    """Plain words for what a field accepts: type, bounds, choices, and whether null is allowed."""
    annotation, constraints = _unwrap(field.annotation, list(field.metadata))
    nullable = False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(get_args(annotation))
        annotation, constraints = _unwrap(args[0], constraints) if len(args) == 1 else (args, [])
    text = _describe_type(annotation) + _describe_bounds(constraints)
    return text + " or null (no limit)" if nullable else text


def _unwrap(annotation: object, constraints: list[object]) -> tuple[object, list[object]]:
    """Strip `Annotated`, collecting its constraint objects (Ge, Le, nested FieldInfo)."""
    while get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        constraints = constraints + list(extra)
        annotation = base
    flat: list[object] = []
    for item in constraints:
        flat.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return annotation, flat


def _describe_type(annotation: object) -> str:
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(json.dumps(a) for a in get_args(annotation))
    names: dict[object, str] = {
        bool: "true or false",
        int: "a whole number",
        float: "a number",
        str: "text",
        SecretStr: "text",
        Path: "a path",
    }
    if annotation in names:
        return names[annotation]
    if get_origin(annotation) is list:
        return "a list"
    model = _model_in(annotation)
    if model is not None:
        return "a mapping with keys " + ", ".join(model.model_fields)
    return "a valid value"


def _describe_bounds(constraints: list[object]) -> str:
    bound = {
        name: getattr(c, name)
        for c in constraints
        for name in ("ge", "gt", "le", "lt")
        if getattr(c, name, None) is not None
    }
    low = bound.get("ge", bound.get("gt"))
    high = bound.get("le", bound.get("lt"))
    if "ge" in bound and "le" in bound:
        return f" from {low} to {high}"
    parts = []
    if low is not None:
        parts.append(f"at least {low}" if "ge" in bound else f"greater than {low}")
    if high is not None:
        parts.append(f"at most {high}" if "le" in bound else f"less than {high}")
    return (" " + " and ".join(parts)) if parts else ""
