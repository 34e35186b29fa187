"""Session-wide test settings: every test gets its own temporary data folder and a fresh clock."""

from __future__ import annotations

import logging

import pytest

from vms.core.clock import FakeClock


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock that moves only when the test says so."""
    return FakeClock()


@pytest.fixture(autouse=True)
def _quiet_libav() -> None:
    """FFmpeg's own logging goes through PyAV; keep test output readable."""
    logging.getLogger("libav").setLevel(logging.ERROR)
