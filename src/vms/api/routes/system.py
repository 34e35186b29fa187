"""System routes for the settings page: health at a glance and the last hour of metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query

from vms.api.doors import SystemRoom
from vms.api.problems import problem_responses
from vms.api.schemas.health import ReadinessView
from vms.api.schemas.system import (
    CameraCountsOut,
    MetricsHistoryOut,
    PoolHealthOut,
    SystemHealthOut,
)
from vms.cameras.system import PoolUsage
from vms.telemetry.history import CAPACITY, STEP_S
from vms.telemetry.providers import CameraStreamSample

_TRYING_STATES = frozenset({"connecting", "reconnecting"})
_WINDOW_MAX_S = STEP_S * CAPACITY

router = APIRouter(prefix="/system", tags=["system"])


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


def pool_health(usage: Sequence[PoolUsage], readiness: ReadinessView) -> list[PoolHealthOut]:
    """Each pool's space (as /readyz just read it) and media bytes, with /readyz's writability
    verdict."""
    checks = {check.name: check for check in readiness.pools}
    out = []
    for pool in usage:
        check = checks.get(pool.name)
        total = None if check is None else check.total_bytes
        free = None if check is None else check.free_bytes
        out.append(
            PoolHealthOut(
                name=pool.name,
                path=str(pool.path),
                total_bytes=total,
                used_bytes=None if total is None or free is None else total - free,
                free_bytes=free,
                media_bytes=pool.media_bytes,
                writable=check is not None and check.writable,
                detail=None if check is None else check.detail,
            )
        )
    return out


@router.get(
    "/metrics",
    summary="The last hour of fps, bitrate, CPU, memory, disk and recording rates",
    responses=problem_responses(401, 403, 422, 503),
)
async def system_metrics(
    system: SystemRoom,
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
    return MetricsHistoryOut.of(await system.metrics_history(window_s, step_s, name))


@router.get(
    "/health",
    summary="Version, uptime, cameras by state, storage pools and the database",
    responses=problem_responses(401, 403, 503),
)
async def system_health(system: SystemRoom) -> SystemHealthOut:
    readiness = ReadinessView.of(await system.readiness())
    pools = pool_health(await system.pool_usage(), readiness)
    samples = await system.camera_samples()
    database = readiness.database
    return SystemHealthOut(
        version=system.version,
        uptime_s=system.uptime_ms() / 1000,
        cameras=camera_counts(samples),
        pools=pools,
        database="ok" if database.ok else database.detail or "the database did not answer",
    )
