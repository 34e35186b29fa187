"""Every error leaves as an RFC 9457 problem (application/problem+json); nothing internal leaks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from vms.api.errors import FieldIssue, InvalidFieldsError, dotted_field, issue_detail
from vms.api.schemas.problems import FieldError, Problem
from vms.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    StorageUnavailableError,
    UnauthorizedError,
    UnavailableError,
    VmsError,
)
from vms.core.redact import redact_text

PROBLEM_JSON = "application/problem+json"
# Problem type URIs are identifiers, not links (RFC 9457 §3.1.1 uses a tag: URI the same way).
PROBLEM_TYPE_BASE = "tag:vms,2026:problem:"

_VMS_ERRORS: tuple[tuple[type[VmsError], int, str], ...] = (
    (UnauthorizedError, 401, "unauthorized"),
    (ForbiddenError, 403, "forbidden"),
    (RateLimitedError, 429, "rate-limited"),
    (NotFoundError, 404, "not-found"),
    (ConflictError, 409, "conflict"),
    (InvalidInputError, 422, "invalid-input"),
    (StorageUnavailableError, 503, "storage-unavailable"),
    (UnavailableError, 503, "unavailable"),
)
_INTERNAL_DETAIL = "An unexpected error occurred; the server log has the details."


def problem_response(
    request: Request,
    *,
    status: int,
    kind: str | None,
    detail: str,
    issues: Sequence[FieldIssue] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem response; `kind` None means about:blank (the status code says it all)."""
    body = Problem(
        type=PROBLEM_TYPE_BASE + kind if kind else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=redact_text(detail),
        instance=request.url.path,
        errors=[FieldError(location=i.location, field=i.field, detail=i.detail) for i in issues]
        or None,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=dict(headers) if headers else None,
    )


async def _vms_error(request: Request, exc: Exception) -> JSONResponse:
    for error_type, status, kind in _VMS_ERRORS:
        if isinstance(exc, error_type):
            issues = exc.issues if isinstance(exc, InvalidFieldsError) else ()
            return problem_response(
                request,
                status=status,
                kind=kind,
                detail=str(exc),
                issues=issues,
                headers=_error_headers(exc),
            )
    return await _internal_error(request, exc)


def _error_headers(exc: Exception) -> dict[str, str] | None:
    """The headers some errors need: a sign-in challenge, or when to try again."""
    if isinstance(exc, UnauthorizedError) and exc.challenge:
        return {"WWW-Authenticate": exc.challenge}
    if isinstance(exc, RateLimitedError):
        return {"Retry-After": str(exc.retry_after_s)}
    return None


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    issues: list[FieldIssue] = []
    malformed = False
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        location = str(loc[0]) if loc else "body"
        issues.append(
            FieldIssue(
                location=location,
                field=dotted_field(loc[1:]) or location,
                detail=issue_detail(
                    str(error.get("type")), str(error.get("msg")), error.get("ctx")
                ),
            )
        )
        malformed = malformed or error.get("type") == "json_invalid"
    return problem_response(
        request,
        status=400 if malformed else 422,
        kind="malformed-request" if malformed else "validation-failed",
        detail="the request body is not valid JSON"
        if malformed
        else "some fields of the request are invalid; see errors",
        issues=issues,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = HTTPStatus(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else status.phrase
    if status is HTTPStatus.NOT_FOUND and detail == status.phrase:
        detail = f"nothing at {request.url.path}"
    return problem_response(
        request, status=exc.status_code, kind=None, detail=detail, headers=exc.headers
    )


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    # No logging here: the server logs the exception (Starlette re-raises it after this reply).
    return problem_response(request, status=500, kind="internal-error", detail=_INTERNAL_DETAIL)


def register_problem_handlers(app: FastAPI) -> None:
    """Route every error type to a problem response."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(VmsError, _vms_error)
    app.add_exception_handler(Exception, _internal_error)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the problems a route can return."""
    return {s: {"model": Problem, "description": HTTPStatus(s).phrase} for s in statuses}


def use_problem_media_type(openapi: dict[str, Any]) -> None:
    """In the OpenAPI document, error bodies are application/problem+json, not application/json."""
    for path_item in openapi.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
                if str(status)[:1] in ("4", "5") and ref.endswith("/Problem"):
                    content[PROBLEM_JSON] = content.pop("application/json")
