"""scripts/check_sizes.py: the size limits, the names it prints, the frozen migrations it skips."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_sizes.py"


def _run(root: Path) -> subprocess.CompletedProcess[str]:
    """Run the script as `make lint` does, in `root`'s parent so that paths print relative."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), root.name],
        cwd=root.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def _function(name: str, lines: int, indent: str = "") -> str:
    """Source of a function exactly `lines` long, counted from its `def` line."""
    body = "".join(f"{indent}    x = {i}\n" for i in range(lines - 2))
    return f"{indent}def {name}() -> int:\n{body}{indent}    return 0\n"


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_code_at_the_limits_passes_silently(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    text = _function("sixty", 60)
    _write(root, "ok.py", text + "\n" * (400 - len(text.splitlines())))
    result = _run(root)
    assert (result.returncode, result.stdout) == (0, "")


def test_a_module_one_line_over_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    _write(root, "sub/big.py", "x = 1\n" * 401)
    result = _run(root)
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["pkg/sub/big.py:1 <module> 401 lines"]


def test_functions_over_the_limit_are_reported_by_qualified_name(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    method = _function("method", 62, indent="    ").replace("() -> int", "(self) -> int")
    source = (
        _function("long", 61)
        + "\n\nclass Thing:\n"
        + method
        + "\n\n"
        + _function("outer", 70).replace("def outer", "async def outer")
    )
    inner = _function("inner", 65, indent="    ")
    source = source.replace("async def outer() -> int:\n", "async def outer() -> int:\n" + inner)
    _write(root, "mod.py", source)
    result = _run(root)
    assert result.returncode == 1
    lines = source.splitlines()
    outer_line = lines.index("async def outer() -> int:") + 1
    assert result.stdout.splitlines() == [
        "pkg/mod.py:1 long 61 lines",
        f"pkg/mod.py:{lines.index('    def method(self) -> int:') + 1} Thing.method 62 lines",
        f"pkg/mod.py:{outer_line} outer 135 lines",
        f"pkg/mod.py:{outer_line + 1} outer.inner 65 lines",
    ]


def test_frozen_migrations_are_skipped_and_their_neighbours_are_not(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    _write(root, "db/migrations/versions/0001_first.py", _function("upgrade", 200))
    _write(root, "db/migrations/env.py", _function("run", 61))
    result = _run(root)
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["pkg/db/migrations/env.py:1 run 61 lines"]
