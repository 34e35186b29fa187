"""System routes for the settings page: health at a glance and the last hour of metrics.

`SystemServices` holds what these routes (and the zones routes) read beyond `ApiBackend`; the
composition root puts it on `app.state` with `install_system_services`, the way the auth
service is reached, so `create_api` keeps one include line per router.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from starlette.requests import HTTPConnection

from vms.api.backend import ApiBackend
from vms.api.problems import problem_responses
from vms.api.schemas.health import ReadinessView
from vms.api.schemas.system import (
    CameraCountsOut,
    MetricsHistoryOut,
    PoolHealthOut,
    SystemHealthOut,
)
from vms.core.clock import Clock
from vms.core.errors import UnavailableError
from vms.db.zones_repo import ZonesRepo
from vms.storage.pools import StoragePools
from vms.telemetry.history import CAPACITY, STEP_S, MetricsHistory
from vms.telemetry.providers import CameraStatsProvider, CameraStreamSample

_TRYING_STATES = frozenset({"connecting", "reconnecting"})
_WINDOW_MAX_S = STEP_S * CAPACITY


@dataclass(frozen=True, slots=True)
class SystemServices:
    """What the system and zones routes read beyond ApiBackend."""

    history: MetricsHistory
    cameras: CameraStatsProvider
    pools: StoragePools
    zones: ZonesRepo
    clock: Clock
    started_ms: int  # when this process started serving, Unix ms


def install_system_services(app: FastAPI, services: SystemServices) -> None:
    """Make `services` reachable from the system and zones routes of `app`."""
    app.state.system = services


def system_of(connection: HTTPConnection) -> SystemServices:
    """The installed SystemServices; 503 when this server was built without them."""
    services = getattr(connection.app.state, "system", None)
    if not isinstance(services, SystemServices):
        raise UnavailableError("system services are not available in this server")
    return services


def camera_counts(samples: Sequence[CameraStreamSample]) -> CameraCountsOut:
    """Cameras online (a stream delivers), reconnecting (none delivers, one is trying), offline."""
    states: dict[str, list[CameraStreamSample]] = {}
    for sample in samples:
        states.setdefault(sample.camera_id, []).append(sample)
    online = sum(1 for streams in states.values() if any(s.up for s in streams))
    trying = sum(
        1
        for streams in states.values()
        if not any(s.up for s in streams) and any(s.state in _TRYING_STATES for s in streams)
    )
    total = len(states)
    return CameraCountsOut(
        online=online, reconnecting=trying, offline=total - online - trying, total=total
    )


def pool_health(pools: StoragePools, readiness: ReadinessView) -> list[PoolHealthOut]:
    """Each pool's space (as /readyz just read it) and media bytes, with /readyz's writability
    verdict. Blocking."""
    checks = {check.name: check for check in readiness.pools}
    out = []
    for pool in pools:
        check = checks.get(pool.name)
        total = None if check is None else check.total_bytes
        free = None if check is None else check.free_bytes
        media = None
        # a missing or unreadable folder has no media to count: the check's detail says why
        with contextlib.suppress(OSError):
            media = pool.media_bytes()
        out.append(
            PoolHealthOut(
                name=pool.name,
                path=str(pool.root),
                total_bytes=total,
                used_bytes=None if total is None or free is None else total - free,
                free_bytes=free,
                media_bytes=media,
                writable=check is not None and check.writable,
                detail=None if check is None else check.detail,
            )
        )
    return out


def system_router(backend: ApiBackend, version: str) -> APIRouter:
    """Routes under /system."""
    router = APIRouter(prefix="/system", tags=["system"])

    @router.get(
        "/metrics",
        summary="The last hour of fps, bitrate, CPU, memory, disk and recording rates",
        responses=problem_responses(401, 403, 422, 503),
    )
    async def system_metrics(
        request: Request,
        window_s: Annotated[
            int, Query(ge=STEP_S, le=_WINDOW_MAX_S, description="seconds back from now")
        ] = _WINDOW_MAX_S,
        step_s: Annotated[
            int,
            Query(ge=STEP_S, le=_WINDOW_MAX_S, description=f"seconds per point, × {STEP_S}"),
        ] = STEP_S,
        name: Annotated[
            list[str] | None, Query(description="keep only these series (repeatable)")
        ] = None,
    ) -> MetricsHistoryOut:
        history = system_of(request).history
        window = await asyncio.to_thread(history.query, window_s, step_s, name)
        return MetricsHistoryOut.of(window)

    @router.get(
        "/health",
        summary="Version, uptime, cameras by state, storage pools and the database",
        responses=problem_responses(401, 403, 503),
    )
    async def system_health(request: Request) -> SystemHealthOut:
        services = system_of(request)
        readiness = await backend.readiness()
        pools = await asyncio.to_thread(pool_health, services.pools, readiness)
        samples = await asyncio.to_thread(services.cameras.camera_stream_samples)
        uptime_ms = max(0, services.clock.now_ms() - services.started_ms)
        database = readiness.database
        return SystemHealthOut(
            version=version,
            uptime_s=uptime_ms / 1000,
            cameras=camera_counts(samples),
            pools=pools,
            database="ok" if database.ok else database.detail or "the database did not answer",
        )

    return router
