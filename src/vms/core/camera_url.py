"""A camera stream URL as one frozen value: parsed once at the edge, carried everywhere after.

Why a value and not a string: a camera password may hold `@ : / % #`, and every place that split
the string again (redaction, the RTSP client, FFmpeg's URL) read it a little differently. Here the
text is split once, by `urllib.parse` as RFC 3986 says, user name and password percent-decoded;
what is carried afterwards is the parts. Rules (ADR 0015):

- spaces and control characters (CR, LF, tab, ...) are refused anywhere: they would end an RTSP
  request line or header, and a user who types one means something else;
- a `%` in the credentials must start a `%XX` escape (`%25` is a `%`); `/ ? #` in a password
  must be escaped (they end the host part), `@` and `:` may be written as they are;
- `str()` and `repr()` never show the password (`redacted()`), and neither do the error
  messages; only `with_credentials()` writes it, percent-encoded, for FFmpeg and for storage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import quote, unquote, urlsplit

CAMERA_SCHEMES = ("rtsp", "rtsps", "srt")
RTSP_SCHEMES = ("rtsp", "rtsps")
DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322}
REDACTED = "***"

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Secrets carried as query parameters: SRT's passphrase, some cameras' pwd.
_QUERY_SECRET = re.compile(
    r"(?P<key>(?:^|[&;])(?:passphrase|password|passwd|pwd)=)(?P<value>[^&;]*)", re.IGNORECASE
)


class CameraUrlError(ValueError):
    """A camera URL that cannot be used; the message never contains the password."""


class Secret:
    """A password: compared by value, shown as `***` by str, repr and format."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The password itself, for the one place that must send it (authentication)."""
        return self._value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __str__(self) -> str:
        return REDACTED

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"


@dataclass(frozen=True, slots=True)
class CameraUrl:
    """scheme://[user[:password]@]host[:port][path][?query]; user and password decoded."""

    scheme: str
    host: str  # without the brackets of an IPv6 address; "" only for an SRT listener
    port: int | None
    path: str = ""  # as written (still percent-encoded), "" or starting with '/'
    query: str = ""  # as written, without the '?'
    username: str | None = None
    password: Secret | None = None

    @classmethod
    def parse(cls, text: str, schemes: tuple[str, ...] | None = CAMERA_SCHEMES) -> CameraUrl:
        """Read a camera URL; CameraUrlError (never showing the password) when it is not one.

        `schemes=None` takes any scheme (redaction of a URL that is not a camera's)."""
        if _CONTROL_OR_SPACE.search(text):
            raise CameraUrlError(
                "a camera URL cannot contain spaces or control characters (CR, LF, tab):"
                " write a space in a user name or password as %20"
            )
        parts = urlsplit(text)
        if parts.fragment or "#" in text:
            raise CameraUrlError(
                "a camera URL has no '#' part: write '#' in a user name or password as %23"
            )
        scheme = parts.scheme.lower()
        if schemes is not None and scheme not in schemes:
            raise CameraUrlError(f"unsupported URL scheme {parts.scheme or '(none)'!r}")
        userinfo, _, _ = parts.netloc.rpartition("@")
        if _BARE_PERCENT.search(userinfo):
            raise CameraUrlError(
                "the credentials hold a '%' that starts no %XX escape: write '%' as %25"
            )
        try:
            port = parts.port
        except ValueError:
            port = 0
        if port == 0:
            raise CameraUrlError("invalid port: use a number from 1 to 65535")
        host = parts.hostname or ""
        hostless_ok = scheme == "srt" or schemes is None  # srt://:port?mode=listener has none
        if not host and not hostless_ok:
            raise CameraUrlError("the URL has no host")
        return cls(
            scheme=scheme,
            host=host,
            port=port,
            path=parts.path,
            query=parts.query,
            username=None if parts.username is None else unquote(parts.username),
            password=None if parts.password is None else Secret(unquote(parts.password)),
        )

    @property
    def effective_port(self) -> int | None:
        """The port, or the scheme's default (554 for rtsp); None for SRT without one."""
        return self.port if self.port is not None else DEFAULT_PORTS.get(self.scheme)

    @property
    def host_port(self) -> str:
        """host[:port] as written in a URL (an IPv6 address in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    def replace_credentials(self, username: str | None, password: str | None) -> CameraUrl:
        """The same URL with these credentials (taken as written, nothing decoded)."""
        secret = None if password is None else Secret(password)
        return replace(self, username=username, password=secret)

    def request_url(self) -> str:
        """The URL without credentials: what an RTSP request names (they travel in headers)."""
        return self._text("")

    def redacted(self) -> str:
        """The URL to show: the user name kept (for support), the password and secret query
        parameters replaced by `***`."""
        userinfo = "" if self.username is None else quote(self.username, safe="")
        if self.password is not None:
            userinfo += f":{REDACTED}"
        query = _QUERY_SECRET.sub(rf"\g<key>{REDACTED}", self.query)
        return self._text(f"{userinfo}@" if self.username is not None else "", query)

    def with_credentials(self) -> str:
        """The whole URL, credentials percent-encoded: only for FFmpeg and for storage."""
        if self.username is None and self.password is None:
            return self._text("")
        userinfo = quote(self.username or "", safe="")
        if self.password is not None:
            userinfo += ":" + quote(self.password.reveal(), safe="")
        return self._text(f"{userinfo}@")

    def secrets(self) -> tuple[str, ...]:
        """The strings to scrub from any message about this URL (password, passphrase)."""
        values = [m["value"] for m in _QUERY_SECRET.finditer(self.query) if m["value"]]
        found = list(dict.fromkeys(v for value in values for v in (value, unquote(value))))
        if self.password is not None and self.password.reveal():
            found.insert(0, self.password.reveal())
        return tuple(found)

    def _text(self, userinfo: str, query: str | None = None) -> str:
        query = self.query if query is None else query
        return f"{self.scheme}://{userinfo}{self.host_port}{self.path}" + (
            f"?{query}" if query else ""
        )

    def __str__(self) -> str:
        return self.redacted()

    def __repr__(self) -> str:
        return f"CameraUrl({self.redacted()!r})"


def request_path(uri: str) -> str:
    """The decoded path of an RTSP request URI, absolute (`rtsp://host/p?q`) or relative (`/p`).

    For the server side: URLs are split here only, so that client and server read them alike."""
    parts = urlsplit(uri)
    return unquote(parts.path) if parts.scheme else unquote(uri.split("?", 1)[0])
