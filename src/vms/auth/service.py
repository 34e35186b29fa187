"""The auth room's one entry point: sessions and user administration over one repository."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from vms.auth.sessions import Sessions
from vms.auth.users import Users
from vms.auth.users_repo import UsersRepo
from vms.config.auth import AuthSettings
from vms.core.clock import Clock


@dataclass(frozen=True, slots=True)
class Auth:
    sessions: Sessions
    users: Users
    settings: AuthSettings  # the API reads how to mark the session cookie

    @classmethod
    def build(cls, engine: Engine, clock: Clock, settings: AuthSettings) -> Auth:
        repo = UsersRepo(engine)
        sessions = Sessions(repo, clock, settings)
        return cls(sessions, Users(repo, sessions, clock), settings)
