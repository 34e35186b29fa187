"""Who is asking: the session cookie (browsers) or HTTP Basic (tools), and the role a route needs.

Every route under /api/v1 except signing in depends on `require(...)`, WebSockets included. A 401
carries a Basic challenge only for clients that look like tools (no Origin, Referer or fetch
metadata): ffmpeg and VLC then retry with the credentials from the URL, while a browser page never
gets its native password box over the web client's own sign-in form.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends
from starlette.requests import HTTPConnection

from vms.api.doors import AuthDoor, doors_of
from vms.auth.models import Role, User
from vms.core.errors import ForbiddenError, UnauthorizedError

SESSION_COOKIE = "vms_session"
BASIC_CHALLENGE = 'Basic realm="VMS", charset="UTF-8"'
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BROWSER_FETCH_MODES = frozenset({"cors", "same-origin", "no-cors", "websocket"})


def auth_of(connection: HTTPConnection) -> AuthDoor:
    """The auth room's door; a plain function, as `current_user` runs on a worker thread."""
    return doors_of(connection).auth


def client_address(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


def _looks_like_a_tool(connection: HTTPConnection) -> bool:
    headers = connection.headers
    if any(name in headers for name in ("origin", "referer", "x-requested-with")):
        return False
    return headers.get("sec-fetch-mode", "") not in _BROWSER_FETCH_MODES


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def check_origin(connection: HTTPConnection) -> None:
    """Refuse a changing request sent from another site's page (cross-site request forgery).
    SameSite=Strict already keeps the cookie off such requests; this also covers Basic
    credentials a browser may have remembered."""
    # A WebSocket upgrade is a GET, but what follows is not a safe read: check it too.
    method = "WEBSOCKET" if connection.scope["type"] == "websocket" else connection.scope["method"]
    origin = connection.headers.get("origin")
    if method in _SAFE_METHODS or origin is None:
        return
    if urlsplit(origin).netloc != connection.headers.get("host", ""):
        raise ForbiddenError("requests from another site's page are refused")


def current_user(connection: HTTPConnection) -> User:
    """The signed-in user, or UnauthorizedError. A plain function: FastAPI runs it on a worker
    thread, where the database lookup and a Basic Argon2 check cannot stall the event loop."""
    auth = auth_of(connection)
    check_origin(connection)
    token = connection.cookies.get(SESSION_COOKIE)
    if token:
        return auth.sessions.user_for_token(token)
    header = connection.headers.get("authorization")
    credentials = _basic_credentials(header) if header else None
    challenge = BASIC_CHALLENGE if _looks_like_a_tool(connection) else None
    if credentials is None:
        raise UnauthorizedError("sign in first", challenge=challenge)
    try:
        return auth.sessions.user_for_basic(*credentials, client_address(connection))
    except UnauthorizedError as exc:
        raise UnauthorizedError(str(exc), challenge=challenge) from None


def require(role: Role) -> Callable[[User], User]:
    """A dependency that admits users whose role includes `role`."""

    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if not user.may(role):
            raise ForbiddenError(f"this needs the {role} role; {user.username!r} is {user.role}")
        return user

    return dependency


Viewer = Annotated[User, Depends(require(Role.VIEWER))]
Operator = Annotated[User, Depends(require(Role.OPERATOR))]
Admin = Annotated[User, Depends(require(Role.ADMIN))]
