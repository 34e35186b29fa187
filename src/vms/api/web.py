"""Serves the built web client: hashed assets cached for ever, and index.html for every page path
(the client routes in the browser), never shadowing the API, /metrics or the health checks."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from starlette.staticfiles import StaticFiles

import vms

_IMMUTABLE = "public, max-age=31536000, immutable"
_RESERVED = ("api/", "metrics", "healthz", "readyz")
NOT_BUILT = (
    "The VMS web client is not built. Run `make web` in the source tree (or set server.web_dir "
    "to the folder of a built client); the API is at /api/v1/docs.\n"
)


def default_web_dir() -> Path:
    """web/dist next to the source package (an editable install or a source checkout)."""
    return Path(vms.__file__).resolve().parents[2] / "web" / "dist"


class _Assets(StaticFiles):
    """Vite names assets by content hash, so a name never changes meaning: cache for ever."""

    async def get_response(self, path: str, scope: object) -> Response:
        response = await super().get_response(path, scope)  # type: ignore[arg-type]
        if response.status_code == 200:
            response.headers["Cache-Control"] = _IMMUTABLE
        return response


def mount_web_client(app: FastAPI, web_dir: Path | None) -> None:
    """Add the web client's routes; call after every API route is registered."""
    folder = web_dir or default_web_dir()
    index = folder / "index.html"
    if (folder / "assets").is_dir():
        app.mount("/assets", _Assets(directory=folder / "assets"), name="web-assets")

    @app.get("/{page_path:path}", include_in_schema=False)
    async def web_page(page_path: str, request: Request) -> Response:
        if page_path.startswith(_RESERVED) or request.method != "GET":
            raise HTTPException(status_code=404)
        if not index.is_file():
            return PlainTextResponse(NOT_BUILT, status_code=503)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
