"""Composition root: builds the services in declared order, wires them, runs them; no logic."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import os
import socket
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from vms import __version__
from vms.analytics.service import AnalyticsService, WatchedStream
from vms.api.app import create_api
from vms.api.routes.system import SystemServices, install_system_services
from vms.api.service_backend import ServiceBackend
from vms.api.web import mount_web_client
from vms.auth.models import Role
from vms.auth.service import Auth
from vms.cameras.manager import CameraManager
from vms.cameras.stats import CameraMetrics, StorageMetrics
from vms.config import Settings
from vms.config.loader import ADMIN_PASSWORD_ENV
from vms.core.bus import Bus, SegmentsDeleted, SourceHealthChanged
from vms.core.clock import Clock, SystemClock
from vms.core.errors import ConflictError, VmsError
from vms.core.filelock import exclusive_lock
from vms.core.ids import CameraId, StreamName
from vms.core.malloc import pin_mmap_threshold
from vms.db.cameras_repo import CamerasRepo
from vms.db.engine import create_engine, migrate
from vms.db.zones_repo import ZonesRepo
from vms.events.service import EventService
from vms.events.store import EventStore
from vms.ingest.supervisor import CameraSupervisor
from vms.live.service import LiveService
from vms.media.rtsp.auth import RtspAuth
from vms.playback.facade import PlaybackFacade
from vms.playback.facts import OutageRecorder, RunHeartbeat
from vms.playback.jobs import ExportJobs
from vms.playback.service import PlaybackLimits, PlaybackService
from vms.playback.signing import SiteKey
from vms.recording.recorder import PacketFeed, Recorder
from vms.storage.index import SegmentIndex
from vms.storage.locks import EvidenceLocks
from vms.storage.open_segments import OpenSegments
from vms.storage.pools import StoragePool, StoragePools
from vms.storage.repair import FileOutcome, RepairReport, repair_index
from vms.storage.retention import Retention, RetentionPolicy
from vms.storage.retention_marks import RetentionMarks
from vms.telemetry.history import MetricsHistory
from vms.telemetry.logging import configure_logging
from vms.telemetry.metrics import build_registry, render_metrics
from vms.telemetry.providers import MetricsProviders, RetentionTally

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Services:
    """Everything one VMS process runs, built once by `build`."""

    settings: Settings
    clock: Clock
    bus: Bus
    engine: Engine
    pools: StoragePools
    index: SegmentIndex
    locks: EvidenceLocks
    supervisor: CameraSupervisor
    cameras: CameraManager
    retention: Retention
    retention_wakeup: threading.Event
    playback: PlaybackFacade
    outages: OutageRecorder
    heartbeat: RunHeartbeat
    live: LiveService
    auth: Auth
    zones: ZonesRepo
    events: EventService
    analytics: AnalyticsService


HEARTBEAT_S = 30.0


def _playback(
    settings: Settings,
    engine: Engine,
    clock: Clock,
    *,
    index: SegmentIndex,
    pools: StoragePools,
    locks: EvidenceLocks,
    marks: RetentionMarks,
    open_segments: OpenSegments,
    run: RunHeartbeat,
) -> PlaybackFacade:
    limits = PlaybackLimits(
        settings.playback.max_range_s * 1000, settings.playback.max_timeline_range_s * 1000
    )
    service = PlaybackService(
        engine,
        index,
        pools,
        clock,
        marks=marks,
        limits=limits,
        open_segments=open_segments,
        run=run,
    )
    key = SiteKey.load_or_create(settings.storage.data_dir)
    exports_dir = settings.playback.exports_dir or settings.storage.data_dir / "exports"
    jobs = ExportJobs(
        engine,
        clock,
        locks=locks,
        key=key,
        exports_dir=exports_dir,
        find_sources=service.export_sources,
        version=__version__,
    )
    return PlaybackFacade(service, jobs, key)


def _pools(settings: Settings, index: SegmentIndex) -> StoragePools:
    pools = []
    for pool in settings.storage.pools:
        try:
            pool.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # reported by /readyz and the recorders; VMS still starts
            log.error("storage pool %s at %s cannot be created: %s", pool.name, pool.path, exc)
        pools.append(
            StoragePool(
                pool.name, pool.path, media_bytes=functools.partial(index.pool_bytes, pool.name)
            )
        )
    return StoragePools(pools)


def _free_space_floor_bytes(settings: Settings, pools: StoragePools) -> int:
    storage = settings.storage
    if storage.free_space_floor_bytes is not None:
        return storage.free_space_floor_bytes
    percent = storage.free_space_floor_percent or 0.0
    totals = []
    for pool in pools:
        with contextlib.suppress(OSError):  # a missing pool has no size to take a share of
            totals.append(pool.disk_usage().total_bytes)
    return int(min(totals) * percent / 100) if totals else 0


def build(settings: Settings, clock: Clock | None = None) -> Services:
    """Create every service (nothing runs yet); the database is migrated here."""
    clock = clock or SystemClock()
    settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
    bus = Bus()
    engine = create_engine(settings.database.url)
    migrate(engine)
    index = SegmentIndex(engine)
    locks = EvidenceLocks(engine, clock)
    pools = _pools(settings, index)
    supervisor = CameraSupervisor(clock=clock, bus=bus)
    wakeup = threading.Event()
    open_segments = OpenSegments()  # recorders publish their open files here, playback reads
    heartbeat = RunHeartbeat(engine, clock, __version__)

    def make_recorder(camera_id: CameraId, stream: StreamName, feed: PacketFeed) -> Recorder:
        return Recorder(
            camera_id,
            stream,
            feed,
            pools=pools,
            index=index,
            clock=clock,
            bus=bus,
            segment_duration_s=settings.recording.segment_duration_s,
            fragment_ms=settings.recording.fragment_ms,
            on_storage_error=lambda _message: wakeup.set(),
            open_segments=open_segments,
        )

    default_policy = RetentionPolicy(
        max_age_days=settings.retention.default_days,
        max_bytes=settings.retention.default_max_bytes,
    )
    cameras = CameraManager(
        CamerasRepo(engine, clock), supervisor, make_recorder, default_retention=default_policy
    )
    marks = RetentionMarks(engine)
    retention = Retention(
        index,
        locks,
        pools,
        clock=clock,
        bus=bus,
        policies=cameras.retention_policies,
        free_space_floor_bytes=_free_space_floor_bytes(settings, pools),
        default_policy=default_policy,
        marks=marks,
    )
    outages = OutageRecorder(engine, clock)
    bus.subscribe(SourceHealthChanged, outages.on_health)
    auth = Auth.build(engine, clock, settings.auth)
    events = EventService(EventStore(engine, clock), clock, settings.events)
    events.attach(bus)
    zones = ZonesRepo(engine, clock)
    analytics = AnalyticsService(
        bus=bus,
        hubs=supervisor,
        watched=functools.partial(_motion_cameras, cameras),
        zones=zones.list,
        settings=settings.analytics,
    )
    return Services(
        settings,
        clock,
        bus,
        engine,
        pools,
        index,
        locks,
        supervisor,
        cameras,
        retention,
        wakeup,
        _playback(
            settings,
            engine,
            clock,
            index=index,
            pools=pools,
            locks=locks,
            marks=marks,
            open_segments=open_segments,
            run=heartbeat,
        ),
        outages,
        heartbeat,
        LiveService(
            settings.live,
            supervisor,
            clock,
            host=settings.server.host,
            rtsp_port=settings.server.rtsp_port,
            rtsp_auth=RtspAuth.for_users(auth.sessions.rtsp_verify),
        ),
        auth,
        zones,
        events,
        analytics,
    )


def _motion_cameras(cameras: CameraManager) -> list[WatchedStream]:
    """The cameras with motion detection on, each on its sub stream when it has one."""
    return [
        WatchedStream(config.camera_id, StreamName.SUB if config.sub_url else StreamName.MAIN)
        for config in cameras.cameras()
        if config.enabled and config.motion
    ]


async def _retention_loop(services: Services) -> None:
    """Run retention every interval, and at once when a recorder reports a storage error."""
    interval_s = services.settings.retention.interval_s
    while True:
        emergency = services.retention_wakeup.is_set()
        services.retention_wakeup.clear()
        try:
            report = await asyncio.to_thread(services.retention.run_once, emergency=emergency)
            if report.deleted_segments:
                log.info(
                    "retention freed %d segments (%d bytes)%s",
                    report.deleted_segments,
                    report.deleted_bytes,
                    " after a storage error" if emergency else "",
                )
        except Exception:
            log.exception("retention pass failed")
        await asyncio.to_thread(services.retention_wakeup.wait, interval_s)


async def _heartbeat_loop(services: Services) -> None:
    """Move this run's last-seen time forward, and delete exports past their retention."""
    while True:
        await asyncio.sleep(HEARTBEAT_S)
        try:
            await asyncio.to_thread(services.heartbeat.beat)
            await asyncio.to_thread(
                services.playback.jobs.purge, services.settings.playback.export_retention_days
            )
            await asyncio.to_thread(services.auth.sessions.purge_expired)
            await asyncio.to_thread(services.events.purge)
        except Exception:
            log.exception("heartbeat failed")


def _start_playback(services: Services) -> None:
    last_seen_ms = services.heartbeat.last_seen_ms()
    services.outages.close_dangling(last_seen_ms or services.clock.now_ms())
    services.heartbeat.begin()
    services.playback.jobs.start()


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
    )
    registry = build_registry(providers)
    history = MetricsHistory(providers, services.clock)  # the web client's charts
    backend = ServiceBackend(services.cameras, services.index, services.pools, services.engine)
    api = create_api(
        backend,
        auth=services.auth,
        auth_settings=services.settings.auth,
        metrics=lambda: render_metrics(registry),
        version=__version__,
        playback=services.playback,
        live=services.live,
        events=services.events,
    )
    started_ms = services.clock.now_ms()
    system = SystemServices(
        history, camera_metrics, services.pools, services.zones, services.clock, started_ms
    )
    install_system_services(api, system)
    return api, history


def create_app(services: Services) -> FastAPI:
    """The FastAPI application whose lifespan starts and stops every service."""
    api, history = _api(services)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        report = await asyncio.to_thread(repair_index, services.index, services.pools)
        if report.changed:
            log.info("index repaired at start: %s", report)
        await asyncio.to_thread(_start_playback, services)
        await asyncio.to_thread(services.events.start)
        await asyncio.to_thread(services.cameras.start, services.settings.cameras)
        await services.live.start()
        await history.start()
        # Start-up built a large heap (FastAPI, SQLAlchemy, pydantic) that lives for the whole
        # process; freezing it keeps the garbage collector, which the media path's per-packet
        # objects run often, from walking it again and again (about 1 ms per camera-second).
        gc.collect()
        gc.freeze()
        retention = asyncio.create_task(_retention_loop(services), name="retention")
        heartbeat = asyncio.create_task(_heartbeat_loop(services), name="heartbeat")
        analytics = asyncio.create_task(services.analytics.run(), name="analytics")
        try:
            yield
        finally:
            analytics.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await analytics
            await asyncio.to_thread(services.analytics.stop)  # open events close
            await history.stop()
            await services.live.stop()
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await asyncio.to_thread(services.playback.jobs.stop)
            retention.cancel()
            services.retention_wakeup.set()  # release the waiting thread
            with contextlib.suppress(asyncio.CancelledError):
                await retention
            await asyncio.to_thread(services.cameras.stop)
            await asyncio.to_thread(services.heartbeat.beat)
            services.engine.dispose()

    mount_web_client(api, services.settings.server.web_dir)  # last: its page route catches all
    api.router.lifespan_context = lifespan
    return api


class _Server(uvicorn.Server):
    """uvicorn, exiting normally after a graceful stop on SIGTERM/SIGINT.

    uvicorn re-raises the captured signal once it has shut down, so the process would die "by
    SIGTERM" although every segment was closed and indexed; service managers and tests then see
    a failure. VMS exits 0 after a clean stop instead.

    It also ends the server-sent event streams first: uvicorn waits for open responses to finish
    before it stops, and a live event stream never finishes by itself.

    And it ticks once a second instead of ten times: uvicorn's loop wakes only to poll its exit
    flag and to refresh the Date header (a one-second value), and each wake-up of an idle
    process costs more CPU than the work it does (ADR 0011); a signal wakes it at once.
    """

    def __init__(self, config: uvicorn.Config, *, on_shutdown: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_shutdown = on_shutdown
        self._loop: asyncio.AbstractEventLoop | None = None
        self._exit_now = asyncio.Event()

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 10) % 864_000  # on_tick refreshes the Date header at % 10 == 0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_now.wait(), 1.0)
            should_exit = await self.on_tick(counter)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._exit_now.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._on_shutdown()
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            try:
                yield
            finally:
                self._captured_signals.clear()


def serve(settings: Settings) -> int:
    """Run VMS until SIGINT/SIGTERM; returns the process exit code."""
    pin_mmap_threshold()  # before any camera thread allocates (see vms.core.malloc)
    configure_logging(settings.logging.level, settings.logging.format)
    try:
        with exclusive_lock(settings.storage.data_dir / "vms.lock"):
            services = build(settings)
            _first_admin(services)
            server = _Server(
                uvicorn.Config(
                    create_app(services),
                    host=settings.server.host,
                    port=settings.server.port,
                    log_config=None,
                    access_log=False,
                    lifespan="on",
                    # MSE fragments are compressed video: deflating them costs CPU for nothing
                    ws_per_message_deflate=False,
                ),
                on_shutdown=services.events.feed.close,
            )
            log.info(
                "VMS %s listening on http://%s:%d",
                __version__,
                settings.server.host,
                settings.server.port,
            )
            server.run()
            return 0 if server.started else 1
    except ConflictError as exc:
        print(f"vms: {exc}", file=sys.stderr)
        return 1


def _first_admin(services: Services) -> None:
    """On the very first start, make the `admin` user; a made-up password is shown only here."""
    try:
        made_up = services.auth.users.ensure_first_admin(os.environ.get(ADMIN_PASSWORD_ENV))
    except VmsError as exc:
        raise ConflictError(f"{ADMIN_PASSWORD_ENV}: {exc}") from None
    if made_up is not None:
        print(
            f"\nVMS: created the user 'admin' with the password: {made_up}\n"
            "     It is shown only this once; sign in and change it under Settings → Users.\n",
            file=sys.stderr,
            flush=True,
        )


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of a fully wired API, built on a throw-away data folder.

    The web client's types are generated from it at build time (`vms openapi`), so they can never
    drift from the routes the server really has.
    """
    with tempfile.TemporaryDirectory(prefix="vms-openapi-") as folder:
        settings = Settings.model_validate({"storage": {"data_dir": folder}})
        services = build(settings)
        try:
            return create_app(services).openapi()
        finally:
            services.engine.dispose()


def repair(settings: Settings) -> int:
    """`vms index repair`: reconcile index and files while VMS is stopped."""
    configure_logging(settings.logging.level, settings.logging.format)
    try:
        with exclusive_lock(settings.storage.data_dir / "vms.lock"):
            services = build(settings)
            report = repair_index(services.index, services.pools)
    except ConflictError as exc:
        print(f"vms: {exc}", file=sys.stderr)
        return 1
    print(_repair_summary(report))
    return 0


def set_user_password(settings: Settings, username: str, password: str, role: str) -> int:
    """`vms user password`: reset (or make) a user while VMS is stopped; their sessions end."""
    configure_logging(settings.logging.level, settings.logging.format)
    try:
        with exclusive_lock(settings.storage.data_dir / "vms.lock"):
            engine = create_engine(settings.database.url)
            migrate(engine)
            auth = Auth.build(engine, SystemClock(), settings.auth)
            made = auth.users.set_password(username, password, Role(role))
            engine.dispose()
    except VmsError as exc:
        print(f"vms: {exc}", file=sys.stderr)
        return 1
    print(f"{'made' if made else 'changed the password of'} user {username!r}")
    return 0


def _repair_summary(report: RepairReport) -> str:
    """What `vms index repair` did, one line per kind of change, for the operator."""
    lines = [
        f"finished interrupted deletes: {len(report.deletes_finished)}",
        f"dropped rows of missing files: {len(report.rows_dropped)}",
    ]
    lines += [f"files {outcome.value}: {report.count(outcome)}" for outcome in FileOutcome]
    lines += [f"  {item.outcome.value}: {item.path}" for item in report.files]
    if report.pools_skipped:
        lines.append(f"pools skipped (not a directory): {', '.join(report.pools_skipped)}")
    return "\n".join(lines)
