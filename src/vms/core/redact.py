"""Credential redaction: camera passwords never reach a response, a log line or a metric label."""

from __future__ import annotations

import re

from vms.core.camera_url import CameraUrl, CameraUrlError

# scheme://userinfo@ where userinfo runs to the last '@' before the host part ends, as
# `urllib.parse` reads it: a password may hold '@' ("admin:p@ss@host" is user admin, p@ss).
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^\s/?#]*)@")
# Secrets passed as query parameters: SRT's passphrase, libpq's password, some cameras' pwd.
_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;](?:passphrase|password|passwd|pwd)=)[^&#\s]*", re.IGNORECASE
)


def redact_url(url: str) -> str:
    """Return the URL with any password replaced by '***' (the user name is kept for support)."""
    try:
        return CameraUrl.parse(url, schemes=None).redacted()
    except CameraUrlError:
        return redact_text(url)


def _userinfo(match: re.Match[str]) -> str:
    user, colon, _ = match["userinfo"].partition(":")
    return f"{match['scheme']}{user}{':***' if colon else ''}@"


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Redact URL credentials anywhere in free text (FFmpeg errors echo URLs) and known secrets."""
    out = _URL_USERINFO.sub(_userinfo, text)
    out = _QUERY_SECRET.sub(r"\g<key>***", out)
    for secret in secrets:
        if secret:
            out = out.replace(secret, "***")
    return out
