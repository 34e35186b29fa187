"""The one helper through which threads hand work to the asyncio event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVarTuple, Unpack

Ts = TypeVarTuple("Ts")


def call_in_loop(
    loop: asyncio.AbstractEventLoop, func: Callable[[Unpack[Ts]], object], *args: *Ts
) -> bool:
    """Schedule ``func(*args)`` on ``loop`` from any thread; False if the loop is closed."""
    if loop.is_closed():
        return False
    try:
        loop.call_soon_threadsafe(func, *args)
    except RuntimeError:  # loop closed between the check and the call
        return False
    return True
