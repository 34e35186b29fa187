"""Service lifecycle and the Supervisor that restarts a failed service with backoff.

Every long-lived part (a camera, the retention loop, the recorder) is a Service so the composition
root can start and stop them in a declared order, and so one that crashes is restarted alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


class Service(Protocol):
    """A part with a lifetime: started once, stopped once."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter, capped; the same rule for every retry loop."""

    initial_s: float = 0.5
    factor: float = 2.0
    cap_s: float = 30.0
    jitter: float = 0.2

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Delay before retry number ``attempt`` (0-based): cap-limited, +/- jitter fraction."""
        # Clamp the exponent first: factor ** 1000 overflows a float long after the cap applies.
        exponent = min(max(0, attempt), 64)
        base = min(self.cap_s, self.initial_s * self.factor**exponent)
        spread = base * self.jitter
        r = (rng or random).uniform(-spread, spread)
        return max(0.0, min(self.cap_s, base + r))


class Supervisor:
    """Runs a coroutine forever, restarting it with backoff when it raises.

    Used for loops that must survive their own bugs (retention, a camera's control task): the
    failure is logged with its traceback and the loop comes back; stop() cancels it.
    """

    def __init__(
        self,
        name: str,
        run: Callable[[], Awaitable[None]],
        backoff: Backoff | None = None,
    ) -> None:
        self.name = name
        self._run = run
        self._backoff = backoff or Backoff()
        self._task: asyncio.Task[None] | None = None
        self.restarts = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _loop(self) -> None:
        attempt = 0
        while True:
            try:
                await self._run()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                delay = self._backoff.delay(attempt)
                log.exception("%s failed; restarting in %.1f s", self.name, delay)
                self.restarts += 1
                attempt += 1
                await asyncio.sleep(delay)
