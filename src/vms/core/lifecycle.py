"""The ordered list of parts one VMS process runs, started forwards and stopped backwards.

Start order is a dependency order written once, as data: the database before the repair that
reads it, the repair before the cameras that write segments, the cameras before the live views
that read their hubs. Stopping in exactly the reverse order keeps every part's readers and writers
alive while it stops, so there is no second, hand-kept stop order to drift from the first.

Each part carries a role. A later cluster deployment runs only some roles in one process
(`Lifecycle.only`); the order of what remains is still the one written here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from vms.core.service import Service

log = logging.getLogger(__name__)


class Role(StrEnum):
    """What a part is for, so a process can run a subset of them."""

    CORE = "core"  # database, run bookkeeping, the shared scheduler: every process needs them
    STORAGE = "storage"  # index repair and retention
    RECORDING = "recording"  # cameras and their recorders
    LIVE = "live"
    PLAYBACK = "playback"  # exports and their purge
    ANALYTICS = "analytics"  # motion detection and events
    API = "api"  # the HTTP API, its sessions and the metrics history behind its charts


async def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class Part:
    """One named step of the lifecycle; either of `start` and `stop` may do nothing."""

    name: str
    role: Role
    start: Callable[[], Awaitable[None]] = _nothing
    stop: Callable[[], Awaitable[None]] = _nothing


def service_part(name: str, role: Role, service: Service) -> Part:
    """A part for a `Service`: its own async start and stop."""
    return Part(name, role, service.start, service.stop)


def blocking_part(
    name: str,
    role: Role,
    *,
    start: Callable[[], object] | None = None,
    stop: Callable[[], object] | None = None,
) -> Part:
    """A part whose start and stop are blocking calls (database, threads): run off the loop."""

    def in_thread(fn: Callable[[], object] | None) -> Callable[[], Awaitable[None]]:
        if fn is None:
            return _nothing

        async def call() -> None:
            await asyncio.to_thread(fn)

        return call

    return Part(name, role, in_thread(start), in_thread(stop))


class Lifecycle:
    """Starts parts in order and stops the started ones in reverse; itself a `Service`.

    A part that fails to start stops the parts already started (in reverse) and its error
    propagates: a half-started process never keeps running. A part that fails to stop is logged
    and the others still stop, so one bad stop never leaves cameras writing or the database open.
    """

    def __init__(self, parts: Sequence[Part]) -> None:
        names = [part.name for part in parts]
        if len(set(names)) != len(names):
            raise ValueError(f"part names must be unique: {names}")
        self.parts = tuple(parts)
        self._started: list[Part] = []

    def only(self, roles: Iterable[Role]) -> Lifecycle:
        """The parts of the given roles, in the same order."""
        wanted = frozenset(roles)
        return Lifecycle([part for part in self.parts if part.role in wanted])

    async def start(self) -> None:
        for part in self.parts:
            log.debug("starting %s", part.name)
            try:
                await part.start()
            except BaseException:  # cancelled while starting too: undo what did start
                log.error("%s failed to start; stopping the parts already started", part.name)
                await self.stop()
                raise
            self._started.append(part)

    async def stop(self) -> None:
        while self._started:
            part = self._started.pop()
            log.debug("stopping %s", part.name)
            try:
                await part.stop()
            except Exception:
                log.exception("%s failed to stop; stopping the others", part.name)
