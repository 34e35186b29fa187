"""Password hashing with Argon2id (argon2-cffi, RFC 9106 low-memory profile); the password rule."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

from vms.core.errors import InvalidInputError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256

_HASHER = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)


def check_password_rule(password: str) -> None:
    """Refuse passwords too short to resist guessing, or absurdly long (hashing cost)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInputError(f"a password may have at most {MAX_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches; a malformed stored hash counts as no match."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's (re-hash at next sign-in)."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def dummy_verify() -> None:
    """Spend the time a real check takes, so a wrong user name answers as slowly as a wrong
    password and the timing does not tell which user names exist."""
    verify_password(_dummy_hash(), "not the password")


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash("dummy password for timing")
