"""Session-wide test settings: every test gets its own temporary data folder and a fresh clock.

Soak tests (marker `soak`: the long forms of tests that normally run shortened) are deselected
unless the `-m` expression names them, so `pytest` and `make test` stay fast and `make soak`
(`pytest -m soak`) runs them.
"""

from __future__ import annotations

import logging

import pytest

from vms.core.clock import FakeClock


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect soak tests unless asked for: they take minutes each and prove no more than
    their short forms, only for longer."""
    if "soak" in (config.option.markexpr or ""):
        return
    soak = [item for item in items if item.get_closest_marker("soak") is not None]
    if soak:
        config.hook.pytest_deselected(items=soak)
        items[:] = [item for item in items if item.get_closest_marker("soak") is None]


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock that moves only when the test says so."""
    return FakeClock()


@pytest.fixture(autouse=True)
def _quiet_libav() -> None:
    """FFmpeg's own logging goes through PyAV; keep test output readable."""
    logging.getLogger("libav").setLevel(logging.ERROR)
