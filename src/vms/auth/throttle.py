"""Sign-in failure limits: a pause after repeated wrong passwords for one user name and address."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from vms.core.clock import Clock
from vms.core.errors import RateLimitedError


@dataclass(slots=True)
class _Failures:
    count: int
    first_ms: int
    locked_until_ms: int = 0


class LoginThrottle:
    """Counts failures per (user name, client address) within a window; `check` refuses while a
    pause runs. Kept in memory: a restart forgets it, which only helps the legitimate user."""

    def __init__(self, clock: Clock, *, max_failures: int, lockout_s: int) -> None:
        self._clock = clock
        self._max_failures = max_failures
        self._lockout_ms = lockout_s * 1000
        self._failures: dict[tuple[str, str], _Failures] = {}
        self._lock = threading.Lock()

    def check(self, username: str, address: str) -> None:
        now_ms = self._clock.now_ms()
        with self._lock:
            entry = self._failures.get((username, address))
            if entry is not None and entry.locked_until_ms > now_ms:
                wait_s = -(-(entry.locked_until_ms - now_ms) // 1000)
                raise RateLimitedError(
                    f"too many failed sign-ins; try again in {wait_s} s", retry_after_s=wait_s
                )

    def failed(self, username: str, address: str) -> None:
        now_ms = self._clock.now_ms()
        with self._lock:
            self._forget_old(now_ms)
            key = (username, address)
            entry = self._failures.get(key)
            if entry is None or now_ms - entry.first_ms > self._lockout_ms:
                entry = self._failures[key] = _Failures(0, now_ms)
            entry.count += 1
            if entry.count >= self._max_failures:
                entry.locked_until_ms = now_ms + self._lockout_ms
                entry.count = 0
                entry.first_ms = now_ms

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop((username, address), None)

    def _forget_old(self, now_ms: int) -> None:
        stale = [
            key
            for key, entry in self._failures.items()
            if now_ms - entry.first_ms > self._lockout_ms and entry.locked_until_ms <= now_ms
        ]
        for key in stale:
            del self._failures[key]
