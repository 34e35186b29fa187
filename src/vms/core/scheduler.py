"""One scheduler for every periodic job: retention, the purges, the run heartbeat, analytics.

Each job runs its blocking function in a worker thread every interval, with jitter so jobs
started together do not hit the database together for ever. A job that raises is logged and
counted and runs again at its next turn: one room's failing purge never skips another room's, nor
its own next run. `wake()` (safe from any thread) runs a job at once, e.g. retention when a
recorder reports a full disk.

Stopping a job waits for a run in progress to finish instead of cancelling it: the worker thread
could not be cancelled anyway, and the parts stopped after it (the database) must outlive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from vms.core.lifecycle import Part, Role

log = logging.getLogger(__name__)

Waiter = Callable[[asyncio.Event, float], Awaitable[None]]


async def wait_or_timeout(event: asyncio.Event, timeout_s: float) -> None:
    """Return when `event` is set or `timeout_s` has passed, whichever comes first."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout_s)


@dataclass(frozen=True, slots=True)
class JobStats:
    """A job's counters, for telemetry."""

    name: str
    runs: int
    failures: int
    last_duration_s: float | None


class PeriodicJob:
    """A blocking function to run every `interval_s` (± `jitter` of it) until stopped.

    `run_at_start`: the first run comes at once instead of one interval after the start.
    The counters are written by the scheduler only, read by anyone.
    """

    def __init__(
        self,
        name: str,
        interval_s: float,
        fn: Callable[[], object],
        *,
        jitter: float = 0.1,
        run_at_start: bool = False,
    ) -> None:
        if interval_s <= 0 or not 0 <= jitter < 1:
            raise ValueError(f"job {name}: interval must be > 0 and jitter in [0, 1)")
        self.name = name
        self.interval_s = interval_s
        self.fn = fn
        self.jitter = jitter
        self.run_at_start = run_at_start
        self.runs = 0
        self.failures = 0
        self.last_duration_s: float | None = None
        self._woken = False
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def next_delay(self, rng: random.Random) -> float:
        """Seconds until the next run: the interval, moved by up to ± jitter of it."""
        spread = self.interval_s * self.jitter
        return self.interval_s + rng.uniform(-spread, spread)

    def wake(self) -> None:
        """Run as soon as possible (from any thread); a wake during a run runs it once more."""
        self._woken = True
        loop, event = self._loop, self._event
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing left to wake
                loop.call_soon_threadsafe(event.set)

    def stats(self) -> JobStats:
        return JobStats(self.name, self.runs, self.failures, self.last_duration_s)


class Scheduler:
    """Runs periodic jobs on the event loop, each in its own task, their bodies in threads.

    `waiter`, `rng` and `monotonic` are the seams tests replace to run without real time.
    """

    def __init__(
        self,
        *,
        waiter: Waiter = wait_or_timeout,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._waiter = waiter
        self._rng = rng or random.Random()
        self._monotonic = monotonic
        self._tasks: dict[PeriodicJob, asyncio.Task[None]] = {}
        self.jobs: list[PeriodicJob] = []  # every job started here, in start order

    def part(self, job: PeriodicJob, role: Role) -> Part:
        """The lifecycle part that runs `job` on this scheduler from its start to its stop."""

        async def start() -> None:
            await self.start_job(job)

        async def stop() -> None:
            await self.stop_job(job)

        return Part(job.name, role, start, stop)

    def job_stats(self) -> list[JobStats]:
        """Every job's counters (the telemetry room's `JobStatsProvider`)."""
        return [job.stats() for job in self.jobs]

    async def start_job(self, job: PeriodicJob) -> None:
        if job not in self.jobs:  # kept after its stop, so its counters stay readable
            self.jobs.append(job)
        job._loop = asyncio.get_running_loop()
        job._event = asyncio.Event()
        job._stopping = False
        self._tasks[job] = asyncio.create_task(self._loop(job, job._event), name=job.name)

    async def stop_job(self, job: PeriodicJob) -> None:
        task = self._tasks.pop(job, None)
        if task is None:
            return
        job._stopping = True
        if job._event is not None:
            job._event.set()
        await task
        job._loop = job._event = None

    async def run_once(self, job: PeriodicJob) -> bool:
        """Run the job's function once in a thread; False (logged, counted) when it raised."""
        began = self._monotonic()
        try:
            await asyncio.to_thread(job.fn)
        except Exception:
            job.failures += 1
            log.exception("periodic job %s failed; it runs again at its next turn", job.name)
            return False
        finally:
            job.runs += 1
            job.last_duration_s = self._monotonic() - began
        return True

    async def _loop(self, job: PeriodicJob, event: asyncio.Event) -> None:
        delay = 0.0 if job.run_at_start else job.next_delay(self._rng)
        while True:
            if delay > 0 and not job._woken:
                await self._waiter(event, delay)
            if job._stopping:
                return
            event.clear()
            job._woken = False
            await self.run_once(job)
            delay = job.next_delay(self._rng)
