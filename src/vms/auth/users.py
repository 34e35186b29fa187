"""User administration: the first admin, adding, changing and removing users, own password and
preferences. Guards the rules that keep VMS manageable (there is always an enabled admin)."""

from __future__ import annotations

import logging
import re
import secrets

from vms.auth.convert import preferences_to_json, user_from_row
from vms.auth.models import Preferences, Role, User
from vms.auth.passwords import check_password_rule, hash_password
from vms.auth.sessions import Sessions
from vms.auth.users_repo import UsersRepo
from vms.core.clock import Clock
from vms.core.errors import ConflictError, InvalidInputError, UnauthorizedError

log = logging.getLogger(__name__)

FIRST_ADMIN = "admin"
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def check_username(username: str) -> None:
    if not _USERNAME.fullmatch(username):
        raise InvalidInputError(
            "a user name is 1 to 64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )


class Users:
    """Every change to users goes through here, so the session caches are cleared each time."""

    def __init__(self, repo: UsersRepo, sessions: Sessions, clock: Clock) -> None:
        self._repo = repo
        self._sessions = sessions
        self._clock = clock

    def ensure_first_admin(self, password: str | None) -> str | None:
        """Make the `admin` user when there are no users at all; returns the password made up
        for it (to be shown once), or None when none was made or it came from the caller."""
        if self._repo.count() > 0:
            return None
        generated = password is None
        chosen = password if password is not None else secrets.token_urlsafe(12)
        check_password_rule(chosen)
        self._repo.add(
            FIRST_ADMIN, hash_password(chosen), Role.ADMIN, created_ms=self._clock.now_ms()
        )
        log.info("created the first user %r (role admin)", FIRST_ADMIN)
        return chosen if generated else None

    def list(self) -> list[User]:
        return [user_from_row(row) for row in self._repo.list()]

    def get(self, user_id: int) -> User:
        return user_from_row(self._repo.get(user_id))

    def add(self, username: str, password: str, role: Role) -> User:
        check_username(username)
        check_password_rule(password)
        row = self._repo.add(
            username, hash_password(password), role, created_ms=self._clock.now_ms()
        )
        log.info("added user %r (role %s)", username, role)
        return user_from_row(row)

    def change(
        self,
        actor: User,
        user_id: int,
        *,
        role: Role | None = None,
        password: str | None = None,
        disabled: bool | None = None,
    ) -> User:
        """An admin changes someone's role, password or disabled flag; their sessions end."""
        target = self.get(user_id)
        if password is not None:
            check_password_rule(password)
        losing_admin = target.role is Role.ADMIN and (
            (role is not None and role is not Role.ADMIN) or disabled is True
        )
        if losing_admin and not target.disabled:
            self._keep_an_admin(target)
        row = self._repo.update(
            user_id,
            role=role,
            disabled=disabled,
            password_hash=hash_password(password) if password is not None else None,
        )
        self._sessions.end_user_sessions(user_id)
        log.info("user %r changed by %r", target.username, actor.username)
        return user_from_row(row)

    def remove(self, actor: User, user_id: int) -> None:
        target = self.get(user_id)
        if target.id == actor.id:
            raise ConflictError("you cannot remove yourself; ask another admin")
        if target.role is Role.ADMIN and not target.disabled:
            self._keep_an_admin(target)
        self._repo.delete(user_id)
        self._sessions.forget_cached()
        log.info("user %r removed by %r", target.username, actor.username)

    def set_password(self, username: str, password: str, role: Role) -> bool:
        """Maintenance (`vms user password`): set the password of `username`, enabling it, or
        make it with `role`; returns whether the user was made."""
        row = self._repo.find(username)
        if row is None:
            self.add(username, password, role)
            return True
        check_password_rule(password)
        self._repo.update(row.id, password_hash=hash_password(password), disabled=False)
        self._sessions.end_user_sessions(row.id)
        return False

    def change_own_password(
        self, user: User, current: str, new: str, *, keep_token: str | None, address: str
    ) -> None:
        """The user's own change: the current password is asked again (wrong guesses count
        towards the sign-in pause, so a stolen cookie cannot guess it fast); other sessions end."""
        try:
            self._sessions.check_password(user.username, current, address)
        except UnauthorizedError:
            # 422, not 401: a 401 tells the web client its session ended and signs it out.
            raise InvalidInputError("the current password is wrong") from None
        check_password_rule(new)
        self._repo.update(user.id, password_hash=hash_password(new))
        self._sessions.end_user_sessions(user.id, keep_token=keep_token)

    def set_preferences(self, user: User, preferences: Preferences) -> Preferences:
        self._repo.update(user.id, preferences_json=preferences_to_json(preferences))
        self._sessions.forget_cached()
        return preferences

    def _keep_an_admin(self, target: User) -> None:
        if self._repo.count_admins() <= 1:
            raise ConflictError(
                f"{target.username!r} is the only enabled admin; make another admin first"
            )
