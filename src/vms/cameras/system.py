"""The system door for the API: readiness, the metrics (now and the last hour), pools, uptime.

It lives in the cameras room because that is the lowest room that sees the cameras, the storage
pools and the database together (like `cameras.stats`, which feeds the same metrics). The facade
satisfies `vms.api.doors.SystemDoor`; its answers are plain values the API turns into views.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from vms.cameras.manager import CameraManager
from vms.core.clock import Clock
from vms.core.redact import redact_text
from vms.ingest.health import UP_STATES
from vms.storage.pools import StoragePool, StoragePools
from vms.telemetry.history import HistoryWindow, MetricsHistory
from vms.telemetry.providers import CameraStatsProvider, CameraStreamSample


@dataclass(frozen=True, slots=True)
class PoolState:
    """Whether a storage pool can be written, and its space (None: could not be read)."""

    name: str
    writable: bool
    free_bytes: int | None = None
    total_bytes: int | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Readiness:
    """The database answers (or why not), each pool's state, and how many cameras deliver."""

    database_ok: bool
    database_detail: str | None
    pools: tuple[PoolState, ...]
    cameras_up: int
    cameras_total: int


@dataclass(frozen=True, slots=True)
class PoolUsage:
    """A pool's folder and the bytes of media in it (None: the folder could not be read)."""

    name: str
    path: Path
    media_bytes: int | None


class ReadinessCheck:
    """Asks the database, every pool and the camera manager; blocking."""

    def __init__(self, engine: Engine, pools: StoragePools, manager: CameraManager) -> None:
        self._engine = engine
        self._pools = pools
        self._manager = manager

    def __call__(self) -> Readiness:
        ok, detail = self._database()
        health = self._manager.health()
        up = sum(
            1 for streams in health.values() if any(h.state in UP_STATES for h in streams.values())
        )
        pools = tuple(self._pool(pool) for pool in self._pools)
        return Readiness(ok, detail, pools, cameras_up=up, cameras_total=len(health))

    def _database(self) -> tuple[bool, str | None]:
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means "not ready", with its redacted reason
            return False, redact_text(str(exc))
        return True, None

    @staticmethod
    def _pool(pool: StoragePool) -> PoolState:
        reason = pool.check_writable()
        free: int | None = None
        total: int | None = None
        with contextlib.suppress(OSError):  # the detail of check_writable says why
            disk = pool.disk_usage()
            free, total = disk.free_bytes, disk.total_bytes
        return PoolState(pool.name, reason is None, free, total, reason)


class SystemFacade:
    """What the health, readiness, metrics and settings-page routes read."""

    def __init__(
        self,
        *,
        version: str,
        readiness: Callable[[], Readiness],
        history: MetricsHistory,
        cameras: CameraStatsProvider,
        pools: StoragePools,
        clock: Clock,
        prometheus: Callable[[], tuple[bytes, str]],
        started_ms: int | None = None,
    ) -> None:
        self.version = version
        self._readiness = readiness
        self._history = history
        self._cameras = cameras
        self._pools = pools
        self._clock = clock
        self._prometheus = prometheus
        self._started_ms = clock.now_ms() if started_ms is None else started_ms

    async def readiness(self) -> Readiness:
        return await asyncio.to_thread(self._readiness)

    async def prometheus(self) -> tuple[bytes, str]:
        """The Prometheus exposition body and its content type."""
        return await asyncio.to_thread(self._prometheus)

    async def metrics_history(
        self, window_s: int, step_s: int, names: Iterable[str] | None
    ) -> HistoryWindow:
        return await asyncio.to_thread(self._history.query, window_s, step_s, names)

    async def camera_samples(self) -> Sequence[CameraStreamSample]:
        return await asyncio.to_thread(self._cameras.camera_stream_samples)

    async def pool_usage(self) -> list[PoolUsage]:
        return await asyncio.to_thread(self._pool_usage)

    def uptime_ms(self) -> int:
        """Time since `started_ms` (default: when the facade was built, as the process began
        serving)."""
        return max(0, self._clock.now_ms() - self._started_ms)

    def _pool_usage(self) -> list[PoolUsage]:
        usage = []
        for pool in self._pools:
            media = None
            with contextlib.suppress(OSError):  # a missing folder has no media to count
                media = pool.media_bytes()
            usage.append(PoolUsage(pool.name, pool.root, media))
        return usage
