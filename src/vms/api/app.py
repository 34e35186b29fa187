"""The FastAPI application factory: routers, problem handlers and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI

from vms.api.backend import ApiBackend
from vms.api.playback_backend import PlaybackBackend
from vms.api.problems import register_problem_handlers, use_problem_media_type
from vms.api.routes.cameras import cameras_router
from vms.api.routes.exports import exports_router
from vms.api.routes.health import health_router
from vms.api.routes.live_hls import live_hls_router
from vms.api.routes.playback import playback_router
from vms.api.routes.recordings import recordings_router
from vms.api.routes.snapshot import snapshot_router
from vms.api.routes.whep import whep_router
from vms.live.service import LiveService

API_PREFIX = "/api/v1"


class _VmsApi(FastAPI):
    """FastAPI whose OpenAPI document declares error bodies as application/problem+json."""

    _problem_types_applied = False

    def openapi(self) -> dict[str, Any]:
        schema = super().openapi()
        if not self._problem_types_applied:
            use_problem_media_type(schema)
            self._problem_types_applied = True
        return schema


def create_api(
    backend: ApiBackend,
    *,
    metrics: Callable[[], tuple[bytes, str]],
    version: str,
    playback: PlaybackBackend | None = None,
    live: LiveService | None = None,
) -> FastAPI:
    """The HTTP API over `backend`; `metrics` renders the Prometheus exposition for /metrics;
    `playback` adds the timeline, VOD, frame and export routes; `live` the live-view routes."""
    app = _VmsApi(
        title="VMS",
        version=version,
        summary="Video management system: cameras, recordings, playback and events",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        generate_unique_id_function=lambda route: route.name,  # operationIds for generated clients
        # FastAPI's native OpenTelemetry logs carry raw exception messages, which could echo a
        # camera URL; our logging redacts them, so those records are switched off.
        telemetry={"logs": False},
    )
    register_problem_handlers(app)
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(cameras_router(backend))
    api.include_router(recordings_router(backend))
    if playback is not None:
        api.include_router(playback_router(playback, backend))
        api.include_router(exports_router(playback))
    if live is not None:
        _include_live_routes(api, live)
    app.include_router(api)
    app.include_router(health_router(backend, metrics, version))
    return app


def _include_live_routes(api: APIRouter, live: LiveService) -> None:
    """WHEP, LL-HLS, MSE and snapshot routes (one router module each)."""
    api.include_router(whep_router(live))
    api.include_router(live_hls_router(live))
    api.include_router(snapshot_router(live))
