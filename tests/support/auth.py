"""Test helper: a real `Auth` (users, sessions, Argon2) on an in-memory database, with one admin."""

from __future__ import annotations

import base64
import functools

from tests.support.schema import migrated_sqlite
from vms.auth.service import Auth
from vms.config.auth import AuthSettings
from vms.core.clock import SystemClock

ADMIN = "admin"
ADMIN_PASSWORD = "unit-test-password"


@functools.cache
def shared_auth() -> Auth:
    """One per test session: Argon2 hashing is deliberately slow, so the admin is made once."""
    engine = migrated_sqlite()
    auth = Auth.build(engine, SystemClock(), AuthSettings())
    auth.users.ensure_first_admin(ADMIN_PASSWORD)
    return auth


def basic_header(username: str = ADMIN, password: str = ADMIN_PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
