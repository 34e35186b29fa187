"""The FastAPI application factory: routers, problem handlers and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, FastAPI

from vms.api.auth_deps import require
from vms.api.backend import ApiBackend
from vms.api.playback_backend import PlaybackBackend
from vms.api.problems import register_problem_handlers, use_problem_media_type
from vms.api.routes.auth import auth_router
from vms.api.routes.camera_probe import camera_probe_router
from vms.api.routes.cameras import cameras_router
from vms.api.routes.events import events_router
from vms.api.routes.exports import exports_router
from vms.api.routes.health import health_router
from vms.api.routes.live_hls import live_hls_router
from vms.api.routes.playback import playback_router
from vms.api.routes.recordings import recordings_router
from vms.api.routes.snapshot import snapshot_router
from vms.api.routes.system import system_router
from vms.api.routes.users import users_router
from vms.api.routes.whep import whep_router
from vms.api.routes.zones import zones_router
from vms.auth.models import Role
from vms.auth.service import Auth
from vms.config.auth import AuthSettings
from vms.events.service import EventService
from vms.live.service import LiveService

API_PREFIX = "/api/v1"
# Routers that only read need a signed-in viewer; changes ask for more, route by route.
VIEWER = [Depends(require(Role.VIEWER))]
OPERATOR = [Depends(require(Role.OPERATOR))]


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
    auth: Auth,
    auth_settings: AuthSettings,
    metrics: Callable[[], tuple[bytes, str]],
    version: str,
    playback: PlaybackBackend | None = None,
    live: LiveService | None = None,
    events: EventService | None = None,
) -> FastAPI:
    """The HTTP API over `backend`; `auth` signs users in and checks every other route;
    `metrics` renders the Prometheus exposition for /metrics; `playback` adds the timeline, VOD,
    frame and export routes; `live` the live-view routes; `events` the event routes."""
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
    app.state.auth = auth
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(auth_router(auth_settings))
    api.include_router(users_router())
    api.include_router(cameras_router(backend), dependencies=VIEWER)
    api.include_router(recordings_router(backend), dependencies=VIEWER)
    api.include_router(camera_probe_router(), dependencies=VIEWER)  # admin: checked in the route
    api.include_router(zones_router(), dependencies=VIEWER)  # changes: admin, in the route
    api.include_router(system_router(backend, version), dependencies=VIEWER)
    if playback is not None:
        api.include_router(playback_router(playback, backend), dependencies=VIEWER)
        api.include_router(exports_router(playback), dependencies=OPERATOR)
    if live is not None:
        _include_live_routes(api, live)
    if events is not None:
        api.include_router(events_router(events), dependencies=VIEWER)
    app.include_router(api)
    app.include_router(health_router(backend, metrics, version))
    return app


def _include_live_routes(api: APIRouter, live: LiveService) -> None:
    """WHEP, LL-HLS, MSE and snapshot routes (one router module each)."""
    api.include_router(whep_router(live), dependencies=VIEWER)
    api.include_router(live_hls_router(live), dependencies=VIEWER)
    api.include_router(snapshot_router(live), dependencies=VIEWER)
