"""Sessions on a fake clock: sign-in, token storage, idle and maximum age, sign-out, caches,
HTTP/RTSP Basic checks and the sign-in throttle."""

from __future__ import annotations

import base64

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from tests.unit.auth.conftest import ADMIN_PASSWORD, LOCKOUT_S, MAX_FAILURES
from vms.auth.models import Role
from vms.auth.passwords import needs_rehash, verify_password
from vms.auth.service import Auth
from vms.auth.sessions import BASIC_CACHE_TTL_MS, CACHE_TTL_MS, token_hash
from vms.auth.users_repo import UsersRepo
from vms.core.clock import FakeClock
from vms.core.errors import RateLimitedError, UnauthorizedError
from vms.db.tables import AuthSessionTable
from vms.media.rtsp.auth import RtspAuth

HOUR_S = 3600
DAY_S = 24 * HOUR_S
WRONG = "wrong user name or password"


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_sign_in_gives_a_token_whose_hash_alone_is_stored(auth: Auth, engine: Engine) -> None:
    token, user = auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1")
    assert (user.username, user.role) == ("admin", Role.ADMIN)
    assert len(token) >= 40
    assert auth.sessions.user_for_token(token) == user
    with engine.connect() as conn:
        rows = conn.execute(select(AuthSessionTable.__table__)).mappings().all()
    assert [row["token_hash"] for row in rows] == [token_hash(token)]
    assert token not in str([dict(row) for row in rows])
    other, _ = auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1")
    assert other != token


def test_unknown_token_is_refused(auth: Auth) -> None:
    with pytest.raises(UnauthorizedError, match="sign in again"):
        auth.sessions.user_for_token("made-up-token")


def test_wrong_user_name_and_wrong_password_give_the_same_words(auth: Auth) -> None:
    with pytest.raises(UnauthorizedError) as unknown:
        auth.sessions.sign_in("nobody", ADMIN_PASSWORD, "10.0.0.1")
    with pytest.raises(UnauthorizedError) as wrong:
        auth.sessions.sign_in("admin", "not-the-password", "10.0.0.1")
    with pytest.raises(UnauthorizedError) as basic_wrong:
        auth.sessions.user_for_basic("admin", "not-the-password", "10.0.0.1")
    assert str(unknown.value) == str(wrong.value) == str(basic_wrong.value) == WRONG


def test_disabled_user_cannot_sign_in_and_their_session_ends(auth: Auth) -> None:
    ann = auth.users.add("ann", "ann-password", Role.VIEWER)
    token, _ = auth.sessions.sign_in("ann", "ann-password", "10.0.0.1")
    assert auth.sessions.user_for_basic("ann", "ann-password", "10.0.0.1").username == "ann"
    admin = auth.users.get(1)
    auth.users.change(admin, ann.id, disabled=True)
    with pytest.raises(UnauthorizedError):
        auth.sessions.user_for_token(token)  # no cached answer survives the change
    with pytest.raises(UnauthorizedError, match=WRONG):  # the same words as a wrong password
        auth.sessions.sign_in("ann", "ann-password", "10.0.0.1")
    with pytest.raises(UnauthorizedError, match=WRONG):
        auth.sessions.user_for_basic("ann", "ann-password", "10.0.0.1")


def test_session_unused_for_the_idle_time_ends(auth: Auth, fake_clock: FakeClock) -> None:
    token, _ = auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1")
    fake_clock.advance(DAY_S - 1)
    auth.sessions.user_for_token(token)  # used just in time: the idle time starts again
    fake_clock.advance(DAY_S - 1)
    auth.sessions.user_for_token(token)
    fake_clock.advance(DAY_S)
    with pytest.raises(UnauthorizedError, match="session has ended"):
        auth.sessions.user_for_token(token)


def test_session_ends_at_its_maximum_age_however_much_it_is_used(
    auth: Auth, fake_clock: FakeClock
) -> None:
    token, _ = auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1")
    assert auth.sessions.max_age_s == 3 * DAY_S
    for _ in range(5):  # 3 days less one hour, used every 14 h 48 min
        fake_clock.advance((3 * DAY_S - HOUR_S) / 5)
        auth.sessions.user_for_token(token)
    fake_clock.advance(HOUR_S)
    with pytest.raises(UnauthorizedError):
        auth.sessions.user_for_token(token)


def test_sign_out_ends_the_session_at_once(auth: Auth) -> None:
    token, _ = auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1")
    other, _ = auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.2")
    auth.sessions.user_for_token(token)  # cached now
    auth.sessions.sign_out(token)
    with pytest.raises(UnauthorizedError):
        auth.sessions.user_for_token(token)
    assert auth.sessions.user_for_token(other).username == "admin"  # only that session ended
    auth.sessions.sign_out(token)  # twice is harmless


def test_cached_answer_lasts_only_a_few_seconds(
    auth: Auth, engine: Engine, fake_clock: FakeClock
) -> None:
    """A session ended behind the cache's back (another node) is refused within the TTL."""
    token, _ = auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1")
    auth.sessions.user_for_token(token)
    UsersRepo(engine).delete_session(token_hash(token))
    fake_clock.advance(CACHE_TTL_MS / 1000 - 1)
    auth.sessions.user_for_token(token)  # still the cached answer
    fake_clock.advance(1)
    with pytest.raises(UnauthorizedError):
        auth.sessions.user_for_token(token)


def test_role_change_takes_effect_at_once(auth: Auth) -> None:
    ann = auth.users.add("ann", "ann-password", Role.VIEWER)
    token, _ = auth.sessions.sign_in("ann", "ann-password", "10.0.0.1")
    assert auth.sessions.user_for_token(token).role is Role.VIEWER
    assert auth.sessions.user_for_basic("ann", "ann-password", "x").role is Role.VIEWER
    auth.users.change(auth.users.get(1), ann.id, role=Role.OPERATOR)
    assert auth.sessions.user_for_basic("ann", "ann-password", "x").role is Role.OPERATOR
    with pytest.raises(UnauthorizedError):  # a changed user signs in again
        auth.sessions.user_for_token(token)
    fresh, _ = auth.sessions.sign_in("ann", "ann-password", "10.0.0.1")
    assert auth.sessions.user_for_token(fresh).role is Role.OPERATOR


def test_basic_answers_are_cached_for_minutes(
    auth: Auth, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []

    def counting(password_hash: str, password: str) -> bool:
        checks.append(password)
        return verify_password(password_hash, password)

    monkeypatch.setattr("vms.auth.sessions.verify_password", counting)
    for _ in range(5):
        assert auth.sessions.user_for_basic("admin", ADMIN_PASSWORD, "x").username == "admin"
    assert len(checks) == 1  # Argon2 ran once
    with pytest.raises(UnauthorizedError):  # another password is not served from the cache
        auth.sessions.user_for_basic("admin", ADMIN_PASSWORD + "!", "x")
    with pytest.raises(UnauthorizedError):
        auth.sessions.user_for_basic("admin", ADMIN_PASSWORD + "!", "x")
    assert len(checks) == 3  # wrong answers are never cached
    fake_clock.advance(BASIC_CACHE_TTL_MS / 1000 - 1)
    auth.sessions.user_for_basic("admin", ADMIN_PASSWORD, "x")
    assert len(checks) == 3
    fake_clock.advance(1)
    auth.sessions.user_for_basic("admin", ADMIN_PASSWORD, "x")
    assert len(checks) == 4


def test_repeated_failures_lock_sign_in_even_with_the_right_password(
    auth: Auth, fake_clock: FakeClock
) -> None:
    for _ in range(MAX_FAILURES):
        with pytest.raises(UnauthorizedError):
            auth.sessions.sign_in("admin", "guess-guess", "10.0.0.9")
    with pytest.raises(RateLimitedError) as locked:
        auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.9")
    assert locked.value.retry_after_s == LOCKOUT_S
    with pytest.raises(RateLimitedError):
        auth.sessions.user_for_basic("admin", ADMIN_PASSWORD, "10.0.0.9")
    auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1")  # another address is not locked
    fake_clock.advance(LOCKOUT_S)
    auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.9")


def test_unknown_user_names_are_throttled_too(auth: Auth) -> None:
    for _ in range(MAX_FAILURES):
        with pytest.raises(UnauthorizedError):
            auth.sessions.sign_in("nobody", "guess-guess", "10.0.0.9")
    with pytest.raises(RateLimitedError):
        auth.sessions.sign_in("nobody", "guess-guess", "10.0.0.9")


def test_rtsp_verify_checks_the_same_users(auth: Auth) -> None:
    auth.users.add("ann", "ann-password", Role.VIEWER)
    verify = auth.sessions.rtsp_verify
    assert verify("ann", "ann-password", "10.0.0.1")
    assert verify("admin", ADMIN_PASSWORD, "10.0.0.1")
    assert not verify("ann", "wrong-password", "10.0.0.1")
    assert not verify("nobody", "ann-password", "10.0.0.1")
    rtsp = RtspAuth.for_users(verify)
    assert rtsp.check("DESCRIBE", basic("ann", "ann-password")).ok
    refused = rtsp.check("DESCRIBE", basic("ann", "nope-nope"))
    assert not refused.ok
    assert refused.challenges == ('Basic realm="vms"',)  # no Digest: only hashes are stored
    assert not rtsp.check("DESCRIBE", None).ok


def test_rtsp_verify_says_no_while_throttled(auth: Auth) -> None:
    verify = auth.sessions.rtsp_verify
    for _ in range(MAX_FAILURES):
        assert not verify("admin", "guess-guess", "10.0.0.66")
    assert not verify("admin", ADMIN_PASSWORD, "10.0.0.66")  # locked: refused, not raised


def test_a_strangers_wrong_rtsp_guesses_do_not_lock_the_user_out(auth: Auth) -> None:
    """Failures count per client address: a stranger guessing locks out only themselves."""
    rtsp = RtspAuth.for_users(auth.sessions.rtsp_verify)
    for guess in range(MAX_FAILURES + 1):
        assert not rtsp.check("DESCRIBE", basic("admin", f"guess-{guess}"), "10.0.0.66").ok
    assert rtsp.check("DESCRIBE", basic("admin", ADMIN_PASSWORD), "10.0.0.7").ok


def test_weak_stored_hash_is_replaced_at_sign_in(auth: Auth, engine: Engine) -> None:
    repo = UsersRepo(engine)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(ADMIN_PASSWORD)
    repo.update(1, password_hash=weak)
    auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1")
    stored = repo.get(1).password_hash
    assert stored != weak
    assert not needs_rehash(stored)
    auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1")  # the new hash works
    assert repo.get(1).password_hash == stored  # and is not replaced again


def test_end_user_sessions_keeps_the_named_one(auth: Auth) -> None:
    keep, _ = auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1")
    drop, _ = auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.2")
    auth.sessions.user_for_token(drop)
    auth.sessions.end_user_sessions(1, keep_token=keep)
    auth.sessions.user_for_token(keep)
    with pytest.raises(UnauthorizedError):
        auth.sessions.user_for_token(drop)


def test_purge_removes_idle_and_expired_sessions_only(
    auth: Auth, engine: Engine, fake_clock: FakeClock
) -> None:
    idle, _ = auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1")
    fake_clock.advance(12 * HOUR_S)
    busy, _ = auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1")
    assert auth.sessions.purge_expired() == 0
    fake_clock.advance(12 * HOUR_S)
    assert auth.sessions.purge_expired() == 1  # the first one sat unused for a day
    repo = UsersRepo(engine)
    assert repo.session(token_hash(idle)) is None
    assert repo.session(token_hash(busy)) is not None


def test_user_disabled_behind_the_cache_is_refused_after_the_ttl(
    auth: Auth, engine: Engine, fake_clock: FakeClock
) -> None:
    """Another node disabled the user without ending the sessions: the row still says no."""
    ann = auth.users.add("ann", "ann-password", Role.VIEWER)
    token, _ = auth.sessions.sign_in("ann", "ann-password", "10.0.0.1")
    auth.sessions.user_for_token(token)
    UsersRepo(engine).update(ann.id, disabled=True)
    fake_clock.advance(CACHE_TTL_MS / 1000)
    with pytest.raises(UnauthorizedError, match="disabled"):
        auth.sessions.user_for_token(token)
