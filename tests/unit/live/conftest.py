"""Fixtures shared by the live-view route tests: the live routes over one hub, in a TestClient."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.unit.live.test_packager_support import Directory, live_app
from vms.core.clock import FakeClock
from vms.ingest.hub import StreamHub
from vms.live.service import LiveService


@pytest.fixture
def served() -> Iterator[tuple[TestClient, StreamHub, LiveService]]:
    """A TestClient of the live routes, the hub of cam1/main and the live service."""
    directory = Directory()
    hub = directory.add()
    app, live = live_app(directory, FakeClock())
    with TestClient(app) as client:
        yield client, hub, live
