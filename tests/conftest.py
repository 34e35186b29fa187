"""Session-wide test settings: every test gets its own temporary data folder and a fresh clock.

Soak tests (marker `soak`: the long forms of tests that normally run shortened) are deselected
unless the `-m` expression names them, so `pytest` and `make test` stay fast and `make soak`
(`pytest -m soak`) runs them.

Compiled bytecode is kept under `.cache/pycache` where the environment asks Python not to write
it beside the sources (`PYTHONDONTWRITEBYTECODE`, set in some containers and CI images): without a
cache every `vms serve` the tests start compiled its imports from source again, about 7 s of CPU
against 3 s, and the suite starts VMS, the simulator and the CLI hundreds of times. Nothing is
written into `src/` or the virtual environment; the processes run the same code.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

PYCACHE = Path(__file__).resolve().parents[1] / ".cache" / "pycache"
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
    # this process and every one it starts (xdist workers, VMS, the simulator, the CLI)
    os.environ["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    sys.pycache_prefix = str(PYCACHE)
    sys.dont_write_bytecode = False

from vms.core.clock import FakeClock  # noqa: E402 (after the bytecode cache is set up)


def pytest_configure(config: pytest.Config) -> None:
    """pytest-xdist hands out test files (`--dist loadfile`) in the order they were collected
    (`long_files_first`), not in its default order, files with the most tests first: that put
    the long end-to-end files, which have a test or three each, at the end of the queue, where
    the last of them ran alone on one worker while the others had finished."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect soak tests unless asked for: they take minutes each and prove no more than
    their short forms, only for longer. Then put the long files first."""
    if "soak" not in (config.option.markexpr or ""):
        soak = [item for item in items if item.get_closest_marker("soak") is not None]
        if soak:
            config.hook.pytest_deselected(items=soak)
            items[:] = [item for item in items if item.get_closest_marker("soak") is None]
    long_files_first(items)


def long_files_first(items: list[pytest.Item]) -> None:
    """Files with a `slow` test first, then the other integration tests, then the unit tests,
    each file's tests together and in their order: the workers start on the long files, and the
    many short unit test files fill in at the end, so that all workers finish at about the same
    time."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow") is not None}

    def rank(item: pytest.Item) -> int:
        if item.path in slow_files:
            return 0
        return 1 if "integration" in item.path.parts else 2

    items.sort(key=rank)  # stable: the order within each rank and each file is kept


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock that moves only when the test says so."""
    return FakeClock()


@pytest.fixture(autouse=True)
def _quiet_libav() -> None:
    """FFmpeg's own logging goes through PyAV; keep test output readable."""
    logging.getLogger("libav").setLevel(logging.ERROR)
