"""RTSP Basic and Digest (MD5, RFC 2617/7616) authentication for the hand-written server.

Hand-written with the server it guards (`vms.media.rtsp.server`). Nonces are stateless: the issue
time plus an HMAC of it under a per-server secret, so any connection can verify any nonce and an
expired one is answered with `stale=true` instead of a password prompt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from vms.core.clock import Clock, SystemClock

NONCE_LIFETIME_S = 300
_DIGEST_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


class AuthScheme(StrEnum):
    BASIC = "basic"
    DIGEST = "digest"


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def digest_response(
    username: str,
    realm: str,
    password: str,
    *,
    method: str,
    uri: str,
    nonce: str,
    qop: str | None = None,
    nc: str = "",
    cnonce: str = "",
) -> str:
    """The `response` value of RFC 2617 3.2.2.1 with MD5 (with or without qop=auth)."""
    ha1 = md5_hex(f"{username}:{realm}:{password}")
    ha2 = md5_hex(f"{method}:{uri}")
    if qop:
        return md5_hex(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return md5_hex(f"{ha1}:{nonce}:{ha2}")


def parse_digest_params(value: str) -> dict[str, str]:
    """Key/value pairs of a Digest header (quoted or bare values), keys lower-cased."""
    params: dict[str, str] = {}
    for match in _DIGEST_PARAM.finditer(value):
        quoted = match.group(2)
        text = quoted.replace('\\"', '"') if quoted is not None else match.group(3)
        params[match.group(1).lower()] = text
    return params


@dataclass(frozen=True, slots=True)
class AuthResult:
    """Outcome of checking one request: ok, or the challenge headers to send with a 401."""

    ok: bool
    challenges: tuple[str, ...] = ()


# Checks (user name, password, client address) against a user store (VMS's own users); slow on
# purpose (a password hash), so the server calls it on a worker thread.
BasicVerifier = Callable[[str, str, str], bool]


@dataclass(frozen=True, slots=True)
class RtspAuth:
    """Credentials one server accepts, and the schemes it offers (Digest first).

    Either one fixed user (`username`, `password`: the simulator's cameras) or, with
    `verify_basic`, any user a store accepts; a store keeps only password hashes, so it can
    check Basic but not Digest, whose answer is computed from the password itself.
    """

    username: str
    password: str
    realm: str = "vms"
    schemes: tuple[AuthScheme, ...] = (AuthScheme.DIGEST, AuthScheme.BASIC)
    clock: Clock = field(default_factory=SystemClock, compare=False, repr=False)
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(16), repr=False)
    verify_basic: BasicVerifier | None = field(default=None, compare=False, repr=False)

    @classmethod
    def for_users(cls, verify_basic: BasicVerifier, realm: str = "vms") -> RtspAuth:
        """Basic authentication against a user store."""
        return cls("", "", realm, (AuthScheme.BASIC,), verify_basic=verify_basic)

    def new_nonce(self) -> str:
        issued = str(self.clock.now_ms() // 1000)
        mac = hmac.new(self.secret, issued.encode(), hashlib.sha256).hexdigest()[:24]
        return f"{issued}{mac}"

    def nonce_state(self, nonce: str) -> str:
        """'valid', 'stale' (ours but expired) or 'invalid'."""
        issued, mac = nonce[:-24], nonce[-24:]
        expected = hmac.new(self.secret, issued.encode(), hashlib.sha256).hexdigest()[:24]
        if not issued.isdigit() or not hmac.compare_digest(mac, expected):
            return "invalid"
        age = self.clock.now_ms() // 1000 - int(issued)
        return "valid" if 0 <= age <= NONCE_LIFETIME_S else "stale"

    def challenges(self, stale: bool = False) -> tuple[str, ...]:
        out: list[str] = []
        for scheme in self.schemes:
            if scheme is AuthScheme.DIGEST:
                extra = ", stale=TRUE" if stale else ""
                out.append(
                    f'Digest realm="{self.realm}", nonce="{self.new_nonce()}", '
                    f'algorithm=MD5, qop="auth"{extra}'
                )
            else:
                out.append(f'Basic realm="{self.realm}"')
        return tuple(out)

    @property
    def slow(self) -> bool:
        """Whether `check` may take long (a user store): run it off the event loop."""
        return self.verify_basic is not None

    def check(self, method: str, authorization: str | None, peer: str = "") -> AuthResult:
        """Verify an Authorization header for a request with this method."""
        if authorization:
            scheme, _, value = authorization.strip().partition(" ")
            kind = scheme.lower()
            if kind == AuthScheme.BASIC and AuthScheme.BASIC in self.schemes:
                if self._check_basic(value.strip(), peer):
                    return AuthResult(ok=True)
            elif kind == AuthScheme.DIGEST and AuthScheme.DIGEST in self.schemes:
                state = self._check_digest(method, parse_digest_params(value))
                if state == "valid":
                    return AuthResult(ok=True)
                if state == "stale":
                    return AuthResult(ok=False, challenges=self.challenges(stale=True))
        return AuthResult(ok=False, challenges=self.challenges())

    def _check_basic(self, token: str, peer: str) -> bool:
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, sep, password = decoded.partition(":")
        if sep and self.verify_basic is not None:
            return self.verify_basic(user, password, peer)
        return (
            bool(sep)
            and hmac.compare_digest(user.encode(), self.username.encode())
            and hmac.compare_digest(password.encode(), self.password.encode())
        )

    def _check_digest(self, method: str, params: dict[str, str]) -> str:
        needed = ("username", "realm", "nonce", "uri", "response")
        if any(name not in params for name in needed):
            return "invalid"
        if params["username"] != self.username or params["realm"] != self.realm:
            return "invalid"
        algorithm = params.get("algorithm", "MD5").upper()
        qop = params.get("qop")
        if algorithm != "MD5" or qop not in (None, "auth"):
            return "invalid"
        expected = digest_response(
            self.username,
            self.realm,
            self.password,
            method=method,
            uri=params["uri"],
            nonce=params["nonce"],
            qop=qop,
            nc=params.get("nc", ""),
            cnonce=params.get("cnonce", ""),
        )
        if not hmac.compare_digest(expected, params["response"].lower()):
            return "invalid"
        return self.nonce_state(params["nonce"])
