"""The sign-in throttle on a fake clock: lock after N failures, unlock after the pause, per key."""

from __future__ import annotations

import pytest

from vms.auth.throttle import LoginThrottle
from vms.core.clock import FakeClock
from vms.core.errors import RateLimitedError

N = 3
LOCKOUT_S = 60


@pytest.fixture
def throttle(fake_clock: FakeClock) -> LoginThrottle:
    return LoginThrottle(fake_clock, max_failures=N, lockout_s=LOCKOUT_S)


def fail(throttle: LoginThrottle, times: int, user: str = "ann", address: str = "10.0.0.1") -> None:
    for _ in range(times):
        throttle.check(user, address)
        throttle.failed(user, address)


def test_locks_after_n_failures_and_says_when_to_retry(
    throttle: LoginThrottle, fake_clock: FakeClock
) -> None:
    fail(throttle, N - 1)
    throttle.check("ann", "10.0.0.1")  # N-1 failures: still allowed
    throttle.failed("ann", "10.0.0.1")
    with pytest.raises(RateLimitedError, match="try again in 60 s") as locked:
        throttle.check("ann", "10.0.0.1")
    assert locked.value.retry_after_s == LOCKOUT_S
    fake_clock.advance(20.5)
    with pytest.raises(RateLimitedError) as later:
        throttle.check("ann", "10.0.0.1")
    assert later.value.retry_after_s == 40  # 39.5 s left, rounded up


def test_unlocks_after_the_lockout_and_allows_n_more_tries(
    throttle: LoginThrottle, fake_clock: FakeClock
) -> None:
    fail(throttle, N)
    fake_clock.advance(LOCKOUT_S - 0.001)
    with pytest.raises(RateLimitedError) as almost:
        throttle.check("ann", "10.0.0.1")
    assert almost.value.retry_after_s == 1
    fake_clock.advance(0.001)
    throttle.check("ann", "10.0.0.1")
    fail(throttle, N - 1)  # a fresh count after the pause
    throttle.check("ann", "10.0.0.1")
    throttle.failed("ann", "10.0.0.1")
    with pytest.raises(RateLimitedError):
        throttle.check("ann", "10.0.0.1")


def test_other_user_names_and_addresses_are_not_locked(throttle: LoginThrottle) -> None:
    fail(throttle, N)
    with pytest.raises(RateLimitedError):
        throttle.check("ann", "10.0.0.1")
    throttle.check("ann", "10.0.0.2")
    throttle.check("bob", "10.0.0.1")


def test_success_forgets_the_failures(throttle: LoginThrottle) -> None:
    fail(throttle, N - 1)
    throttle.succeeded("ann", "10.0.0.1")
    fail(throttle, N - 1)
    throttle.check("ann", "10.0.0.1")


def test_failures_spread_wider_than_the_window_do_not_add_up(
    throttle: LoginThrottle, fake_clock: FakeClock
) -> None:
    for _ in range(3 * N):
        fail(throttle, 1)
        fake_clock.advance(LOCKOUT_S + 1)
    throttle.check("ann", "10.0.0.1")


def test_old_entries_of_other_keys_are_forgotten(
    throttle: LoginThrottle, fake_clock: FakeClock
) -> None:
    """The map does not grow with every address that ever failed once."""
    for number in range(50):
        fail(throttle, 1, address=f"10.1.0.{number}")
    fake_clock.advance(LOCKOUT_S + 1)
    fail(throttle, 1, address="10.2.0.1")
    assert len(throttle._failures) == 1
