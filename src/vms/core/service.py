"""The two shapes of a long-lived part, and the one backoff rule every retry loop uses.

A part is either a `Service` (async start and stop, run in order by `vms.core.lifecycle`) or a
periodic job on the shared scheduler (`vms.core.scheduler`). Every long-lived activity (a
camera's threads too) belongs to one of them, so the composition root's list names it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol


class Service(Protocol):
    """A part with a lifetime: started once, stopped once (its name lives in its `Part`)."""

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
