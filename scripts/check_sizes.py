"""Check the size rules the project writes down: modules <= 400 lines, functions <= 60 lines.

Why a script: ruff has no module-length rule and counts statements, not lines, for functions;
the rule in docs/architecture.md ("Code conventions") is about what a reader has to hold in their
head, so it counts lines. A function is measured from its `def` line to its last line (decorators
not counted, docstring and comments counted); nested functions and methods are measured on their
own too, named by their qualified path (`Class.method`, `outer.inner`).

`db/migrations/versions/` under a root is skipped: Alembic revisions are frozen history, written
once and never edited, so splitting one would rewrite what already ran on users' databases.

Usage: `python scripts/check_sizes.py [ROOT ...]` (default: `src/vms` next to this script). Prints
each offender as `path:line name N lines` and exits 1 if there is any, 0 otherwise.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
FROZEN = PurePosixPath("db/migrations/versions")
DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "src" / "vms"

_Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True, slots=True)
class Offender:
    """One module or function over its limit; `line` is 1 for a module."""

    path: Path
    line: int
    name: str
    lines: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.name} {self.lines} lines"


def _functions(node: ast.AST, prefix: str) -> Iterator[tuple[str, _Function]]:
    """Every function under `node`, depth first, with its qualified name."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            yield from _functions(child, f"{prefix}{child.name}.")
        elif isinstance(child, _Function):
            yield f"{prefix}{child.name}", child
            yield from _functions(child, f"{prefix}{child.name}.")
        else:
            yield from _functions(child, prefix)


def check_module(path: Path) -> list[Offender]:
    """The offenders in one module."""
    text = path.read_text(encoding="utf-8")
    found: list[Offender] = []
    module_lines = len(text.splitlines())
    if module_lines > MAX_MODULE_LINES:
        found.append(Offender(path, 1, "<module>", module_lines))
    for name, function in _functions(ast.parse(text, filename=str(path)), ""):
        end = function.end_lineno if function.end_lineno is not None else function.lineno
        length = end - function.lineno + 1
        if length > MAX_FUNCTION_LINES:
            found.append(Offender(path, function.lineno, name, length))
    return found


def _is_frozen(relative: PurePosixPath) -> bool:
    return relative.parts[: len(FROZEN.parts)] == FROZEN.parts


def _shown(path: Path) -> Path:
    """`path` relative to the working directory where it lies under it (shorter to read)."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def check_root(root: Path) -> list[Offender]:
    """The offenders in every `.py` file under `root`, frozen migrations excepted."""
    found: list[Offender] = []
    for path in sorted(root.rglob("*.py")):
        if _is_frozen(PurePosixPath(path.relative_to(root).as_posix())):
            continue
        found.extend(check_module(_shown(path)))
    return found


def main(argv: Sequence[str]) -> int:
    """Check each root given (or the default one); print the offenders; 1 if there are any."""
    roots = [Path(arg) for arg in argv] or [DEFAULT_ROOT]
    offenders = [offender for root in roots for offender in check_root(root)]
    for offender in offenders:
        print(offender)
    return 1 if offenders else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
