"""The composition root's part list keeps the start/stop order the rooms rely on, and runs.

The order is data (`vms.app.parts`), so it is checked as data: repair before the cameras write,
readers of the camera hubs stop before the cameras, the final heartbeat and the database last.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.vms_process import wait_for
from vms.app import create_app, parts
from vms.config import Settings
from vms.core.lifecycle import Role
from vms.db.tables import VmsRunTable
from vms.services import Services, build


@pytest.fixture
def services(tmp_path: Path) -> Services:
    settings = Settings.model_validate(
        {
            "storage": {"data_dir": str(tmp_path / "data")},
            "live": {"rtsp_restream": False},  # no port to bind: tests run side by side
        }
    )
    return build(settings)


class History:
    """Stands in for the metrics history the API makes: a service that does nothing."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def names(services: Services) -> list[str]:
    return [part.name for part in parts(services, History())]


def test_the_order_the_rooms_rely_on(services: Services) -> None:
    order = names(services)
    assert order[0] == "database"  # disposed last
    assert order.index("index repair") < order.index("cameras")  # repair before any write
    assert order.index("run") < order.index("cameras")  # outages close before new ones open
    # stop runs backwards: whatever reads the camera hubs stops before the cameras
    for reader in ("live", "motion taps", "analytics reconcile"):
        assert order.index(reader) > order.index("cameras")
    assert order.index("motion taps") < order.index("analytics reconcile")  # no tap after stop
    assert order.index("inference workers") < order.index("motion taps")  # feeders stop first
    assert order.index("run") < order.index("exports")  # the final beat after the last export
    services.engine.dispose()


def test_every_part_has_a_role_and_a_unique_name(services: Services) -> None:
    listed = parts(services, History())
    assert len({part.name for part in listed}) == len(listed)
    assert {part.role for part in listed} <= set(Role)
    recording = [part.name for part in listed if part.role is Role.RECORDING]
    assert recording == ["cameras"]
    services.engine.dispose()


def test_the_lifespan_starts_and_stops_every_part(services: Services) -> None:
    app = create_app(services)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        started = services.heartbeat.started_ms
        assert started is not None
        job = services.retention.job
        assert services.scheduler.jobs[0] is job
        assert wait_for(lambda: job.runs == 1, timeout_s=30)  # the first pass runs at start
        services.retention.on_storage_error("disk full")  # from this (non-loop) thread
        assert wait_for(lambda: job.runs == 2, timeout_s=30)  # long before retention.interval_s
        assert job.failures == 0
    # after the stop: the run's row got its final beat (a disposed engine can still connect)
    with services.engine.connect() as conn:
        last_seen = conn.execute(select(VmsRunTable.__table__.c.last_seen_ms)).scalar_one()
    assert last_seen >= started
