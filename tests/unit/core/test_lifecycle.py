"""The lifecycle starts parts in order, stops them in reverse, and never half-starts a process."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from vms.core.lifecycle import Lifecycle, Part, Role, blocking_part, service_part


class Recorded:
    """A service that writes its start and stop into a shared journal, failing when told."""

    def __init__(self, name: str, journal: list[str], *, fail: str = "") -> None:
        self.name = name
        self.journal = journal
        self.fail = fail

    async def start(self) -> None:
        if self.fail == "start":
            raise RuntimeError(f"{self.name} cannot start")
        self.journal.append(f"start {self.name}")

    async def stop(self) -> None:
        self.journal.append(f"stop {self.name}")
        if self.fail == "stop":
            raise RuntimeError(f"{self.name} cannot stop")


def parts(journal: list[str], **fail: str) -> list[Part]:
    return [
        service_part(name, role, Recorded(name, journal, fail=fail.get(name, "")))
        for name, role in (("db", Role.CORE), ("cameras", Role.RECORDING), ("live", Role.LIVE))
    ]


async def test_starts_forwards_and_stops_backwards() -> None:
    journal: list[str] = []
    lifecycle = Lifecycle(parts(journal))
    await lifecycle.start()
    await lifecycle.stop()
    assert journal == [
        "start db",
        "start cameras",
        "start live",
        "stop live",
        "stop cameras",
        "stop db",
    ]
    await lifecycle.stop()  # a second stop has nothing left to stop
    assert len(journal) == 6


async def test_a_part_failing_to_start_stops_the_ones_before_it() -> None:
    journal: list[str] = []
    lifecycle = Lifecycle(parts(journal, live="start"))
    with pytest.raises(RuntimeError, match="live cannot start"):
        await lifecycle.start()
    assert journal == ["start db", "start cameras", "stop cameras", "stop db"]


async def test_a_failing_stop_is_logged_and_the_others_still_stop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    journal: list[str] = []
    lifecycle = Lifecycle(parts(journal, cameras="stop"))
    await lifecycle.start()
    with caplog.at_level(logging.ERROR, logger="vms.core.lifecycle"):
        await lifecycle.stop()
    assert journal[3:] == ["stop live", "stop cameras", "stop db"]
    assert "cameras failed to stop" in caplog.text


async def test_only_picks_roles_and_keeps_the_order() -> None:
    journal: list[str] = []
    lifecycle = Lifecycle(parts(journal)).only([Role.LIVE, Role.CORE])
    assert [part.name for part in lifecycle.parts] == ["db", "live"]
    await lifecycle.start()
    await lifecycle.stop()
    assert journal == ["start db", "start live", "stop live", "stop db"]


async def test_blocking_parts_run_off_the_event_loop() -> None:
    loop_thread = threading.get_ident()
    threads: list[int] = []
    part = blocking_part(
        "repair", Role.STORAGE, start=lambda: threads.append(threading.get_ident())
    )
    lifecycle = Lifecycle([part, blocking_part("nothing", Role.CORE)])
    await lifecycle.start()
    await lifecycle.stop()
    assert len(threads) == 1
    assert threads[0] != loop_thread


async def test_cancelled_while_starting_stops_what_started() -> None:
    journal: list[str] = []
    entered = asyncio.Event()

    async def hang() -> None:
        entered.set()
        await asyncio.Event().wait()  # never set: only a cancel ends it

    lifecycle = Lifecycle([*parts(journal)[:1], Part("slow", Role.CORE, start=hang)])
    task = asyncio.create_task(lifecycle.start())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert journal == ["start db", "stop db"]


def test_part_names_are_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        Lifecycle([blocking_part("x", Role.CORE), blocking_part("x", Role.API)])
