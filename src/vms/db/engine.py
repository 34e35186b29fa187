"""Engine creation (SQLite pragmas, pool settings) and programmatic Alembic migration on start."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints
    finally:
        cursor.close()


def create_engine(url: str) -> Engine:
    """An engine for `url` (sqlite:///path or postgresql+psycopg://...), ready for threads."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if memory:
            kwargs["poolclass"] = StaticPool  # one shared connection, else each gets a new db
        else:
            kwargs.update(pool_size=5, max_overflow=10, pool_timeout=30)
        engine = sa_create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa_create_engine(
        url, pool_size=5, max_overflow=10, pool_timeout=30, pool_pre_ping=True, pool_recycle=1800
    )


def alembic_config() -> Config:
    """Alembic configuration pointing at the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@contextlib.contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction to migrate on. On SQLite, foreign keys are off meanwhile:
    batch mode changes a table by copying it and dropping the old one, and dropping `cameras`
    with them on would delete every row that refers to a camera (ON DELETE CASCADE: zones,
    rules). SQLite ignores the pragma inside a transaction, so it is set before one begins,
    and the rows are checked against the keys before the commit."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise RuntimeError(f"migration broke a foreign key: {tuple(broken)}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision`; safe to call on every start."""
    config = alembic_config()
    with migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    log.info("database schema at %s", revision)
