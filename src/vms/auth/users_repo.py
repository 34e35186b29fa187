"""User and session rows: typed queries over the `users` and `auth_sessions` tables.

Lives in the auth room, which owns users and sessions (ADR 0016: a repository lives in the room
that owns its data; `vms.db` keeps the tables, the engine and the migrations).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, RowMapping, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from vms.core.errors import ConflictError, NotFoundError
from vms.db.tables import AuthSessionTable, UserTable


@dataclass(frozen=True, slots=True)
class UserRow:
    """One user as stored; `password_hash` is an Argon2id PHC string, never shown."""

    id: int
    username: str
    role: str
    disabled: bool
    created_ms: int
    password_hash: str
    preferences_json: str

    def __repr__(self) -> str:  # keep the hash out of logs and tracebacks
        return f"UserRow(id={self.id}, username={self.username!r}, role={self.role!r})"


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One signed-in session (the token itself is never stored)."""

    token_hash: str
    user_id: int
    created_ms: int
    last_seen_ms: int
    expires_ms: int


_USERS = UserTable.__table__
_SESSIONS = AuthSessionTable.__table__


def _user(row: RowMapping) -> UserRow:
    return UserRow(
        id=row["id"],
        username=row["username"],
        role=row["role"],
        disabled=bool(row["disabled"]),
        created_ms=row["created_ms"],
        password_hash=row["password_hash"],
        preferences_json=row["preferences"],
    )


class UsersRepo:
    """Users and their sessions; every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def count(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(UserTable)).scalar_one())

    def count_admins(self, *, enabled_only: bool = True) -> int:
        query = select(func.count()).select_from(UserTable).where(UserTable.role == "admin")
        if enabled_only:
            query = query.where(UserTable.disabled.is_(False))
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def add(self, username: str, password_hash: str, role: str, *, created_ms: int) -> UserRow:
        values = {
            "username": username,
            "password_hash": password_hash,
            "role": role,
            "disabled": False,
            "created_ms": created_ms,
            "preferences": "{}",
        }
        try:
            with self._engine.begin() as conn:
                new_id = conn.execute(insert(UserTable).values(**values)).inserted_primary_key
        except IntegrityError:
            raise ConflictError(f"a user named {username!r} already exists") from None
        assert new_id is not None
        return self.get(int(new_id[0]))

    def get(self, user_id: int) -> UserRow:
        with self._engine.connect() as conn:
            query = select(_USERS).where(UserTable.id == user_id)
            row = conn.execute(query).mappings().one_or_none()
        if row is None:
            raise NotFoundError(f"user {user_id} does not exist")
        return _user(row)

    def find(self, username: str) -> UserRow | None:
        with self._engine.connect() as conn:
            query = select(_USERS).where(UserTable.username == username)
            row = conn.execute(query).mappings().one_or_none()
        return None if row is None else _user(row)

    def list(self) -> list[UserRow]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(_USERS).order_by(UserTable.username)).mappings()
            return [_user(row) for row in rows]

    def update(
        self,
        user_id: int,
        *,
        role: str | None = None,
        disabled: bool | None = None,
        password_hash: str | None = None,
        preferences_json: str | None = None,
    ) -> UserRow:
        values: dict[str, object] = {
            key: value
            for key, value in (
                ("role", role),
                ("disabled", disabled),
                ("password_hash", password_hash),
                ("preferences", preferences_json),
            )
            if value is not None
        }
        if values:
            with self._engine.begin() as conn:
                done = conn.execute(update(UserTable).where(UserTable.id == user_id).values(values))
            if done.rowcount == 0:
                raise NotFoundError(f"user {user_id} does not exist")
        return self.get(user_id)

    def delete(self, user_id: int) -> None:
        with self._engine.begin() as conn:
            done = conn.execute(delete(UserTable).where(UserTable.id == user_id))
        if done.rowcount == 0:
            raise NotFoundError(f"user {user_id} does not exist")

    def add_session(self, session: SessionRow) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert(AuthSessionTable).values(
                    token_hash=session.token_hash,
                    user_id=session.user_id,
                    created_ms=session.created_ms,
                    last_seen_ms=session.last_seen_ms,
                    expires_ms=session.expires_ms,
                )
            )

    def session(self, token_hash: str) -> SessionRow | None:
        query = select(_SESSIONS).where(AuthSessionTable.token_hash == token_hash)
        with self._engine.connect() as conn:
            row = conn.execute(query).mappings().one_or_none()
        if row is None:
            return None
        return SessionRow(
            row["token_hash"],
            row["user_id"],
            row["created_ms"],
            row["last_seen_ms"],
            row["expires_ms"],
        )

    def touch_session(self, token_hash: str, last_seen_ms: int) -> None:
        table = AuthSessionTable
        with self._engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.token_hash == token_hash)
                .values(last_seen_ms=last_seen_ms)
            )

    def delete_session(self, token_hash: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(AuthSessionTable).where(AuthSessionTable.token_hash == token_hash))

    def delete_sessions(self, user_id: int, *, keep: str | None = None) -> None:
        """End every session of a user (after a password change), except `keep` if given."""
        query = delete(AuthSessionTable).where(AuthSessionTable.user_id == user_id)
        if keep is not None:
            query = query.where(AuthSessionTable.token_hash != keep)
        with self._engine.begin() as conn:
            conn.execute(query)

    def delete_expired_sessions(self, now_ms: int, idle_cutoff_ms: int) -> int:
        table = AuthSessionTable
        query = delete(table).where(
            (table.expires_ms <= now_ms) | (table.last_seen_ms <= idle_cutoff_ms)
        )
        with self._engine.begin() as conn:
            return int(conn.execute(query).rowcount)
