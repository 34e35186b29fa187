"""Fixtures for the auth unit tests: a fresh in-memory database and a fake clock per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.support.schema import migrated_sqlite
from vms.auth.service import Auth
from vms.config.auth import AuthSettings
from vms.core.clock import FakeClock

ADMIN_PASSWORD = "first-admin-password"
MAX_FAILURES = 3
LOCKOUT_S = 60


@pytest.fixture
def engine() -> Iterator[Engine]:
    made = migrated_sqlite()
    yield made
    made.dispose()


@pytest.fixture
def settings() -> AuthSettings:
    """Short sessions (1 day idle, 3 days at most) so expiry is easy to reach."""
    return AuthSettings(
        session_idle_days=1,
        session_max_days=3,
        login_max_failures=MAX_FAILURES,
        login_lockout_s=LOCKOUT_S,
    )


@pytest.fixture
def auth(engine: Engine, fake_clock: FakeClock, settings: AuthSettings) -> Auth:
    """Users and sessions with one admin (`admin`, ADMIN_PASSWORD)."""
    made = Auth.build(engine, fake_clock, settings)
    made.users.ensure_first_admin(ADMIN_PASSWORD)
    return made
