"""Database: migrations match the tables, SQLite pragmas, comments, camera repository."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from tests.support import postgres
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.core.clock import FakeClock
from vms.core.errors import ConflictError, InvalidInputError, NotFoundError
from vms.core.ids import CameraId, StreamName
from vms.db import tables  # noqa: F401  (importing it registers every table on Base)
from vms.db.base import Base
from vms.db.engine import alembic_config, migrate

db_engine = postgres.db_engine
sqlite_engine = postgres.sqlite_engine


def test_migrations_produce_exactly_the_declared_tables(db_engine: Engine) -> None:
    with db_engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []


def test_migrate_twice_is_a_no_op(db_engine: Engine) -> None:
    migrate(db_engine)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with db_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == head


def test_every_column_and_table_has_a_comment() -> None:
    for table in Base.metadata.tables.values():
        assert table.comment, table.name
        for column in table.columns:
            assert column.comment, f"{table.name}.{column.name}"


def test_sqlite_pragmas_are_set_on_every_connection(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def _camera(cam: str = "front-door", **kw: object) -> CameraRow:
    base = CameraRow(
        id=CameraId(cam),
        name="Front door",
        main_url="rtsp://10.0.0.5/main",
        username="admin",
        password="hunter2",
    )
    return CameraRow(**{**{f: getattr(base, f) for f in base.__slots__}, **kw})


def test_camera_crud_round_trip(db_engine: Engine) -> None:
    clock = FakeClock(start_ms=1000)
    repo = CamerasRepo(db_engine, clock)
    added = repo.add(_camera())
    assert added.created_ms == added.updated_ms == 1000
    assert repo.get(CameraId("front-door")) == added
    clock.advance(2.0)
    updated = repo.update(_camera(retention_days=7, record_stream=StreamName.SUB))
    assert (updated.created_ms, updated.updated_ms) == (1000, 3000)
    assert repo.get(CameraId("front-door")).retention_days == 7
    assert repo.get(CameraId("front-door")).record_stream is StreamName.SUB
    repo.add(_camera("back"))
    assert [c.id for c in repo.list()] == ["back", "front-door"]
    repo.delete(CameraId("back"))
    with pytest.raises(NotFoundError):
        repo.get(CameraId("back"))
    with pytest.raises(NotFoundError):
        repo.delete(CameraId("back"))


def test_camera_conflicts_and_bad_input_are_rejected(db_engine: Engine) -> None:
    repo = CamerasRepo(db_engine, FakeClock())
    repo.add(_camera())
    with pytest.raises(ConflictError):
        repo.add(_camera())
    with pytest.raises(InvalidInputError):
        repo.add(_camera("Bad Id"))
    with pytest.raises(InvalidInputError):
        repo.add(_camera("x", transport="http"))
    with pytest.raises(NotFoundError):
        repo.update(_camera("missing"))


def test_camera_repr_hides_the_password() -> None:
    text = repr(_camera())
    assert "hunter2" not in text
    assert "password='***'" in text
