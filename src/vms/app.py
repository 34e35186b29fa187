"""Composition root: the parts one VMS process runs, in order, and the API over them.

`vms.services.build` makes the object graph; `parts` lists what runs, as data, in start order
(stop is the same list backwards, see `vms.core.lifecycle`); `create_app` runs that list in the
web server's lifespan. No logic lives here: each part's work is in its room.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from vms import __version__
from vms.api.app import create_api
from vms.api.doors import Doors
from vms.api.web import mount_web_client
from vms.cameras.door import CamerasFacade
from vms.cameras.stats import CameraMetrics, StorageMetrics
from vms.cameras.system import ReadinessCheck, SystemFacade
from vms.core.bus import SegmentsDeleted
from vms.core.clock import SystemClock
from vms.core.lifecycle import Lifecycle, Part, Role, blocking_part, service_part
from vms.core.scheduler import PeriodicJob
from vms.core.service import Service
from vms.events.archive import archive_of
from vms.ingest.probe import ProbeRunner
from vms.services import Services
from vms.storage.repair import repair_index
from vms.telemetry.history import MetricsHistory
from vms.telemetry.metrics import build_registry, render_metrics
from vms.telemetry.providers import MetricsProviders, RetentionTally

log = logging.getLogger(__name__)


HEARTBEAT_S = 30.0  # how far behind "VMS was running until" may be after a crash
PURGE_S = 30.0  # expired sessions, exports and events: each room's purge is its own job


def parts(services: Services, history: Service) -> list[Part]:
    """Every long-lived part, in start order; stop runs the list backwards.

    Repair comes before the cameras that write segments; the cameras stop after the live views
    and analytics that read their hubs; the run's final heartbeat and the database come last.
    """
    s, jobs = services, services.scheduler
    run_days = s.settings.playback.export_retention_days
    return [
        blocking_part("database", Role.CORE, stop=s.engine.dispose),
        blocking_part("index repair", Role.STORAGE, start=functools.partial(_repair, s)),
        blocking_part(
            "run", Role.CORE, start=functools.partial(_begin_run, s), stop=s.heartbeat.beat
        ),
        blocking_part(
            "exports", Role.PLAYBACK, start=s.playback.jobs.start, stop=s.playback.jobs.stop
        ),
        blocking_part("events", Role.ANALYTICS, start=s.events.start),
        service_part("event delivery", Role.ANALYTICS, s.events.delivery.deliverer),
        blocking_part(
            "cameras",
            Role.RECORDING,
            start=functools.partial(s.cameras.start, s.settings.cameras),
            stop=s.cameras.stop,
        ),
        service_part("live", Role.LIVE, s.live),
        service_part("metrics history", Role.API, history),
        blocking_part("heap freeze", Role.CORE, start=_freeze_heap),
        jobs.part(s.retention.job, Role.STORAGE),
        jobs.part(PeriodicJob("run heartbeat", HEARTBEAT_S, s.heartbeat.beat), Role.CORE),
        jobs.part(
            PeriodicJob(
                "export purge", PURGE_S, functools.partial(s.playback.jobs.purge, run_days)
            ),
            Role.PLAYBACK,
        ),
        jobs.part(PeriodicJob("session purge", PURGE_S, s.auth.sessions.purge_expired), Role.API),
        jobs.part(PeriodicJob("event purge", PURGE_S, s.events.purge), Role.ANALYTICS),
        *_archive(s),
        blocking_part(  # before the taps that feed it, stopped after them
            "inference workers",
            Role.ANALYTICS,
            start=s.analytics.start_inference,
            stop=s.analytics.stop_inference,
        ),
        blocking_part("motion taps", Role.ANALYTICS, stop=s.analytics.stop),  # open events close
        jobs.part(s.analytics.reconcile_job(), Role.ANALYTICS),
    ]


def _archive(services: Services) -> list[Part]:
    """The events archive's daily files, when it is on (`events.archive.enabled`)."""
    if not services.settings.events.archive.enabled:
        return []
    data_dir = services.settings.storage.data_dir
    archive = archive_of(services.events, services.clock, data_dir)
    return [services.scheduler.part(archive.job(), Role.ANALYTICS)]


def _repair(services: Services) -> None:
    """Before any recorder writes: finish interrupted deletes, index files a crash left out."""
    report = repair_index(services.index, services.pools)
    if report.changed:
        log.info("index repaired at start: %s", report)


def _begin_run(services: Services) -> None:
    """Outages the last run left open end when it was last seen; this run begins now."""
    last_seen_ms = services.heartbeat.last_seen_ms()
    services.outages.close_dangling(last_seen_ms or services.clock.now_ms())
    services.heartbeat.begin()


def _freeze_heap() -> None:
    """Start-up built a large heap (FastAPI, SQLAlchemy, pydantic) that lives for the whole
    process; freezing it keeps the garbage collector, which the media path's per-packet objects
    run often, from walking it again and again (about 1 ms per camera-second)."""
    gc.collect()
    gc.freeze()


def _api(services: Services) -> tuple[FastAPI, MetricsHistory]:
    """The API wired to the rooms' doors, and the metrics history its charts read."""
    tally = RetentionTally()
    services.bus.subscribe(SegmentsDeleted, tally.record)
    camera_metrics = CameraMetrics(services.cameras, services.supervisor, services.clock)
    providers = MetricsProviders(
        cameras=camera_metrics,
        recorders=camera_metrics,
        storage=StorageMetrics(services.pools, services.index, services.clock),
        retention=tally,
        live=services.live.metrics,
        analytics=services.analytics,
        inference=services.analytics,
        jobs=services.scheduler,
    )
    registry = build_registry(providers)
    history = MetricsHistory(providers, services.clock)  # the web client's charts
    system = SystemFacade(
        version=__version__,
        readiness=ReadinessCheck(services.engine, services.pools, services.cameras),
        history=history,
        cameras=camera_metrics,
        pools=services.pools,
        clock=services.clock,
        prometheus=functools.partial(render_metrics, registry),
    )
    probes = ProbeRunner(SystemClock())  # a probe waits on a real camera: real time
    doors = Doors(
        auth=services.auth,
        cameras=CamerasFacade(services.cameras, services.index, services.pools, probes),
        playback=services.playback,
        live=services.live,
        events=services.events,
        zones=services.zones,
        rules=services.rules,
        analytics=services.analytics,
        system=system,
    )
    api = create_api(doors, version=__version__)
    return api, history


def create_app(services: Services) -> FastAPI:
    """The FastAPI application whose lifespan starts and stops every service."""
    api, history = _api(services)
    lifecycle = Lifecycle(parts(services, history))

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await lifecycle.start()
        try:
            yield
        finally:
            await lifecycle.stop()

    mount_web_client(api, services.settings.server.web_dir)  # last: its page route catches all
    api.router.lifespan_context = lifespan
    return api
