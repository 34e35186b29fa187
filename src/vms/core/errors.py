"""Error types that cross room boundaries; the API maps them to RFC 9457 problem details."""

from __future__ import annotations


class VmsError(Exception):
    """Base of errors that carry a message fit to show a user."""


class NotFoundError(VmsError):
    """A named thing (camera, segment, file) does not exist."""


class ConflictError(VmsError):
    """The request contradicts the current state (duplicate id, locked segment)."""


class InvalidInputError(VmsError):
    """A value supplied by a user or a peer is malformed or out of range."""


class StorageUnavailableError(VmsError):
    """A storage pool cannot be written (missing, read-only, full)."""


class UnavailableError(VmsError):
    """What was asked for exists but cannot be served now (a camera offline); try again later."""


class UnauthorizedError(VmsError):
    """The request carries no valid credentials (no session, wrong password, expired session).

    `challenge` is the WWW-Authenticate value to answer with, for clients that sign in with HTTP
    Basic when asked (ffmpeg, VLC); None for browsers, which would show their own password box.
    """

    def __init__(self, message: str, challenge: str | None = None) -> None:
        super().__init__(message)
        self.challenge = challenge


class ForbiddenError(VmsError):
    """The caller is known but their role does not allow this request."""


class RateLimitedError(VmsError):
    """Too many attempts in a short time (sign-in failures); try again after `retry_after_s`."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
