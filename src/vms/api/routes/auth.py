"""Sign-in routes: open, read and close the session; own password and preferences.

Plain `def` handlers: FastAPI runs them on worker threads, where Argon2's deliberate ~0.1 s per
check does not hold up other requests.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from vms.api.auth_deps import (
    SESSION_COOKIE,
    auth_of,
    check_origin,
    client_address,
    current_user,
)
from vms.api.problems import problem_responses
from vms.api.schemas.auth import PasswordChange, PreferencesBody, SessionOut, SignIn
from vms.auth.models import User
from vms.config.auth import AuthSettings
from vms.core.errors import UnauthorizedError

CurrentUser = Annotated[User, Depends(current_user)]


def _secure(request: Request, settings: AuthSettings) -> bool:
    if settings.cookie_secure != "auto":
        return settings.cookie_secure == "always"
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return request.url.scheme == "https" or forwarded == "https"


router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/session",
    summary="Sign in: check the password, set the HttpOnly session cookie",
    responses=problem_responses(401, 422, 429),
)
def sign_in(body: SignIn, request: Request, response: Response) -> SessionOut:
    check_origin(request)  # no signing a browser in from another site's page
    auth = auth_of(request)
    token, user = auth.sessions.sign_in(
        body.username, body.password.get_secret_value(), client_address(request)
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=auth.sessions.max_age_s,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request, auth.settings),
    )
    return SessionOut.of(user)


@router.get(
    "/session",
    summary="Who is signed in; 204 (no body) when nobody is",
    response_model=SessionOut,
    responses={204: {"description": "Not signed in"}},
)
def read_session(request: Request) -> SessionOut | Response:
    # Signed out is an answer, not an error: a browser would log a 401 as a console error
    # on every visit to the sign-in page.
    try:
        user = current_user(request)
    except UnauthorizedError:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return SessionOut.of(user)


@router.delete(
    "/session", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out (ends this session)"
)
def sign_out(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth_of(request).sessions.sign_out(token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.put(
    "/preferences",
    summary="Save the signed-in user's web client preferences",
    responses=problem_responses(401, 422),
)
def save_preferences(body: PreferencesBody, user: CurrentUser, request: Request) -> PreferencesBody:
    auth_of(request).users.set_preferences(user, body.value())
    return body


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change your own password (your other sessions end)",
    responses=problem_responses(401, 422),
)
def change_password(body: PasswordChange, user: CurrentUser, request: Request) -> Response:
    auth_of(request).users.change_own_password(
        user,
        body.current_password.get_secret_value(),
        body.new_password.get_secret_value(),
        keep_token=request.cookies.get(SESSION_COOKIE),
        address=client_address(request),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
