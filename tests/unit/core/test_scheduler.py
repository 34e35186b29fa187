"""Periodic jobs: isolated failures, counters, jitter within bounds, wake-up, graceful stop.

Time is replaced: the waiter records each delay asked for and returns only when the job is
woken or stopped, so nothing here sleeps or depends on the machine's speed.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable

import pytest

from vms.core.lifecycle import Lifecycle, Role
from vms.core.scheduler import PeriodicJob, Scheduler


class FakeTime:
    """A waiter that never times out by itself, and a monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.now_s = 0.0

    async def waiter(self, event: asyncio.Event, timeout_s: float) -> None:
        self.delays.append(timeout_s)
        await event.wait()

    def monotonic(self) -> float:
        return self.now_s


async def until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Wait for a condition another task or thread makes true (never a fixed sleep)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def scheduler(fake_time: FakeTime) -> Scheduler:
    return Scheduler(waiter=fake_time.waiter, rng=random.Random(7), monotonic=fake_time.monotonic)


async def test_a_failing_job_is_counted_and_never_stops_itself_or_the_others(
    scheduler: Scheduler, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []

    def broken() -> None:
        calls.append("broken")
        raise RuntimeError("database is locked")

    bad = PeriodicJob("purge", 30, broken, run_at_start=True)
    good = PeriodicJob("heartbeat", 30, lambda: calls.append("good"), run_at_start=True)
    lifecycle = Lifecycle([scheduler.part(bad, Role.API), scheduler.part(good, Role.CORE)])
    await lifecycle.start()
    await until(lambda: bad.runs == 1 and good.runs == 1)
    bad.wake()
    good.wake()
    await until(lambda: bad.runs == 2 and good.runs == 2)
    await lifecycle.stop()
    assert (bad.runs, bad.failures, good.runs, good.failures) == (2, 2, 2, 0)
    assert calls.count("broken") == 2
    assert "periodic job purge failed" in caplog.text
    assert [stats.name for stats in scheduler.job_stats()] == ["purge", "heartbeat"]


async def test_run_once_records_the_duration(fake_time: FakeTime, scheduler: Scheduler) -> None:
    def work() -> None:
        fake_time.now_s += 2.5

    job = PeriodicJob("retention", 60, work)
    assert job.stats().last_duration_s is None
    assert await scheduler.run_once(job) is True
    stats = job.stats()
    assert (stats.runs, stats.failures, stats.last_duration_s) == (1, 0, 2.5)


def test_jitter_stays_within_its_bounds() -> None:
    job = PeriodicJob("events purge", 100, lambda: None, jitter=0.2)
    rng = random.Random(1)
    delays = [job.next_delay(rng) for _ in range(2000)]
    assert all(80 <= delay <= 120 for delay in delays)
    assert max(delays) - min(delays) > 30  # really spread, not the interval every time
    assert PeriodicJob("exact", 5, lambda: None, jitter=0).next_delay(rng) == 5


def test_bad_intervals_are_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        PeriodicJob("zero", 0, lambda: None)
    with pytest.raises(ValueError, match="jitter"):
        PeriodicJob("wild", 10, lambda: None, jitter=1.0)


async def test_first_run_waits_an_interval_unless_asked_to_run_at_start(
    fake_time: FakeTime, scheduler: Scheduler
) -> None:
    ran = threading.Event()
    job = PeriodicJob("heartbeat", 30, ran.set, jitter=0.1)
    await scheduler.start_job(job)
    await until(lambda: len(fake_time.delays) == 1)
    assert not ran.is_set()
    assert 27 <= fake_time.delays[0] <= 33
    await scheduler.stop_job(job)
    assert job.runs == 0  # stopping is not a reason to run


async def test_wake_from_another_thread_runs_the_job_at_once(
    fake_time: FakeTime, scheduler: Scheduler
) -> None:
    job = PeriodicJob("retention", 3600, lambda: None)
    await scheduler.start_job(job)
    await until(lambda: len(fake_time.delays) == 1)
    waker = threading.Thread(target=job.wake)
    waker.start()
    waker.join()
    await until(lambda: job.runs == 1)
    await scheduler.stop_job(job)
    assert job.runs == 1


async def test_a_wake_before_the_start_is_kept(scheduler: Scheduler) -> None:
    job = PeriodicJob("retention", 3600, lambda: None)
    job.wake()  # a recorder failed while the app was still starting
    await scheduler.start_job(job)
    await until(lambda: job.runs == 1)
    await scheduler.stop_job(job)


async def test_a_wake_during_a_run_runs_it_once_more(scheduler: Scheduler) -> None:
    entered = threading.Event()
    release = threading.Event()

    def slow() -> None:
        entered.set()
        release.wait()

    job = PeriodicJob("retention", 3600, slow, run_at_start=True)
    await scheduler.start_job(job)
    await asyncio.to_thread(entered.wait)
    job.wake()  # the disk filled up while the pass was already running
    entered.clear()
    release.set()
    await until(lambda: job.runs == 2)
    await scheduler.stop_job(job)


async def test_stop_waits_for_the_run_in_progress(scheduler: Scheduler) -> None:
    entered = threading.Event()
    release = threading.Event()
    finished: list[bool] = []

    def slow() -> None:
        entered.set()
        release.wait()
        finished.append(True)

    job = PeriodicJob("retention", 3600, slow, run_at_start=True)
    await scheduler.start_job(job)
    await asyncio.to_thread(entered.wait)
    stopping = asyncio.create_task(scheduler.stop_job(job))
    await asyncio.sleep(0)  # let the stop begin: it must now wait for the pass
    assert not stopping.done()
    release.set()
    await stopping
    assert finished == [True]
    assert job.runs == 1
