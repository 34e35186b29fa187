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
