"""Fixtures of the event store's tests: a migrated SQLite file that knows two cameras, a fake
clock at `T0` and the store on both."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.schema import migrated_sqlite
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.core.clock import FakeClock
from vms.core.ids import CameraId
from vms.events.store import EventStore

T0 = 1_700_000_000_000
GATE, YARD = CameraId("gate"), CameraId("yard")


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    made = migrated_sqlite(f"sqlite:///{tmp_path / 'vms.db'}")
    cameras = CamerasRepo(made, FakeClock())
    for camera in (GATE, YARD):
        cameras.add(CameraRow(id=camera, name=camera, main_url=f"rtsp://10.0.0.5/{camera}"))
    return made


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start_ms=T0)


@pytest.fixture
def store(engine: Engine, clock: FakeClock) -> EventStore:
    return EventStore(engine, clock)
