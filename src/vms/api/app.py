"""The FastAPI application factory: routers, problem handlers and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI

from vms.api.auth_deps import require
from vms.api.doors import Doors
from vms.api.problems import register_problem_handlers, use_problem_media_type
from vms.api.routes import (
    auth,
    camera_probe,
    cameras,
    delivery,
    events,
    exports,
    health,
    live_hls,
    playback,
    rules,
    segments,
    snapshot,
    system,
    users,
    whep,
    zones,
)
from vms.auth.models import Role

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


def create_api(doors: Doors, *, version: str) -> FastAPI:
    """The HTTP API over the rooms' `doors` (read by the routes from `app.state.doors`);
    `version` is the server's, shown in the OpenAPI document and /healthz."""
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
    app.state.doors = doors
    # Straight into the app: each include copies every route, so no router in between.
    app.include_router(auth.router, prefix=API_PREFIX)  # signing in is open; the rest checks
    app.include_router(users.router, prefix=API_PREFIX)  # admins, checked in each route
    app.include_router(delivery.router, prefix=API_PREFIX)  # admins, checked in each route
    for module in (cameras, segments, camera_probe, zones, rules, system, playback):
        app.include_router(
            module.router, prefix=API_PREFIX, dependencies=VIEWER
        )  # changes ask more
    app.include_router(exports.router, prefix=API_PREFIX, dependencies=OPERATOR)
    for module in (whep, live_hls, snapshot, events):
        app.include_router(module.router, prefix=API_PREFIX, dependencies=VIEWER)
    app.include_router(health.router)  # /healthz and /readyz are open; /metrics needs a user
    return app
