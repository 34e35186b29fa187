"""A throwaway PostgreSQL server for tests, plus a database fixture parametrized over SQLite and it.

The server is started once per test process (initdb + pg_ctl on 127.0.0.1 and a free port, in a
temporary folder) and stopped and removed when the last user releases it or the process exits.
Test modules pick the fixtures up by assignment: `db_engine = postgres.db_engine`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from tests.support.ports import free_port
from tests.support.schema import migrated_sqlite
from vms.db.engine import create_engine, migrate

PG_BIN = Path(os.environ.get("VMS_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _as_postgres(args: list[str]) -> list[str]:
    """postgres refuses to run as root: drop to the `postgres` user when we are root."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PostgresServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="vms-pg-"))
        self.data = self.root / "data"
        self._migrated: str | None = None  # the database copied by create_migrated_database
        self._template_lock = threading.Lock()

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        initdb = [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres"]
        initdb += ["--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]
        subprocess.run(_as_postgres(initdb), check=True, capture_output=True)
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
        start = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options]
        start += ["-l", str(self.root / "log"), "-w", "-t", "60", "start"]
        subprocess.run(_as_postgres(start), check=True, capture_output=True)

    def stop(self) -> None:
        if self.data.exists():
            stop = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]
            subprocess.run(_as_postgres(stop), check=False, capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, template: str | None = None) -> str:
        """A new database, empty or a copy of database `template` (which nobody may be using)."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        copy = f' TEMPLATE "{template}"' if template else ""
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
        admin.dispose()
        return self.url(name)

    def create_migrated_database(self) -> str:
        """A new database holding the migrated schema: a copy of one migrated once per server
        (the same reason as tests/support/schema.py)."""
        with self._template_lock:
            if self._migrated is None:
                url = self.create_database()
                engine = create_engine(url)
                migrate(engine)
                engine.dispose()  # a template must have no connections when it is copied
                self._migrated = url.rsplit("/", 1)[1]
        return self.create_database(template=self._migrated)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


_lock = threading.Lock()
_server: PostgresServer | None = None


def shared_server() -> PostgresServer:
    """The process's server, started on first use; skips the test if PostgreSQL is absent."""
    global _server  # noqa: PLW0603 - one server per test process, started lazily
    with _lock:
        if _server is None:
            if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
                pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}")
            server = PostgresServer()
            try:
                server.start()
            except BaseException:
                server.stop()
                raise
            atexit.register(server.stop)
            _server = server
        return _server


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a fresh, empty database on the shared throwaway server."""
    server = shared_server()
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: SQLite in tmp_path, or a new database on PostgreSQL."""
    if request.param == "sqlite":
        engine = _sqlite_engine(tmp_path)
        yield engine
        engine.dispose()
        return
    server = shared_server()
    url = server.create_migrated_database()
    engine = create_engine(url)
    yield engine
    engine.dispose()
    server.drop_database(url)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database in tmp_path (tests that need only the embedded database)."""
    engine = _sqlite_engine(tmp_path)
    yield engine
    engine.dispose()


def _sqlite_engine(folder: Path) -> Engine:
    return migrated_sqlite(f"sqlite:///{folder / 'vms.db'}")
