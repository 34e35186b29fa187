"""Playback tests reuse the end-to-end fixtures (the real server, stopped after each test)."""

from __future__ import annotations

from tests.integration.e2e.conftest import vms_factory

__all__ = ["vms_factory"]
