"""The doors of the rooms: everything the HTTP layer needs from the rest of VMS, in one place.

Each room offers the API one facade, and the API says here, as a Protocol, what it uses of it:
cameras (`vms.cameras.door.CamerasFacade`), playback (`vms.playback.facade.PlaybackFacade`), live
(`LiveService`), events (`EventService`), auth (`Auth`), zones and rules (the analytics room's
`ZonesRepo`, `RulesRepo`), analytics (`AnalyticsService`: what its tracker sees now) and system
(`vms.cameras.system.SystemFacade`). The composition root hands `create_api` one `Doors` value;
routes take a door as a parameter through the `...Room` aliases below, which read it from
`app.state.doors`. A door a server was built without answers 503.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol

from fastapi import Depends
from starlette.requests import HTTPConnection

from vms.analytics.rules import Rule
from vms.analytics.rules_repo import StoredRules
from vms.analytics.scenes import SceneObjects
from vms.analytics.zones import Zone
from vms.auth.sessions import Sessions
from vms.auth.users import Users
from vms.cameras.door import SegmentFile
from vms.cameras.manager import CameraStatus
from vms.cameras.system import PoolUsage, Readiness
from vms.config.auth import AuthSettings
from vms.config.cameras import CameraConfig
from vms.core.errors import UnavailableError
from vms.core.ids import CameraId, SegmentId, StreamName
from vms.events.feed import EventFeed
from vms.events.stats import EventStatistics
from vms.events.store import EventStore
from vms.events.targets import Delivery
from vms.ingest.probe import ProbeRequest, ProbeResult
from vms.live.llhls import LlHls
from vms.live.mse import Mse
from vms.live.snapshot import Snapshots
from vms.live.whep import WhepService
from vms.playback.jobs import ExportJob
from vms.playback.service import Playlist, RecordingFile, Timeline
from vms.playback.signing import FileFacts, Verification
from vms.storage.index import SegmentRow
from vms.telemetry.history import HistoryWindow
from vms.telemetry.providers import CameraStreamSample

# Every door raises vms.core.errors types, which the problem handlers map to HTTP statuses:
# NotFoundError 404, ConflictError 409, InvalidInputError 422, UnavailableError 503.


class CamerasDoor(Protocol):
    """Cameras and their status, their recorded segments, and the probe of a stream URL."""

    async def list_cameras(self) -> list[CameraConfig]: ...

    async def get_camera(self, camera_id: CameraId) -> CameraConfig: ...

    async def add_camera(self, camera: CameraConfig) -> CameraConfig: ...

    async def update_camera(
        self, camera_id: CameraId, change: Callable[[CameraConfig], CameraConfig]
    ) -> CameraConfig: ...

    async def remove_camera(self, camera_id: CameraId) -> None: ...

    async def camera_status(self, camera_id: CameraId) -> CameraStatus: ...

    async def list_segments(
        self,
        camera_id: CameraId,
        start_ms: int | None,
        end_ms: int | None,
        stream: StreamName | None,
        limit: int,
    ) -> list[SegmentRow]: ...

    async def segment_file(self, segment_id: SegmentId) -> SegmentFile: ...

    async def probe(self, request: ProbeRequest, timeout_s: float) -> ProbeResult: ...


class PlaybackDoor(Protocol):
    """Timeline, VOD playlists, frames and exports over the recorded segments."""

    async def timeline(
        self,
        camera: CameraId,
        stream: StreamName,
        start_ms: int,
        end_ms: int,
        bucket_ms: int | None,
    ) -> Timeline: ...

    async def playlist(
        self,
        camera: CameraId,
        stream: StreamName,
        start_ms: int,
        end_ms: int,
        uri: Callable[[SegmentId], str],
        *,
        open_uri: Callable[[StreamName, int], str] | None = None,
    ) -> Playlist: ...

    async def recording_file(
        self, camera: CameraId, stream: StreamName, start_ms: int
    ) -> RecordingFile: ...

    async def frame(
        self, camera: CameraId, stream: StreamName, at_ms: int, width: int | None
    ) -> bytes: ...

    async def create_export(
        self, camera: CameraId, stream: StreamName, start_ms: int, end_ms: int, requested_by: str
    ) -> ExportJob: ...

    async def get_export(self, export_id: str) -> ExportJob: ...

    async def list_exports(self) -> list[ExportJob]: ...

    async def cancel_export(self, export_id: str) -> ExportJob: ...

    async def delete_export(self, export_id: str) -> None: ...

    async def export_file(self, export_id: str) -> tuple[ExportJob, Path]: ...

    async def export_manifest(self, export_id: str) -> bytes: ...

    async def verify(
        self, envelope: dict[str, Any], export_id: str | None, file: FileFacts | None
    ) -> Verification: ...


class LiveDoor(Protocol):
    """The live views: WHEP (WebRTC), LL-HLS, MSE over WebSocket and snapshots."""

    @property
    def whep(self) -> WhepService: ...

    @property
    def llhls(self) -> LlHls: ...

    @property
    def mse(self) -> Mse: ...

    @property
    def snapshots(self) -> Snapshots: ...


class EventsDoor(Protocol):
    """Stored events, the live feed of their changes, the clip range of one, and their delivery
    to targets (webhooks)."""

    @property
    def store(self) -> EventStore: ...

    @property
    def feed(self) -> EventFeed: ...

    def clip_range(self, start_ms: int, end_ms: int | None) -> tuple[int, int]: ...

    @property
    def delivery(self) -> Delivery: ...

    @property
    def statistics(self) -> EventStatistics: ...


class AuthDoor(Protocol):
    """Sessions (sign-in, cookies, HTTP Basic) and user administration."""

    @property
    def sessions(self) -> Sessions: ...

    @property
    def users(self) -> Users: ...

    @property
    def settings(self) -> AuthSettings: ...


class ZonesDoor(Protocol):
    """A camera's zones and lines, read and replaced as a whole; blocking."""

    def list(self, camera_id: CameraId) -> builtins.list[Zone]: ...

    def replace(self, camera_id: CameraId, zones: Sequence[Zone]) -> builtins.list[Zone]: ...


class RulesDoor(Protocol):
    """A camera's rules, read (with the ones its zones no longer allow) and replaced as a
    whole; blocking. `replace` raises `RulesRejectedError` with every broken rule."""

    def list(self, camera_id: CameraId) -> StoredRules: ...

    def replace(self, camera_id: CameraId, rules: Sequence[Rule]) -> StoredRules: ...


class AnalyticsDoor(Protocol):
    """What the detectors and the tracker see on each camera now (the live overlay)."""

    def scene_objects(self, camera_id: CameraId) -> SceneObjects | None: ...


class SystemDoor(Protocol):
    """Readiness, metrics (now and the last hour), pools and uptime."""

    @property
    def version(self) -> str: ...

    async def readiness(self) -> Readiness: ...

    async def prometheus(self) -> tuple[bytes, str]: ...

    async def metrics_history(
        self, window_s: int, step_s: int, names: Iterable[str] | None
    ) -> HistoryWindow: ...

    async def camera_samples(self) -> Sequence[CameraStreamSample]: ...

    async def pool_usage(self) -> list[PoolUsage]: ...

    def uptime_ms(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Doors:
    """One door per room; a server (or a test) built without a room leaves its door None."""

    auth: AuthDoor
    cameras: CamerasDoor | None = None
    playback: PlaybackDoor | None = None
    live: LiveDoor | None = None
    events: EventsDoor | None = None
    zones: ZonesDoor | None = None
    system: SystemDoor | None = None
    rules: RulesDoor | None = None
    analytics: AnalyticsDoor | None = None


def doors_of(connection: HTTPConnection) -> Doors:
    """The doors `create_api` installed on the application."""
    doors: Doors = connection.app.state.doors
    return doors


def _missing(room: str) -> UnavailableError:
    return UnavailableError(f"the {room} room is not part of this server")


async def _cameras(connection: HTTPConnection) -> CamerasDoor:
    if (door := doors_of(connection).cameras) is None:
        raise _missing("cameras")
    return door


async def _playback(connection: HTTPConnection) -> PlaybackDoor:
    if (door := doors_of(connection).playback) is None:
        raise _missing("playback")
    return door


async def _live(connection: HTTPConnection) -> LiveDoor:
    if (door := doors_of(connection).live) is None:
        raise _missing("live")
    return door


async def _events(connection: HTTPConnection) -> EventsDoor:
    if (door := doors_of(connection).events) is None:
        raise _missing("events")
    return door


async def _zones(connection: HTTPConnection) -> ZonesDoor:
    if (door := doors_of(connection).zones) is None:
        raise _missing("zones")
    return door


async def _rules(connection: HTTPConnection) -> RulesDoor:
    if (door := doors_of(connection).rules) is None:
        raise _missing("rules")
    return door


async def _analytics(connection: HTTPConnection) -> AnalyticsDoor:
    if (door := doors_of(connection).analytics) is None:
        raise _missing("analytics")
    return door


async def _system(connection: HTTPConnection) -> SystemDoor:
    if (door := doors_of(connection).system) is None:
        raise _missing("system")
    return door


async def _auth(connection: HTTPConnection) -> AuthDoor:
    return doors_of(connection).auth


CamerasRoom = Annotated[CamerasDoor, Depends(_cameras)]
PlaybackRoom = Annotated[PlaybackDoor, Depends(_playback)]
LiveRoom = Annotated[LiveDoor, Depends(_live)]
EventsRoom = Annotated[EventsDoor, Depends(_events)]
ZonesRoom = Annotated[ZonesDoor, Depends(_zones)]
RulesRoom = Annotated[RulesDoor, Depends(_rules)]
AnalyticsRoom = Annotated[AnalyticsDoor, Depends(_analytics)]
SystemRoom = Annotated[SystemDoor, Depends(_system)]
AuthRoom = Annotated[AuthDoor, Depends(_auth)]
