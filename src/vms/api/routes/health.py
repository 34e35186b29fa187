"""Operational routes: liveness, readiness and Prometheus metrics (outside /api/v1)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from vms.api.auth_deps import require
from vms.api.doors import SystemRoom
from vms.api.problems import problem_responses
from vms.api.schemas.health import DatabaseCheck, HealthView, ReadinessView
from vms.auth.models import Role

log = logging.getLogger(__name__)

# /healthz, /readyz and /metrics
router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is alive")
async def healthz(request: Request) -> HealthView:
    return HealthView(version=request.app.version)


@router.get(
    "/readyz",
    summary="Ready to serve: database ok and a storage pool writable",
    response_model=ReadinessView,
    responses={503: {"model": ReadinessView, "description": "not ready"}},
)
async def readyz(system: SystemRoom) -> Response:
    try:
        readiness = ReadinessView.of(await system.readiness())
    except Exception:  # a failing check means "not ready", never a crash of the probe
        log.exception("readiness check failed")
        readiness = ReadinessView(
            database=DatabaseCheck(ok=False, detail="the readiness check failed"),
            pools=[],
            cameras_up=0,
            cameras_total=0,
        )
    return JSONResponse(
        readiness.model_dump(mode="json"), status_code=200 if readiness.ready else 503
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics (any signed-in user; Prometheus uses HTTP Basic)",
    response_class=Response,
    dependencies=[Depends(require(Role.VIEWER))],
    responses={200: {"content": {"text/plain": {}}}, **problem_responses(500)},
)
async def prometheus_metrics(system: SystemRoom) -> Response:
    body, content_type = await system.prometheus()
    return Response(body, media_type=content_type)
