"""Credential redaction: camera passwords never reach a response, a log line or a metric label."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_URL_USERINFO = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/@:\s]*)(?::[^/@\s]*)?@"
)
# Secrets passed as query parameters: SRT's passphrase, libpq's password, some cameras' pwd.
_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;](?:passphrase|password|passwd|pwd)=)[^&#\s]*", re.IGNORECASE
)


def redact_url(url: str) -> str:
    """Return the URL with any password replaced by '***' (the user name is kept for support)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    if parts.password is None:
        return _QUERY_SECRET.sub(r"\g<key>***", url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:***@{host}"
    query = _QUERY_SECRET.sub(r"\g<key>***", f"?{parts.query}")[1:] if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Redact URL credentials anywhere in free text (FFmpeg errors echo URLs) and known secrets."""
    out = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)
    out = _QUERY_SECRET.sub(r"\g<key>***", out)
    for secret in secrets:
        if secret:
            out = out.replace(secret, "***")
    return out
