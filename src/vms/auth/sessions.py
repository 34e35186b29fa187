"""Sign-in: passwords checked once, then a random session token whose hash is stored.

Every API request resolves its cookie here, so resolved sessions are cached for a few seconds
(a LL-HLS viewer asks several times a second); HTTP Basic credentials, checked with Argon2 which
takes ~0.1 s on purpose, are cached the same way under a keyed hash of the header.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from dataclasses import dataclass

from vms.auth.convert import user_from_row
from vms.auth.models import User
from vms.auth.passwords import dummy_verify, hash_password, needs_rehash, verify_password
from vms.auth.throttle import LoginThrottle
from vms.auth.users_repo import SessionRow, UsersRepo
from vms.config.auth import AuthSettings
from vms.core.clock import Clock
from vms.core.errors import RateLimitedError, UnauthorizedError

log = logging.getLogger(__name__)

CACHE_TTL_MS = 10_000  # how stale a session answer may be when another node changed the user
# Basic answers live longer: an RTSP server checks credentials on its event loop, and every change
# to a user on this node clears the cache anyway.
BASIC_CACHE_TTL_MS = 5 * 60_000
TOUCH_EVERY_MS = 5 * 60_000
_WRONG = "wrong user name or password"
_DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class _Cached:
    user: User
    checked_ms: int
    session: SessionRow | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Signs users in and out and tells who a token or a Basic header belongs to."""

    def __init__(self, repo: UsersRepo, clock: Clock, settings: AuthSettings) -> None:
        self._repo = repo
        self._clock = clock
        self._idle_ms = int(settings.session_idle_days * _DAY_MS)
        self._max_ms = int(settings.session_max_days * _DAY_MS)
        self._throttle = LoginThrottle(
            clock, max_failures=settings.login_max_failures, lockout_s=settings.login_lockout_s
        )
        self._cache: dict[str, _Cached] = {}
        self._cache_key = secrets.token_bytes(32)
        self._lock = threading.Lock()

    @property
    def max_age_s(self) -> int:
        return self._max_ms // 1000

    def check_password(self, username: str, password: str, address: str) -> User:
        """The user these credentials belong to; UnauthorizedError (the same words whatever was
        wrong) or RateLimitedError after repeated failures."""
        self._throttle.check(username, address)
        row = self._repo.find(username)
        if row is None:
            dummy_verify()
        if row is None or not verify_password(row.password_hash, password) or row.disabled:
            self._throttle.failed(username, address)
            log.warning("sign-in refused for %r from %s", username, address)
            raise UnauthorizedError(_WRONG)
        self._throttle.succeeded(username, address)
        if needs_rehash(row.password_hash):
            self._repo.update(row.id, password_hash=hash_password(password))
        return user_from_row(row)

    def sign_in(self, username: str, password: str, address: str) -> tuple[str, User]:
        """Check the password and open a session; returns the token for the cookie."""
        user = self.check_password(username, password, address)
        token = secrets.token_urlsafe(32)
        now_ms = self._clock.now_ms()
        self._repo.add_session(
            SessionRow(token_hash(token), user.id, now_ms, now_ms, now_ms + self._max_ms)
        )
        log.info("user %r signed in from %s", username, address)
        return token, user

    def sign_out(self, token: str) -> None:
        key = token_hash(token)
        self._repo.delete_session(key)
        with self._lock:
            self._cache.pop(key, None)

    def user_for_token(self, token: str) -> User:
        """The signed-in user of a session token; UnauthorizedError when it is not valid."""
        key = token_hash(token)
        now_ms = self._clock.now_ms()
        cached = self._cache.get(key)
        if cached is not None and now_ms - cached.checked_ms < CACHE_TTL_MS:
            return cached.user
        session = self._repo.session(key)
        if session is None or not self._alive(session, now_ms):
            with self._lock:
                self._cache.pop(key, None)
            raise UnauthorizedError("not signed in, or the session has ended; sign in again")
        user = user_from_row(self._repo.get(session.user_id))
        if user.disabled:
            raise UnauthorizedError("this user is disabled")
        if now_ms - session.last_seen_ms >= TOUCH_EVERY_MS:
            self._repo.touch_session(key, now_ms)
        with self._lock:
            self._cache[key] = _Cached(user, now_ms, session)
        return user

    def user_for_basic(self, username: str, password: str, address: str) -> User:
        """HTTP/RTSP Basic credentials, checked with Argon2 at most every few seconds."""
        mac = hmac.new(self._cache_key, f"{username}\0{password}".encode(), hashlib.sha256)
        key = "basic:" + mac.hexdigest()
        now_ms = self._clock.now_ms()
        cached = self._cache.get(key)
        if cached is not None and now_ms - cached.checked_ms < BASIC_CACHE_TTL_MS:
            return cached.user
        user = self.check_password(username, password, address)
        with self._lock:
            self._cache[key] = _Cached(user, now_ms)
        return user

    def rtsp_verify(self, username: str, password: str, address: str) -> bool:
        """A Basic check for the RTSP restream: the same users as the API (any role), with
        sign-in failures counted per client address like the API's."""
        try:
            self.user_for_basic(username, password, address)
        except (UnauthorizedError, RateLimitedError):
            return False
        return True

    def end_user_sessions(self, user_id: int, *, keep_token: str | None = None) -> None:
        """After a password change, role change or removal: every other session ends now."""
        self._repo.delete_sessions(user_id, keep=token_hash(keep_token) if keep_token else None)
        self.forget_cached()

    def forget_cached(self) -> None:
        """Drop every cached answer (a user changed: the next request reads the database)."""
        with self._lock:
            self._cache.clear()

    def purge_expired(self) -> int:
        now_ms = self._clock.now_ms()
        return self._repo.delete_expired_sessions(now_ms, now_ms - self._idle_ms)

    def _alive(self, session: SessionRow, now_ms: int) -> bool:
        return now_ms < session.expires_ms and now_ms - session.last_seen_ms < self._idle_ms
