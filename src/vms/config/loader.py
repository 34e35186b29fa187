"""Build Settings from a YAML file plus VMS_* environment overrides (`__` separates nested keys).

Environment parsing is done here rather than by pydantic-settings because the environment is
injected (tests pass a dict), an unknown VMS_* variable must stop start-up like an unknown YAML key,
and every error must name the variable it came from.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path

import yaml
from pydantic import ValidationError

from vms.config.errors import ConfigError, ConfigProblem
from vms.config.explain import Loc, dotted, explain
from vms.config.settings import Settings
from vms.core.redact import redact_text

ENV_PREFIX = "VMS_"
CONFIG_ENV = "VMS_CONFIG"
# Read once by the auth room when the first admin is made; a secret, never a setting.
ADMIN_PASSWORD_ENV = "VMS_ADMIN_PASSWORD"
# VMS_* variables that are not settings: the config path, the first admin's password, and the
# credentials of the `vms` command-line client (`vms camera`, `vms export`, `vms user`).
NOT_SETTINGS = frozenset(
    {CONFIG_ENV, ADMIN_PASSWORD_ENV, "VMS_USER", "VMS_PASSWORD", "VMS_NEW_PASSWORD"}
)
_FILE_KEY = "config file (--config or VMS_CONFIG)"


class _EnvError(Exception):
    """An environment variable that cannot be placed in the settings tree."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


def load_settings(config_path: Path | None, env: Mapping[str, str]) -> Settings:
    """Settings from defaults < YAML file (`config_path`, else $VMS_CONFIG) < VMS_* variables."""
    path = config_path
    if path is None and env.get(CONFIG_ENV):
        path = Path(env[CONFIG_ENV])
    from_file = read_yaml(path) if path is not None else {}
    data = copy.deepcopy(from_file)
    origins: dict[Loc, str] = {}
    problems = _apply_env(data, env, origins)
    if problems:
        raise ConfigError(problems)

    def origin_of(loc: Loc) -> str:
        for end in range(len(loc), 0, -1):
            if loc[:end] in origins:
                return origins[loc[:end]]
        below = [name for at, name in origins.items() if at[: len(loc)] == loc]
        if below:
            return ", ".join(below)
        return str(path) if path is not None and _present(from_file, loc) else "default"

    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        # `from None`: pydantic's own text shows raw inputs, which may hold a password.
        raise ConfigError(explain(exc, Settings, origin_of)) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects a key written twice in one mapping (the last would win)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[object, object]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice in the same mapping", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> dict[str, object]:
    """The YAML file as a mapping; a missing, unreadable or malformed file is a ConfigError."""

    def fail(problem: str, fix: str) -> ConfigError:
        return ConfigError([ConfigProblem(_FILE_KEY, json.dumps(str(path)), problem, fix, "cli")])

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("file not found", "check the path, or give no file to run on defaults") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise fail(f"cannot read it: {reason}", "make it a readable UTF-8 text file") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: safe
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        what = redact_text(" ".join(str(p) for p in (exc.context, exc.problem) if p))
        raise fail(
            f"invalid YAML at {where}: {what}",
            "fix the YAML there: indent with spaces, quote values that contain ': ' or ' #'",
        ) from None
    except yaml.YAMLError as exc:
        raise fail(f"invalid YAML: {redact_text(str(exc))}", "fix the YAML syntax") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise fail(
            "the top level is not a mapping",
            "write sections at the top level: server:, database:, storage:, cameras: ...",
        )
    return data


def _present(data: object, loc: Loc) -> bool:
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            continue
        if not (isinstance(node, list) and isinstance(part, int) and part < len(node)):
            return False
        node = node[part]
    return True


def _apply_env(
    data: dict[str, object], env: Mapping[str, str], origins: dict[Loc, str]
) -> list[ConfigProblem]:
    """Write each VMS_* variable into `data`; returns the variables that could not be placed."""
    problems: list[ConfigProblem] = []
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX) or name in NOT_SETTINGS:
            continue
        try:
            origins[_set(data, name, env[name])] = name
        except _EnvError as exc:
            problems.append(ConfigProblem(name, None, exc.problem, exc.fix, "environment"))
    return problems


def _set(data: dict[str, object], name: str, text: str) -> Loc:
    """Place one variable's value at the path its name spells; returns that path."""
    segments = name[len(ENV_PREFIX) :].lower().split("__")
    if any(not s for s in segments):
        raise _EnvError(
            "empty key in the variable name",
            "separate nested keys with exactly two underscores: VMS_SERVER__PORT",
        )
    value = _env_value(text)
    loc: list[str | int] = []
    node: object = data
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if isinstance(node, dict):
            if not last and node.get(segment) is None:
                if _is_index(segments[i + 1]):
                    raise _EnvError(
                        f"{dotted((*loc, segment))} has no items to index",
                        "define the list in the config file, or set the whole list as JSON in "
                        + ENV_PREFIX
                        + "__".join(s.upper() for s in segments[: i + 1]),
                    )
                node[segment] = {}
            loc.append(segment)
            node[segment] = value if last else node[segment]
            node = node[segment]
        elif isinstance(node, list):
            index = _item_index(node, segment, dotted(tuple(loc)))
            loc.append(index)
            node[index] = value if last else node[index]
            node = node[index]
        else:
            raise _EnvError(
                f"{dotted(tuple(loc))} is a single value, not a section",
                "remove the extra part of the variable name",
            )
    return tuple(loc)


def _item_index(items: list[object], segment: str, where: str) -> int:
    """A list item by position (VMS_CAMERAS__0__…) or by its id/name (VMS_CAMERAS__GATE__…)."""
    if _is_index(segment):
        if int(segment) < len(items):
            return int(segment)
        raise _EnvError(
            f"{where}[{segment}] does not exist ({len(items)} defined)",
            "index from 0, or refer to the item by its id",
        )
    for index, item in enumerate(items):
        if isinstance(item, dict):
            ident = item.get("id", item.get("name"))
            if isinstance(ident, str) and ident.lower().replace("-", "_") == segment:
                return index
    raise _EnvError(
        f"no item with id {segment!r} in {where}",
        "use an id defined in the config file (write '-' as '_'), or a position from 0",
    )


def _env_value(text: str) -> object:
    """Variables are text; a value starting with [ or { is JSON (lists of pools or cameras)."""
    if text.lstrip()[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise _EnvError(
                f"not valid JSON: {exc.msg} at character {exc.pos}",
                "write a JSON list or object, or a plain value",
            ) from None
    return text


def _is_index(segment: str) -> bool:
    return segment.isascii() and segment.isdigit()
