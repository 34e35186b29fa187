"""The events room as `vms serve` builds it, for tests of delivery: a migrated SQLite file with
cameras, and the room on it with its deliverer started (an async context manager), so a test
can also stop it and build it again on the same file, as a restart does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import Engine

from tests.support.load import allowance_ms
from tests.support.schema import migrated_sqlite
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.config.events import EventsSettings
from vms.core.clock import SystemClock
from vms.core.ids import CameraId
from vms.db.engine import create_engine
from vms.events.mqtt import CameraSource
from vms.events.service import EventService, build_events


def events_database(folder: Path, cameras: Iterable[CameraId]) -> str:
    """The URL of a new migrated SQLite file in `folder` that knows `cameras`."""
    url = f"sqlite:///{folder / 'vms.db'}"
    engine = migrated_sqlite(url)
    repo = CamerasRepo(engine, SystemClock())
    for camera in cameras:
        repo.add(CameraRow(id=camera, name=camera, main_url=f"rtsp://10.0.0.5/{camera}"))
    engine.dispose()
    return url


class RunningEvents:
    """`async with RunningEvents(url, settings) as events:` the room, started, then stopped."""

    def __init__(
        self, url: str, settings: EventsSettings, cameras: CameraSource | None = None
    ) -> None:
        self.engine: Engine = create_engine(url)
        self.events: EventService = build_events(self.engine, SystemClock(), settings, cameras)

    async def __aenter__(self) -> EventService:
        await asyncio.to_thread(self.events.start)
        await self.events.delivery.deliverer.start()
        return self.events

    async def __aexit__(self, *_: object) -> None:
        await self.events.delivery.deliverer.stop()
        self.engine.dispose()


async def until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Poll `condition` in the running loop until it holds; the deadline grows with the CPU
    contention (a loaded machine delivers later, not wrongly), at most 4 minutes."""
    deadline = time.monotonic() + min(allowance_ms(timeout_s * 1000) / 1000, 240.0)
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)
