"""The object graph of one VMS process: every room's service, built once and wired; none runs.

`build` decides who gets which store and callback; `vms.app` decides in which order they start
and stop. A process that runs only some parts (a later cluster role) still builds this graph.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from vms import __version__
from vms.analytics.rules_repo import RulesRepo
from vms.analytics.service import AnalyticsService, WatchedStream, detector_spec
from vms.analytics.zones_repo import ZonesRepo
from vms.auth.service import Auth
from vms.cameras.cameras_repo import CamerasRepo
from vms.cameras.manager import CameraManager, RecorderFactory
from vms.config import Settings
from vms.config.analytics import AnalyticsSettings
from vms.core.bus import Bus, SourceHealthChanged
from vms.core.clock import Clock, SystemClock
from vms.core.errors import NotFoundError
from vms.core.ids import CameraId, StreamName
from vms.core.scheduler import Scheduler
from vms.db.engine import create_engine, migrate
from vms.events.mqtt_discovery import MqttCamera
from vms.events.service import EventService, build_events
from vms.ingest.supervisor import CameraSupervisor
from vms.live.service import LiveService
from vms.media.rtsp.auth import RtspAuth
from vms.playback.facade import PlaybackFacade
from vms.playback.facts import OutageRecorder, RunHeartbeat
from vms.playback.setup import build_playback
from vms.recording.modes import RecordingMode
from vms.recording.recorder import PacketFeed, Recorder
from vms.recording.settings import RecorderServices, RecorderSettings
from vms.storage.index import SegmentIndex
from vms.storage.locks import EvidenceLocks
from vms.storage.pools import StoragePools
from vms.storage.retention_job import RetentionJob
from vms.storage.setup import Storage, default_policy


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
    retention: RetentionJob
    scheduler: Scheduler
    playback: PlaybackFacade
    outages: OutageRecorder
    heartbeat: RunHeartbeat
    live: LiveService
    auth: Auth
    zones: ZonesRepo
    rules: RulesRepo
    events: EventService
    analytics: AnalyticsService


def build(settings: Settings, clock: Clock | None = None) -> Services:
    """Create every service (nothing runs yet); the database is migrated here."""
    clock = clock or SystemClock()
    settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
    bus = Bus()
    engine = create_engine(settings.database.url)
    migrate(engine)
    storage = Storage.build(settings.storage, engine, clock)
    supervisor = CameraSupervisor(clock=clock, bus=bus)
    heartbeat = RunHeartbeat(engine, clock, __version__)

    def storage_error(message: str) -> None:
        # A recorder that cannot write wakes retention at once (made below: it needs `cameras`).
        retention.on_storage_error(message)

    make_recorder = _recorders(settings, storage, clock, bus, storage_error)
    cameras = CameraManager(
        CamerasRepo(engine, clock),
        supervisor,
        make_recorder,
        default_retention=default_policy(settings.retention),
    )
    retention = storage.retention_job(
        settings.retention,
        settings.storage,
        clock=clock,
        bus=bus,
        policies=cameras.retention_policies,
    )
    outages = OutageRecorder(engine, clock)
    bus.subscribe(SourceHealthChanged, outages.on_health)
    auth = Auth.build(engine, clock, settings.auth)
    zones, rules = _drawn_areas(settings, engine, clock)
    events = _events(settings, engine, clock, bus, cameras=cameras, zones=zones)
    playback = build_playback(
        settings.playback, settings.storage.data_dir, engine, clock, storage=storage, run=heartbeat
    )
    return Services(
        settings=settings,
        clock=clock,
        bus=bus,
        engine=engine,
        pools=storage.pools,
        index=storage.index,
        locks=storage.locks,
        supervisor=supervisor,
        cameras=cameras,
        retention=retention,
        scheduler=Scheduler(),
        playback=playback,
        outages=outages,
        heartbeat=heartbeat,
        live=_live(settings, supervisor, clock, auth),
        auth=auth,
        zones=zones,
        rules=rules,
        events=events,
        analytics=_analytics(settings, bus, supervisor, cameras, zones=zones, rules=rules),
    )


def _recorders(
    settings: Settings,
    storage: Storage,
    clock: Clock,
    bus: Bus,
    on_storage_error: Callable[[str], None],
) -> RecorderFactory:
    """The camera manager's recorder factory; a storage error wakes retention at once."""
    recorder_services = RecorderServices(
        storage.pools,
        storage.index,
        clock,
        bus,
        storage.open_segments,
        on_storage_error=on_storage_error,
        locks=storage.locks,
    )
    recorder_settings = RecorderSettings.from_config(settings.recording)

    def make_recorder(
        camera_id: CameraId, stream: StreamName, feed: PacketFeed, mode: RecordingMode
    ) -> Recorder:
        return Recorder(camera_id, stream, feed, recorder_services, recorder_settings, mode=mode)

    return make_recorder


def _live(
    settings: Settings, supervisor: CameraSupervisor, clock: Clock, auth: Auth
) -> LiveService:
    """Live views over the cameras' hubs; its RTSP server signs users in like the API does."""
    return LiveService(
        settings.live,
        supervisor,
        clock,
        host=settings.server.host,
        rtsp_port=settings.server.rtsp_port,
        rtsp_auth=RtspAuth.for_users(auth.sessions.rtsp_verify),
    )


def _drawn_areas(settings: Settings, engine: Engine, clock: Clock) -> tuple[ZonesRepo, RulesRepo]:
    """The zones drawn on each camera, and the rules that name them."""
    zones = ZonesRepo(engine, clock)
    return zones, RulesRepo(engine, clock, zones, settings.analytics.timezone)


def _events(
    settings: Settings,
    engine: Engine,
    clock: Clock,
    bus: Bus,
    *,
    cameras: CameraManager,
    zones: ZonesRepo,
) -> EventService:
    """The events room, fed by the bus; its MQTT target announces the cameras and their zones."""
    mqtt_cameras = functools.partial(_mqtt_cameras, cameras, zones)
    events = build_events(
        engine, clock, settings.events, cameras=mqtt_cameras, timezone=settings.analytics.timezone
    )
    events.attach(bus)
    return events


def _mqtt_cameras(cameras: CameraManager, zones: ZonesRepo) -> list[MqttCamera]:
    """The cameras the MQTT target announces (Home Assistant discovery, state topics), with the
    names of their zones (polygons: lines and masks hold no objects to count). Blocking."""
    found = []
    for config in cameras.cameras():
        try:
            drawn = zones.list(config.camera_id)
        except NotFoundError:  # removed in between
            continue
        names = tuple(zone.name for zone in drawn if zone.kind == "zone")
        found.append(MqttCamera(config.camera_id, config.name or config.camera_id, names))
    return found


def _analytics(
    settings: Settings,
    bus: Bus,
    supervisor: CameraSupervisor,
    cameras: CameraManager,
    *,
    zones: ZonesRepo,
    rules: RulesRepo,
) -> AnalyticsService:
    """Motion and object detection on the cameras that ask for them, with their zones."""
    watched = functools.partial(_analysed_cameras, cameras, settings.analytics)
    return AnalyticsService(
        bus=bus,
        hubs=supervisor,
        watched=watched,
        zones=zones.list,
        settings=settings.analytics,
        detector=detector_spec(settings.analytics),
        rules=rules.rules_of,
    )


def _analysed_cameras(cameras: CameraManager, analytics: AnalyticsSettings) -> list[WatchedStream]:
    """The cameras with motion or object detection on (their own `detect`, else the site's
    default), each on its sub stream when it has one."""
    watched = []
    for config in cameras.cameras():
        detect = analytics.detect_mode(config)
        if config.enabled and (config.motion or detect != "off"):
            stream = StreamName.SUB if config.sub_url else StreamName.MAIN
            watched.append(WatchedStream(config.camera_id, stream, config.motion, detect))
    return watched
