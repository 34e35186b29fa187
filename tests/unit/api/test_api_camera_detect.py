"""A camera's object detection through the API and the config file: shown, changed by PATCH
(null: the site's default again), refused when invalid; the old `analytics.detect` map is
refused with where its modes went; migration 0008 goes down and up."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from pydantic import ValidationError
from sqlalchemy import Engine

from tests.support import postgres
from tests.unit.api.fake_backend import FakeBackend, client
from vms.analytics.rules_repo import RulesRepo
from vms.analytics.zones import Zone
from vms.analytics.zones_repo import ZonesRepo
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.cameras.definitions import config_from_row, row_from_config
from vms.config.analytics import AnalyticsSettings
from vms.config.cameras import CameraConfig
from vms.core.clock import FakeClock
from vms.core.ids import CameraId
from vms.db.engine import alembic_config, create_engine, migrate, migration_connection

db_engine = postgres.db_engine
GATE = CameraId("gate")
STREET = Zone("Street", "mask", ((0.0, 0.6), (1.0, 0.6), (1.0, 1.0)))


def test_detection_is_shown_changed_and_cleared() -> None:
    http = client(FakeBackend())
    created = http.post("/api/v1/cameras", json={"id": "gate", "main_url": "rtsp://h/x"})
    assert created.json()["detect"] is None  # the site's default
    patched = http.patch("/api/v1/cameras/gate", json={"detect": "motion"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["detect"] == "motion"
    assert http.get("/api/v1/cameras/gate").json() == patched.json()
    cleared = http.patch("/api/v1/cameras/gate", json={"detect": None})
    assert cleared.json()["detect"] is None
    other = {"id": "yard", "main_url": "rtsp://h/y", "detect": "always"}
    assert http.post("/api/v1/cameras", json=other).json()["detect"] == "always"


def test_an_invalid_detection_mode_is_refused_naming_the_field() -> None:
    http = client(FakeBackend())
    http.post("/api/v1/cameras", json={"id": "gate", "main_url": "rtsp://h/x"})
    refused = http.patch("/api/v1/cameras/gate", json={"detect": "sometimes"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "detect"
    assert http.get("/api/v1/cameras/gate").json()["detect"] is None


def test_a_camera_s_own_mode_wins_over_the_site_default() -> None:
    settings = AnalyticsSettings(detect_default="motion")
    own = CameraConfig(id="a", main_url="rtsp://h/a", detect="off")
    unset = CameraConfig(id="b", main_url="rtsp://h/b")
    assert (settings.detect_mode(own), settings.detect_mode(unset)) == ("off", "motion")
    assert AnalyticsSettings().detect_mode(unset) == "off"


def test_the_old_detect_map_is_refused_saying_where_the_modes_went() -> None:
    with pytest.raises(ValidationError) as raised:
        AnalyticsSettings.model_validate({"detect": {"gate": "always"}})
    (error,) = raised.value.errors()
    assert "no longer read" in error["msg"]
    assert "on each camera" in error["ctx"]["fix"]


def test_detection_survives_the_database(db_engine: Engine) -> None:
    repo = CamerasRepo(db_engine, FakeClock())
    config = CameraConfig(id="gate", main_url="rtsp://h/x", detect="always")
    repo.add(row_from_config(config))
    assert config_from_row(repo.get(GATE)).detect == "always"
    with pytest.raises(sa.exc.IntegrityError), db_engine.begin() as conn:  # the CHECK
        conn.execute(sa.text("UPDATE cameras SET detect = 'never'"))


def test_upgrading_from_0005_keeps_zones_and_rules(tmp_path: Path) -> None:
    """0006 and 0008 rebuild `cameras` on SQLite: no row that refers to a camera may go."""
    engine = create_engine(f"sqlite:///{tmp_path / 'vms.db'}")
    migrate(engine, "0005")
    camera = "INSERT INTO cameras (id, name, main_url, transport, enabled, record_enabled,"
    camera += " record_stream, motion_enabled, created_ms, updated_ms)"
    camera += " VALUES ('gate', 'Gate', 'rtsp://h/x', 'tcp', 1, 1, 'main', 0, 0, 0)"
    zone = "INSERT INTO camera_zones VALUES ('gate', 'Door', 0, 'zone', '[[0,0],[1,0],[1,1]]', 0)"
    with engine.begin() as conn:
        conn.execute(sa.text(camera))
        conn.execute(sa.text(zone))
    migrate(engine, "0007")
    RulesRepo(engine, FakeClock(), ZonesRepo(engine, FakeClock()), "UTC").replace(GATE, [])
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM camera_zones")).scalar() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM camera_rules")).scalar() == 1
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1  # on again
    engine.dispose()


def test_migration_0008_goes_down_and_up(db_engine: Engine) -> None:
    repo = CamerasRepo(db_engine, FakeClock())
    repo.add(CameraRow(GATE, "Gate", "rtsp://h/x", detect="motion"))
    zones = ZonesRepo(db_engine, FakeClock())
    door = Zone("Door", "zone", ((0.1, 0.1), (0.9, 0.1), (0.5, 0.8)))
    zones.replace(GATE, [door, STREET])
    config = alembic_config()
    with migration_connection(db_engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    columns = {c["name"] for c in sa.inspect(db_engine).get_columns("cameras")}
    assert "detect" not in columns
    with db_engine.connect() as conn:
        kinds = conn.execute(sa.text("SELECT name, kind FROM camera_zones")).all()
    assert [tuple(k) for k in kinds] == [("Door", "zone")]  # a mask had no meaning before
    migrate(db_engine)
    assert repo.get(GATE).detect is None  # the camera itself survived both table rebuilds
    zones.replace(GATE, [door, STREET])
    assert zones.list(GATE) == [door, STREET]
